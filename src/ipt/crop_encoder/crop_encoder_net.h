// The crop encoder network (model 2): a small CNN on the 64 x 128 network input
// (crop_encoder.h: CropToNetworkInput) with one backbone and three heads.
//   input  float [N, 3, 128, 64] RGB in [0, 1]
//   outputs: the fields of crop_encoder.h (embedding and kit L2-normalised).
// The appearance/role/kit heads read the globally pooled features; the jersey
// and foot heads read the final 8 x 4 map flattened, since digits and where the
// feet stand are spatial patterns that global pooling would blur.
// 3x3 convolutions in channels-last layout (see detector_net.h for why).
#pragma once

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ipt/nn/layers.h"

namespace ipt::crop_encoder {

struct CropEncoderNetConfig {
  std::vector<int> channels{24, 48, 96, 128};  // stages at strides 2, 4, 8, 16 (64x32 .. 8x4)
  int jersey_channels = 32;                    // channels of the flattened spatial map
  int jersey_hidden = 256;                     // hidden width of the jersey and foot heads
  void Check() const;
  nlohmann::json ToJson() const;
  static CropEncoderNetConfig FromJson(const nlohmann::json& j, const std::string& source);
};

struct CropEncoderNetImpl : torch::nn::Module {
  explicit CropEncoderNetImpl(const CropEncoderNetConfig& config);
  // Field name -> tensor (crop_encoder.h), plus "features" (pooled, pre-head) for training.
  std::map<std::string, torch::Tensor> forward(const torch::Tensor& images);

  CropEncoderNetConfig config;
  std::vector<torch::nn::Sequential> stages;
  nn::ConvBnRelu spatial_reduce{nullptr};
  torch::nn::Linear jersey_hidden{nullptr}, presence{nullptr}, digits{nullptr}, number{nullptr};
  torch::nn::Linear foot_hidden{nullptr}, foot{nullptr};
  torch::nn::Linear embedding{nullptr}, kit{nullptr}, role{nullptr};
};
TORCH_MODULE(CropEncoderNet);

}  // namespace ipt::crop_encoder
