#include "ipt/nn/layers.h"

#include "ipt/util/check.h"

namespace ipt::nn {
namespace F = torch::nn::functional;

ConvBnReluImpl::ConvBnReluImpl(int in_channels, int out_channels, int kernel, int stride, int groups) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, kernel)
                                                       .stride(stride)
                                                       .padding(kernel / 2)
                                                       .groups(groups)
                                                       .bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(out_channels));
}

torch::Tensor ConvBnReluImpl::forward(const torch::Tensor& x) { return torch::relu(bn(conv(x))); }

ResidualBlockImpl::ResidualBlockImpl(int in_channels, int out_channels, int stride) {
  conv1 = register_module("conv1", ConvBnRelu(in_channels, out_channels, 3, stride));
  conv2 = register_module(
      "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out_channels, out_channels, 3).padding(1).bias(false)));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(out_channels));
  shortcut = register_module("shortcut", torch::nn::Sequential());
  if (stride != 1 || in_channels != out_channels) {
    shortcut->push_back(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1).stride(stride).bias(false)));
    shortcut->push_back(torch::nn::BatchNorm2d(out_channels));
  }
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor identity = shortcut->is_empty() ? x : shortcut->forward(x);
  return torch::relu(bn2(conv2(conv1(x))) + identity);
}

void ToChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

torch::Tensor ImagesToTensor(const torch::Tensor& images_u8_nhwc_bgr) {
  IPT_ASSERT(images_u8_nhwc_bgr.dim() == 4 && images_u8_nhwc_bgr.size(3) == 3);
  return images_u8_nhwc_bgr.flip(3).permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0f).contiguous();
}

torch::Device ParseDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  IPT_CHECK(name == "cuda", "device '{}' is not 'cpu' or 'cuda'", name);
  IPT_CHECK(torch::cuda::is_available(), "--device cuda: this LibTorch build sees no CUDA device (use --device cpu)");
  return torch::kCUDA;
}

}  // namespace ipt::nn
