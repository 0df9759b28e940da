// LibTorch's CPU thread count, declared without LibTorch: the command line sets it, and a
// file including <torch/torch.h> takes ~30 s to compile. Defined in tensor_file.cc.
#pragma once

namespace ipt::nn {

// Threads for LibTorch's CPU kernels; <= 0 means all cores. Debian's LibTorch uses one
// thread unless told.
void SetTorchThreads(int threads);

}  // namespace ipt::nn
