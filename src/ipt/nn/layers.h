// Shared LibTorch building blocks of IPT's networks. Tensors are NCHW float32.
#pragma once

#include <torch/torch.h>

namespace ipt::nn {

// conv(k x k, stride) -> BatchNorm -> ReLU; "same" padding, so the output is
// ceil(H / stride) x ceil(W / stride).
struct ConvBnReluImpl : torch::nn::Module {
  ConvBnReluImpl(int in_channels, int out_channels, int kernel = 3, int stride = 1, int groups = 1);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvBnRelu);

// Two 3x3 convs with an identity (or 1x1 projection) shortcut (ResNet basic block).
struct ResidualBlockImpl : torch::nn::Module {
  ResidualBlockImpl(int in_channels, int out_channels, int stride = 1);
  torch::Tensor forward(const torch::Tensor& x);
  ConvBnRelu conv1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::BatchNorm2d bn2{nullptr};
  torch::nn::Sequential shortcut{nullptr};  // empty: identity
};
TORCH_MODULE(ResidualBlock);

// Converts the module's 4-d parameters and buffers to channels-last layout;
// with channels-last inputs, LibTorch's CPU convolutions take the fast oneDNN path.
void ToChannelsLast(torch::nn::Module& module);

// Images as uint8 HWC BGR (OpenCV layout) -> float NCHW RGB in [0, 1].
torch::Tensor ImagesToTensor(const torch::Tensor& images_u8_nhwc_bgr);

// Resolves "cpu" / "cuda" and checks it exists in this LibTorch build.
torch::Device ParseDevice(const std::string& name);

}  // namespace ipt::nn
