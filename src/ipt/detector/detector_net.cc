#include "ipt/detector/detector_net.h"

#include "ipt/util/check.h"

namespace ipt::detector {
namespace F = torch::nn::functional;

namespace {
constexpr int kLevels = 5;             // strides 2 .. 32
constexpr int kMaxChannels = 1024;
constexpr double kFocalAlpha = 2.0, kFocalBeta = 4.0, kProbClamp = 1e-4;
}  // namespace

void DetectorNetConfig::Check() const {
  IPT_CHECK(encoder_channels.size() == kLevels, "detector: encoder_channels needs {} values", kLevels);
  IPT_CHECK(decoder_channels.size() == kLevels - 1, "detector: decoder_channels needs {} values", kLevels - 1);
  for (int c : encoder_channels) IPT_CHECK(c >= 1 && c <= kMaxChannels, "detector: channels must be in [1, {}]", kMaxChannels);
  for (int c : decoder_channels) IPT_CHECK(c >= 1 && c <= kMaxChannels, "detector: channels must be in [1, {}]", kMaxChannels);
  IPT_CHECK(std::isfinite(heat_bias), "detector: heat_bias must be finite");
}

nlohmann::json DetectorNetConfig::ToJson() const {
  return {{"type", "detector_unet"}, {"encoder_channels", encoder_channels}, {"decoder_channels", decoder_channels},
          {"heat_bias", heat_bias}};
}

DetectorNetConfig DetectorNetConfig::FromJson(const nlohmann::json& j, const std::string& source) {
  DetectorNetConfig c;
  try {
    IPT_CHECK(j.value("type", "") == "detector_unet", "architecture type is not detector_unet");
    c.encoder_channels = j.at("encoder_channels").get<std::vector<int>>();
    c.decoder_channels = j.at("decoder_channels").get<std::vector<int>>();
    c.heat_bias = j.at("heat_bias").get<double>();
    c.Check();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, 0, "architecture", e.what());
  } catch (const Error& e) {
    throw InputError(source, 0, "architecture", e.message());
  }
  return c;
}

DetectorNetImpl::DetectorNetImpl(const DetectorNetConfig& cfg) : config(cfg) {
  config.Check();
  const auto& e = config.encoder_channels;
  const auto& d = config.decoder_channels;
  auto conv3 = [](int in, int out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
  };
  for (int level = 0; level < kLevels; ++level) {
    // Level 0 is one thin conv at full size; the others downsample, then refine.
    torch::nn::Sequential block(nn::ConvBnRelu(level ? e[level - 1] : 3, e[level], 3, 2));
    if (level > 0) block->push_back(nn::ConvBnRelu(e[level], e[level], 3));
    encoder.push_back(register_module("enc" + std::to_string(level + 1), block));
  }
  for (int level = 0; level < kLevels - 1; ++level) {
    // The upsampled coarser features (`from` channels) + the lateral of this
    // level's encoder features, refined to d[level].
    const int from = level + 1 < kLevels - 1 ? d[level + 1] : e[kLevels - 1];
    const std::string suffix = std::to_string(level + 1);
    laterals.push_back(register_module("lateral" + suffix, conv3(e[level], from)));
    decoder.push_back(register_module("dec" + suffix, nn::ConvBnRelu(from, d[level], 3)));
  }
  head = register_module("head", nn::ConvBnRelu(d[0], d[0], 3));
  heat_out = register_module("heat_out", conv3(d[0], 1));
  offset_out = register_module("offset_out", conv3(d[0], 2));
  nn::ToChannelsLast(*this);
  torch::NoGradGuard no_grad;
  heat_out->bias.fill_(config.heat_bias);
  offset_out->bias.fill_(0.5);  // the middle of the cell
}

DetectorNetImpl::Output DetectorNetImpl::forward(const torch::Tensor& images) {
  IPT_ASSERT(images.dim() == 4 && images.size(1) == 3);
  std::vector<torch::Tensor> features;
  torch::Tensor x = images.contiguous(torch::MemoryFormat::ChannelsLast);
  for (auto& level : encoder) {
    x = level->forward(x);
    features.push_back(x);
  }
  // Top-down: upsample x2, add the lateral of the finer level, refine.
  torch::Tensor y = features[kLevels - 1];
  for (int level = kLevels - 2; level >= 0; --level) {
    const torch::Tensor& skip = features[level];
    y = F::interpolate(y, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
                              .mode(torch::kNearest));
    y = decoder[level]->forward(y + laterals[level]->forward(skip));
  }
  y = head(y);
  return {heat_out(y).contiguous(), offset_out(y).contiguous()};
}

torch::Tensor FocalLoss(const torch::Tensor& heat_logits, const torch::Tensor& target) {
  torch::Tensor p = torch::sigmoid(heat_logits).clamp(kProbClamp, 1 - kProbClamp);
  torch::Tensor positive = target.eq(1).to(p.dtype());
  torch::Tensor pos_loss = torch::log(p) * torch::pow(1 - p, kFocalAlpha) * positive;
  torch::Tensor neg_loss =
      torch::log(1 - p) * torch::pow(p, kFocalAlpha) * torch::pow(1 - target, kFocalBeta) * (1 - positive);
  torch::Tensor num_pos = positive.sum();
  torch::Tensor total = pos_loss.sum() + neg_loss.sum();
  return num_pos.item<double>() > 0 ? -total / num_pos : -neg_loss.sum();
}

}  // namespace ipt::detector
