#include "ipt/nn/tensor_file.h"

#include <fmt/format.h>

#include <cstring>
#include <set>
#include <thread>

#include "ipt/util/check.h"

namespace ipt::nn {
namespace {

struct DTypePair {
  torch::ScalarType torch_type;
  io::DType file_type;
};
const DTypePair kPairs[] = {{torch::kFloat64, io::DType::kF64}, {torch::kFloat32, io::DType::kF32},
                            {torch::kFloat16, io::DType::kF16}, {torch::kBFloat16, io::DType::kBF16},
                            {torch::kInt64, io::DType::kI64},   {torch::kInt32, io::DType::kI32},
                            {torch::kInt16, io::DType::kI16},   {torch::kInt8, io::DType::kI8},
                            {torch::kUInt8, io::DType::kU8},    {torch::kBool, io::DType::kBool}};

io::DType ToFileType(torch::ScalarType t) {
  for (const auto& p : kPairs) {
    if (p.torch_type == t) return p.file_type;
  }
  IPT_THROW("tensor type {} has no safetensors dtype", c10::toString(t));
}

torch::ScalarType ToTorchType(io::DType d) {
  for (const auto& p : kPairs) {
    if (p.file_type == d) return p.torch_type;
  }
  IPT_THROW("safetensors dtype {} has no LibTorch type", io::DTypeName(d));
}

std::map<std::string, torch::Tensor> NamedTensors(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out[b.key()] = b.value();
  return out;
}

}  // namespace

void SetTorchThreads(int threads) {
  int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
}

io::TensorData ToTensorData(const std::string& name, const torch::Tensor& tensor) {
  // x86-64 and aarch64 are little-endian, as the format requires.
  torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  io::TensorData d;
  d.name = name;
  d.dtype = ToFileType(t.scalar_type());
  for (int64_t s : t.sizes()) d.shape.push_back(s);
  d.bytes.assign(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return d;
}

torch::Tensor FromTensorData(const io::TensorData& d) {
  torch::Tensor t = torch::empty(d.shape, torch::TensorOptions().dtype(ToTorchType(d.dtype)));
  IPT_ASSERT(static_cast<size_t>(t.numel() * t.element_size()) == d.bytes.size());
  if (!d.bytes.empty()) std::memcpy(t.data_ptr(), d.bytes.data(), d.bytes.size());
  return t;
}

io::SafetensorsFile ModuleToSafetensors(const torch::nn::Module& module, const std::map<std::string, std::string>& metadata) {
  io::SafetensorsFile file;
  file.metadata = metadata;
  file.metadata.emplace("format", "pt");
  for (const auto& [name, tensor] : NamedTensors(module)) file.tensors.push_back(ToTensorData(name, tensor));
  return file;
}

void LoadModuleFromSafetensors(torch::nn::Module& module, const io::SafetensorsFile& file, const std::string& source) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [name, tensor] : NamedTensors(module)) {
    const io::TensorData* d = file.Find(name);
    if (!d) throw InputError(source, 0, "tensor '" + name + "'", "missing: the file does not match this model");
    std::vector<int64_t> shape(tensor.sizes().begin(), tensor.sizes().end());
    if (d->shape != shape || ToTorchType(d->dtype) != tensor.scalar_type()) {
      throw InputError(source, 0, "tensor '" + name + "'",
                       fmt::format("file has {}[{}], the model needs {}[{}]", io::DTypeName(d->dtype),
                                   fmt::join(d->shape, ", "), io::DTypeName(ToFileType(tensor.scalar_type())),
                                   fmt::join(shape, ", ")));
    }
    tensor.copy_(FromTensorData(*d));
    used.insert(name);
  }
  for (const auto& t : file.tensors) {
    if (!used.count(t.name)) throw InputError(source, 0, "tensor '" + t.name + "'", "not a tensor of this model");
  }
}

void SaveModule(const torch::nn::Module& module, const std::filesystem::path& path,
                const std::map<std::string, std::string>& metadata) {
  io::WriteSafetensors(ModuleToSafetensors(module, metadata), path);
}

void LoadModule(torch::nn::Module& module, const std::filesystem::path& path) {
  LoadModuleFromSafetensors(module, io::ReadSafetensors(path), path.string());
}

}  // namespace ipt::nn
