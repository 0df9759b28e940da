// LibTorch tensors and modules <-> safetensors files (io/safetensors.h).
//
// Modules are saved by their registered names (register_module / register_parameter
// names are the checkpoint keys, e.g. "backbone.conv1.weight"), parameters and
// buffers alike, so Python's safetensors.torch.load_file gives the same dictionary.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

#include "ipt/io/safetensors.h"
#include "ipt/nn/threads.h"  // SetTorchThreads

namespace ipt::nn {

io::TensorData ToTensorData(const std::string& name, const torch::Tensor& tensor);
torch::Tensor FromTensorData(const io::TensorData& data);

// All parameters and buffers of `module` (recursively), by name.
io::SafetensorsFile ModuleToSafetensors(const torch::nn::Module& module,
                                        const std::map<std::string, std::string>& metadata = {});
// Copies tensors into `module`'s parameters and buffers. Every module tensor must be
// present with the same shape and dtype, and the file may hold nothing else;
// otherwise InputError names `source` and the tensor.
void LoadModuleFromSafetensors(torch::nn::Module& module, const io::SafetensorsFile& file,
                               const std::string& source);

void SaveModule(const torch::nn::Module& module, const std::filesystem::path& path,
                const std::map<std::string, std::string>& metadata = {});
void LoadModule(torch::nn::Module& module, const std::filesystem::path& path);

}  // namespace ipt::nn
