#include "ipt/crop_encoder/crop_encoder_net.h"

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/util/check.h"

namespace ipt::crop_encoder {
namespace F = torch::nn::functional;

namespace {
constexpr int kStages = 4;
constexpr int kMaxChannels = 1024;
// The jersey map: the stride-16 features of a 128 x 64 input are 8 x 4.
constexpr int kJerseyMapHeight = kNetworkInputHeight / 16, kJerseyMapWidth = kNetworkInputWidth / 16;
}  // namespace

void CropEncoderNetConfig::Check() const {
  IPT_CHECK(channels.size() == kStages, "crop encoder: channels needs {} values", kStages);
  for (int c : channels) IPT_CHECK(c >= 1 && c <= kMaxChannels, "crop encoder: channels must be in [1, {}]", kMaxChannels);
  IPT_CHECK(jersey_channels >= 1 && jersey_channels <= kMaxChannels, "crop encoder: bad jersey_channels");
  IPT_CHECK(jersey_hidden >= 1 && jersey_hidden <= 8192, "crop encoder: bad jersey_hidden");
}

nlohmann::json CropEncoderNetConfig::ToJson() const {
  return {{"type", "crop_encoder_cnn"},
          {"channels", channels},
          {"jersey_channels", jersey_channels},
          {"jersey_hidden", jersey_hidden},
          {"input_px", {kNetworkInputWidth, kNetworkInputHeight}}};
}

CropEncoderNetConfig CropEncoderNetConfig::FromJson(const nlohmann::json& j, const std::string& source) {
  CropEncoderNetConfig c;
  try {
    IPT_CHECK(j.value("type", "") == "crop_encoder_cnn", "architecture type is not crop_encoder_cnn");
    c.channels = j.at("channels").get<std::vector<int>>();
    c.jersey_channels = j.at("jersey_channels").get<int>();
    c.jersey_hidden = j.at("jersey_hidden").get<int>();
    c.Check();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, 0, "architecture", e.what());
  } catch (const Error& e) {
    throw InputError(source, 0, "architecture", e.message());
  }
  return c;
}

CropEncoderNetImpl::CropEncoderNetImpl(const CropEncoderNetConfig& cfg) : config(cfg) {
  config.Check();
  const auto& c = config.channels;
  for (int s = 0; s < kStages; ++s) {
    torch::nn::Sequential stage(nn::ConvBnRelu(s ? c[s - 1] : 3, c[s], 3, 2), nn::ConvBnRelu(c[s], c[s], 3));
    if (s >= 2) stage->push_back(nn::ConvBnRelu(c[s], c[s], 3));
    stages.push_back(register_module("stage" + std::to_string(s + 1), stage));
  }
  const int pooled = c[kStages - 1];
  spatial_reduce = register_module("spatial_reduce", nn::ConvBnRelu(pooled, config.jersey_channels, 3));
  const int spatial = config.jersey_channels * kJerseyMapHeight * kJerseyMapWidth;
  jersey_hidden = register_module("jersey_hidden", torch::nn::Linear(spatial, config.jersey_hidden));
  foot_hidden = register_module("foot_hidden", torch::nn::Linear(spatial, config.jersey_hidden));
  foot = register_module("foot", torch::nn::Linear(config.jersey_hidden, kFootOffsetDim));
  presence = register_module("presence", torch::nn::Linear(config.jersey_hidden, kNumPresence));
  digits = register_module("digits", torch::nn::Linear(config.jersey_hidden, kNumDigitLogits));
  number = register_module("number", torch::nn::Linear(config.jersey_hidden, kNumNumbers));
  embedding = register_module("embedding", torch::nn::Linear(pooled, kEmbeddingDim));
  kit = register_module("kit", torch::nn::Linear(pooled, kKitDim));
  role = register_module("role", torch::nn::Linear(pooled, kNumRoles));
  nn::ToChannelsLast(*this);
}

std::map<std::string, torch::Tensor> CropEncoderNetImpl::forward(const torch::Tensor& images) {
  IPT_ASSERT(images.dim() == 4 && images.size(1) == 3 && images.size(2) == kNetworkInputHeight &&
             images.size(3) == kNetworkInputWidth);
  torch::Tensor x = images.contiguous(torch::MemoryFormat::ChannelsLast);
  for (auto& stage : stages) x = stage->forward(x);
  torch::Tensor pooled = x.mean({2, 3});
  torch::Tensor spatial = spatial_reduce(x).contiguous().flatten(1);
  torch::Tensor jersey = torch::relu(jersey_hidden(spatial));
  std::map<std::string, torch::Tensor> out;
  out["features"] = pooled;
  out[kEmbeddingField] = F::normalize(embedding(pooled), F::NormalizeFuncOptions().dim(1));
  out[kKitField] = F::normalize(kit(pooled), F::NormalizeFuncOptions().dim(1));
  out[kRoleField] = role(pooled);
  out[kPresenceField] = presence(jersey);
  out[kDigitsField] = digits(jersey);
  out[kNumberField] = number(jersey);
  out[kFootOffsetField] = foot(torch::relu(foot_hidden(spatial)));
  return out;
}

}  // namespace ipt::crop_encoder
