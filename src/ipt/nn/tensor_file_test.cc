#include "ipt/nn/tensor_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "ipt/util/check.h"

namespace ipt::nn {
namespace {
namespace fs = std::filesystem;

// A tiny real network: conv + batch norm (with buffers) + linear head.
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl()
      : conv(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)))),
        bn(register_module("bn", torch::nn::BatchNorm2d(4))),
        head(register_module("head", torch::nn::Linear(4, 2))) {}
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(bn(conv(x)));
    return head(x.mean({2, 3}));
  }
  torch::nn::Conv2d conv;
  torch::nn::BatchNorm2d bn;
  torch::nn::Linear head;
};
TORCH_MODULE(TinyNet);

fs::path Temp() {
  fs::path d = fs::temp_directory_path() / ("ipt_nn_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

TEST(TensorFile, TrainedModuleRoundTrips) {
  torch::manual_seed(0);
  SetTorchThreads(0);
  TinyNet net;
  torch::optim::SGD opt(net->parameters(), 0.1);
  torch::Tensor x = torch::randn({8, 3, 6, 6}), y = torch::randint(0, 2, {8});
  for (int step = 0; step < 5; ++step) {  // a few real steps: weights and BN statistics move
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
  }
  net->eval();
  SaveModule(*net, Temp() / "tiny.safetensors", {{"ipt.model", "tiny"}});
  TinyNet fresh;
  fresh->eval();
  EXPECT_FALSE(torch::allclose(fresh->forward(x), net->forward(x)));
  LoadModule(*fresh, Temp() / "tiny.safetensors");
  EXPECT_TRUE(torch::equal(fresh->forward(x), net->forward(x)));
  EXPECT_TRUE(torch::equal(fresh->bn->running_mean, net->bn->running_mean));
  auto file = io::ReadSafetensors(Temp() / "tiny.safetensors");
  EXPECT_EQ(file.metadata.at("ipt.model"), "tiny");
  EXPECT_NE(file.Find("conv.weight"), nullptr);
  EXPECT_NE(file.Find("bn.running_var"), nullptr);
}

TEST(TensorFile, DtypesRoundTrip) {
  for (auto type : {torch::kFloat64, torch::kFloat32, torch::kFloat16, torch::kBFloat16, torch::kInt64, torch::kInt32,
                    torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool}) {
    torch::Tensor t = (torch::arange(12).reshape({3, 4}) % 7).to(type);
    torch::Tensor back = FromTensorData(ToTensorData("t", t));
    EXPECT_EQ(back.scalar_type(), type);
    EXPECT_TRUE(torch::equal(back, t)) << c10::toString(type);
  }
  // Non-contiguous views are written in logical (row-major) order.
  torch::Tensor m = torch::arange(6, torch::kFloat32).reshape({2, 3}).t();
  EXPECT_TRUE(torch::equal(FromTensorData(ToTensorData("m", m)), m));
}

TEST(TensorFile, MismatchesNameTheTensor) {
  TinyNet net;
  auto file = ModuleToSafetensors(*net);
  // Wrong dtype for one tensor.
  for (auto& t : file.tensors) {
    if (t.name == "head.weight") t = ToTensorData("head.weight", torch::zeros({2, 4}, torch::kFloat64));
  }
  TinyNet other;
  try {
    LoadModuleFromSafetensors(*other, file, "w.safetensors");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'tensor 'head.weight'': file has F64[2, 4], the model needs F32[2, 4]"),
              std::string::npos) << e.what();
  }
  file = ModuleToSafetensors(*net);
  file.tensors.erase(file.tensors.begin());
  EXPECT_THROW(LoadModuleFromSafetensors(*other, file, "w.safetensors"), InputError);
  file = ModuleToSafetensors(*net);
  file.tensors.push_back(ToTensorData("extra", torch::zeros({1})));
  EXPECT_THROW(LoadModuleFromSafetensors(*other, file, "w.safetensors"), InputError);
}

}  // namespace
}  // namespace ipt::nn
