// The safetensors file format (Hugging Face), read and written here without any
// ML framework so that torch-free modules (store, registry) can use it:
//
//   [8 bytes: N, little-endian u64][N bytes: JSON header][raw tensor bytes]
//   header = {"__metadata__": {"k": "v", ...},            (optional, strings only)
//             "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//
// Offsets are relative to the first byte after the header; tensors are row-major,
// little-endian, and together cover the byte buffer exactly (no gaps, no overlap).
// The writer pads the header with spaces to a multiple of 8 bytes, as the reference
// implementation does, so Python's `safetensors` and numpy read IPT files unchanged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipt::io {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };
const char* DTypeName(DType dtype);  // "F32", "I64", "BOOL", ...
std::optional<DType> ParseDType(const std::string& name);
size_t DTypeSize(DType dtype);       // bytes per element

struct TensorData {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::string bytes;  // row-major, little-endian
  int64_t NumElements() const;
};

struct SafetensorsFile {
  std::vector<TensorData> tensors;            // in byte-offset order
  std::map<std::string, std::string> metadata;  // "__metadata__"
  const TensorData* Find(const std::string& name) const;
};

std::string SerializeSafetensors(const SafetensorsFile& file);
// Validates everything; throws InputError naming `source` and the offending field.
SafetensorsFile ParseSafetensors(std::string_view bytes, const std::string& source);

void WriteSafetensors(const SafetensorsFile& file, const std::filesystem::path& path);  // atomic
SafetensorsFile ReadSafetensors(const std::filesystem::path& path);

}  // namespace ipt::io
