#include "ipt/crop_encoder/crop_encoder_net.h"

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/util/check.h"

namespace ipt::crop_encoder {
namespace F = torch::nn::functional;

namespace {
constexpr int kStages = 4;
constexpr int kMaxChannels = 1024;
// The backbone's final map: the stride-16 features of a 128 x 64 input are 8 x 4.
constexpr int kBodyMapHeight = kNetworkInputHeight / 16, kBodyMapWidth = kNetworkInputWidth / 16;
// The jersey branch's final map: stride 16 on 112 x 128 is 7 x 8.
constexpr int kJerseyBranchStages = 4;
static_assert(kJerseyInputHeight % 16 == 0 && kJerseyInputWidth % 16 == 0);
constexpr int kJerseyPooledPerChannel = 2;  // max and mean over the 7 x 8 positions
}  // namespace

void CropEncoderNetConfig::Check() const {
  IPT_CHECK(channels.size() == kStages, "crop encoder: channels needs {} values", kStages);
  for (int c : channels) IPT_CHECK(c >= 1 && c <= kMaxChannels, "crop encoder: channels must be in [1, {}]", kMaxChannels);
  IPT_CHECK(jersey_channels >= 1 && jersey_channels <= kMaxChannels, "crop encoder: bad jersey_channels");
  IPT_CHECK(jersey_hidden >= 1 && jersey_hidden <= 8192, "crop encoder: bad jersey_hidden");
  IPT_CHECK(jersey_branch.empty() || jersey_branch.size() == kJerseyBranchStages,
            "crop encoder: jersey_branch needs {} values (or none)", kJerseyBranchStages);
  for (int c : jersey_branch) {
    IPT_CHECK(c >= 1 && c <= kMaxChannels, "crop encoder: jersey_branch channels must be in [1, {}]", kMaxChannels);
  }
}

nlohmann::json CropEncoderNetConfig::ToJson() const {
  nlohmann::json j = {{"type", "crop_encoder_cnn"},
                      {"channels", channels},
                      {"jersey_channels", jersey_channels},
                      {"jersey_hidden", jersey_hidden},
                      {"input_px", {kNetworkInputWidth, kNetworkInputHeight}}};
  if (!jersey_branch.empty()) {
    j["jersey_branch"] = jersey_branch;
    j["jersey_input_px"] = {kJerseyInputWidth, kJerseyInputHeight};
    j["jersey_input_top_row"] = kJerseyInputTop;
    j["jersey_pooling"] = "max_mean";
  }
  return j;
}

CropEncoderNetConfig CropEncoderNetConfig::FromJson(const nlohmann::json& j, const std::string& source) {
  CropEncoderNetConfig c;
  try {
    IPT_CHECK(j.value("type", "") == "crop_encoder_cnn", "architecture type is not crop_encoder_cnn");
    c.channels = j.at("channels").get<std::vector<int>>();
    c.jersey_channels = j.at("jersey_channels").get<int>();
    c.jersey_hidden = j.at("jersey_hidden").get<int>();
    if (j.contains("jersey_branch")) {
      c.jersey_branch = j.at("jersey_branch").get<std::vector<int>>();
      // The input window is a constant of this code: a package cut elsewhere is refused.
      IPT_CHECK(j.value("jersey_input_px", nlohmann::json()) == nlohmann::json({kJerseyInputWidth, kJerseyInputHeight}) &&
                    j.value("jersey_input_top_row", -1) == kJerseyInputTop && j.value("jersey_pooling", "") == "max_mean",
                "jersey input window is not {}x{} from row {}", kJerseyInputWidth, kJerseyInputHeight, kJerseyInputTop);
    }
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
  const int spatial = config.jersey_channels * kBodyMapHeight * kBodyMapWidth;
  int jersey_spatial = spatial;
  if (has_jersey_branch()) {
    const auto& b = config.jersey_branch;
    jersey_branch = torch::nn::Sequential();
    for (int s = 0; s < kJerseyBranchStages; ++s) {
      jersey_branch->push_back(nn::ConvBnRelu(s ? b[s - 1] : 3, b[s], 3, 2));
      if (s) jersey_branch->push_back(nn::ConvBnRelu(b[s], b[s], 3));
    }
    register_module("jersey_branch", jersey_branch);
    jersey_spatial = kJerseyPooledPerChannel * b.back();
  }
  jersey_hidden = register_module("jersey_hidden", torch::nn::Linear(jersey_spatial, config.jersey_hidden));
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

std::vector<std::string> CropEncoderNetImpl::jersey_reader_prefixes() const {
  if (!has_jersey_branch()) return {};
  return {"jersey_branch.", "jersey_hidden.", "presence.", "digits.", "number."};
}

std::map<std::string, torch::Tensor> CropEncoderNetImpl::forward(const torch::Tensor& body,
                                                                const torch::Tensor& jersey_images) {
  IPT_ASSERT(body.dim() == 4 && body.size(1) == 3 && body.size(2) == kNetworkInputHeight &&
             body.size(3) == kNetworkInputWidth);
  torch::Tensor x = body.contiguous(torch::MemoryFormat::ChannelsLast);
  for (auto& stage : stages) x = stage->forward(x);
  torch::Tensor pooled = x.mean({2, 3});
  torch::Tensor spatial = spatial_reduce(x).contiguous().flatten(1);
  std::map<std::string, torch::Tensor> out;
  if (has_jersey_branch()) {
    IPT_ASSERT(jersey_images.defined() && jersey_images.size(0) == body.size(0));
    out = ReadNumbers(jersey_images);
  } else {
    ReadNumbersFrom(spatial, &out);
  }
  out["features"] = pooled;
  out[kEmbeddingField] = F::normalize(embedding(pooled), F::NormalizeFuncOptions().dim(1));
  out[kKitField] = F::normalize(kit(pooled), F::NormalizeFuncOptions().dim(1));
  out[kRoleField] = role(pooled);
  out[kFootOffsetField] = foot(torch::relu(foot_hidden(spatial)));
  return out;
}

std::map<std::string, torch::Tensor> CropEncoderNetImpl::ReadNumbers(const torch::Tensor& jersey_images) {
  IPT_ASSERT(has_jersey_branch() && jersey_images.defined() && jersey_images.dim() == 4 &&
             jersey_images.size(1) == 3 && jersey_images.size(2) == kJerseyInputHeight &&
             jersey_images.size(3) == kJerseyInputWidth);
  torch::Tensor j = jersey_branch->forward(jersey_images.contiguous(torch::MemoryFormat::ChannelsLast));
  std::map<std::string, torch::Tensor> out;
  // Pooled over positions: the same weights read a number wherever the jitter put it.
  ReadNumbersFrom(torch::cat({j.amax({2, 3}), j.mean({2, 3})}, 1), &out);
  return out;
}

void CropEncoderNetImpl::ReadNumbersFrom(const torch::Tensor& features, std::map<std::string, torch::Tensor>* out) {
  torch::Tensor jersey = torch::relu(jersey_hidden(features));
  (*out)[kPresenceField] = presence(jersey);
  (*out)[kDigitsField] = digits(jersey);
  (*out)[kNumberField] = number(jersey);
}

}  // namespace ipt::crop_encoder

namespace ipt::crop_encoder {

torch::Tensor StackImages(const std::vector<const cv::Mat*>& images, int height, int width) {
  torch::Tensor batch = torch::empty({static_cast<int64_t>(images.size()), height, width, 3}, torch::kUInt8);
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = *images[i];
    IPT_CHECK(m.type() == CV_8UC3 && m.rows == height && m.cols == width, "network input {} is {}x{}, not {}x{} BGR", i,
              m.cols, m.rows, width, height);
    cv::Mat dst(height, width, CV_8UC3, batch[static_cast<int64_t>(i)].data_ptr<uint8_t>());
    m.copyTo(dst);
  }
  return batch;
}

}  // namespace ipt::crop_encoder
