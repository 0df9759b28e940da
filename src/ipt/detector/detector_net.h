// The detector network: a thin U-Net on the 512 x 1024 panorama with a stride-2
// output. The encoder reaches stride 32 for context (people are 32-45 px tall);
// the decoder climbs back to stride 2, so people 1 m apart stay separate peaks,
// while the high-resolution layers stay thin (16 channels).
// Only 3x3 convolutions in channels-last layout: with Debian's LibTorch 1.13 on
// CPU they are 10-20x faster than NCHW, and faster than 1x1 or depthwise
// convolutions of the same width (bench/models_bench.cc; docs/models.md).
//   input   float [N, 3, H, W] RGB in [0, 1] (H, W multiples of 32)
//   heat    float [N, 1, H/2, W/2] logits (sigmoid = foot-point heatmap)
//   offset  float [N, 2, H/2, W/2] sub-cell (dx, dy) in cells, in [0, 1) when trained
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "ipt/nn/layers.h"

namespace ipt::detector {

struct DetectorNetConfig {
  std::vector<int> encoder_channels{16, 16, 32, 64, 96};  // strides 2, 4, 8, 16, 32
  std::vector<int> decoder_channels{16, 16, 32, 64};      // strides 2, 4, 8, 16
  double heat_bias = -2.19;                                // sigmoid = 0.1 at start (CenterNet)
  void Check() const;
  nlohmann::json ToJson() const;
  static DetectorNetConfig FromJson(const nlohmann::json& j, const std::string& source);
};

struct DetectorNetImpl : torch::nn::Module {
  explicit DetectorNetImpl(const DetectorNetConfig& config);
  struct Output {
    torch::Tensor heat_logits, offset;
  };
  Output forward(const torch::Tensor& images);

  DetectorNetConfig config;
  std::vector<torch::nn::Sequential> encoder;   // strides 2 .. 32
  std::vector<torch::nn::Conv2d> laterals;      // strides 2 .. 16
  std::vector<nn::ConvBnRelu> decoder;          // strides 2 .. 16
  nn::ConvBnRelu head{nullptr};
  torch::nn::Conv2d heat_out{nullptr}, offset_out{nullptr};
};
TORCH_MODULE(DetectorNet);

// CenterNet's penalty-reduced focal loss (alpha 2, beta 4) on sigmoid(logits)
// clamped to [1e-4, 1 - 1e-4], normalised by the number of positive cells
// (target == 1) in the batch.
torch::Tensor FocalLoss(const torch::Tensor& heat_logits, const torch::Tensor& target);

}  // namespace ipt::detector
