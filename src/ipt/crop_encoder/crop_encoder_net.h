// The crop encoder network (model 2): a small CNN on the crop's inputs
// (crop_encoder.h: PrepareCrop): one backbone (plus, optionally, a jersey branch)
// and three heads.
//   body    float [N, 3, 128, 64]  RGB in [0, 1], the whole crop 2x downscaled
//   jersey  float [N, 3, 112, 128] RGB in [0, 1], the torso rows at full resolution
//           (only with a jersey branch; undefined otherwise)
//   outputs: the fields of crop_encoder.h (embedding and kit L2-normalised).
// The appearance/role/kit heads read the backbone's globally pooled features; the
// foot head reads its final 8 x 4 map flattened (where the feet stand is a spatial
// pattern that pooling would blur). With a jersey branch (a second small CNN on the
// jersey input) the jn heads read its final 7 x 8 map max- and mean-pooled over the
// positions: one reader wherever the number is, which generalises from few players;
// without one (the first packages), the backbone's 8 x 4 map flattened.
// 3x3 convolutions in channels-last layout (see detector_net.h for why).
#pragma once

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>

#include "ipt/nn/layers.h"

namespace ipt::crop_encoder {

struct CropEncoderNetConfig {
  std::vector<int> channels{24, 48, 96, 128};  // stages at strides 2, 4, 8, 16 (64x32 .. 8x4)
  int jersey_channels = 32;                    // channels of the flattened spatial map
  int jersey_hidden = 256;                     // hidden width of the jersey and foot heads
  // Channels of the jersey branch's 4 stride-2 stages (112 x 128 -> 7 x 8); empty: no
  // branch, the jn heads read the backbone (architecture JSON without the key).
  std::vector<int> jersey_branch;
  void Check() const;
  nlohmann::json ToJson() const;
  static CropEncoderNetConfig FromJson(const nlohmann::json& j, const std::string& source);
};

struct CropEncoderNetImpl : torch::nn::Module {
  explicit CropEncoderNetImpl(const CropEncoderNetConfig& config);
  // Field name -> tensor (crop_encoder.h), plus "features" (pooled, pre-head) for training.
  std::map<std::string, torch::Tensor> forward(const torch::Tensor& body, const torch::Tensor& jersey = {});
  bool has_jersey_branch() const { return !config.jersey_branch.empty(); }
  // With a jersey branch, the modules that read numbers (branch, jersey_hidden and
  // the jn heads) share nothing with the body network: the jn fields depend only on
  // them and every other field only on the rest. Their names' prefixes; empty
  // without a branch (the jn heads then read the body's map).
  std::vector<std::string> jersey_reader_prefixes() const;
  // The number reader alone (networks with a jersey branch): the three jn fields of
  // forward() from the jersey input [N, 3, 112, 128], without running the body network.
  std::map<std::string, torch::Tensor> ReadNumbers(const torch::Tensor& jersey_images);

  // The jn heads on pooled or flattened features [N, C] (the branch's or the body's).
  void ReadNumbersFrom(const torch::Tensor& features, std::map<std::string, torch::Tensor>* out);

  CropEncoderNetConfig config;
  std::vector<torch::nn::Sequential> stages;
  torch::nn::Sequential jersey_branch{nullptr};
  nn::ConvBnRelu spatial_reduce{nullptr};
  torch::nn::Linear jersey_hidden{nullptr}, presence{nullptr}, digits{nullptr}, number{nullptr};
  torch::nn::Linear foot_hidden{nullptr}, foot{nullptr};
  torch::nn::Linear embedding{nullptr}, kit{nullptr}, role{nullptr};
};
TORCH_MODULE(CropEncoderNet);

// 8-bit BGR images of height x width -> uint8 [N, height, width, 3] (the layout of
// nn::ImagesToTensor); throws ipt::Error for another size or type.
torch::Tensor StackImages(const std::vector<const cv::Mat*>& images, int height, int width);

}  // namespace ipt::crop_encoder
