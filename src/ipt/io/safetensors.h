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

namespace ipt {
class Sha256;
}

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
  // Product of the shape; throws ipt::Error when it overflows int64.
  int64_t NumElements() const;
};

// A tensor as a validated header declares it: its name, type, shape and place among
// the data bytes (offsets relative to the first byte after the header).
struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct SafetensorsFile {
  std::vector<TensorData> tensors;            // in byte-offset order
  std::map<std::string, std::string> metadata;  // "__metadata__"
  const TensorData* Find(const std::string& name) const;
};

// Longest JSON header accepted (the reference implementation's limit).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

std::string SerializeSafetensors(const SafetensorsFile& file);
// Validates everything before using any size read from the file: the header
// length (<= kMaxSafetensorsHeaderBytes and within the file), the header JSON
// (an object; no duplicate or unknown keys), each tensor's dtype, shape
// (non-negative int64 dimensions; element count and byte size computed without
// overflow) and data_offsets (within the data, end - begin == the byte size), and
// that the tensors tile the data exactly (no gap, overlap or trailing bytes).
// Throws InputError naming `source` and the offending field.
SafetensorsFile ParseSafetensors(std::string_view bytes, const std::string& source);
// The same checks without copying the tensor bytes (for files only verified).
void CheckSafetensors(std::string_view bytes, const std::string& source);

// Writes the file atomically, tensor by tensor (never the whole file as one copy in
// memory); returns its size in bytes, and adds every byte written to `hash` when given.
uint64_t WriteSafetensors(const SafetensorsFile& file, const std::filesystem::path& path, Sha256* hash = nullptr);
// Reads a regular file of at most limits::kMaxTensorFileBytes and parses it.
SafetensorsFile ReadSafetensors(const std::filesystem::path& path);

// A safetensors file read range by range, never whole: for files too big to hold (a
// 90-minute frame layer is 2.6 GB). Opening it reads and validates the header with
// every check of ParseSafetensors, against the file's size; tensor bytes are read on
// request (pread: several threads may read at once). InputError names the file.
class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::filesystem::path& path);
  ~SafetensorsReader();
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in byte-offset order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo* Find(const std::string& name) const;
  // Copies bytes [offset, offset + size) of `tensor` (one of tensors()) into `dst`.
  // Throws ipt::Error for a range outside the tensor, InputError when the file ends early.
  void Read(const TensorInfo& tensor, uint64_t offset, uint64_t size, void* dst) const;

 private:
  void ReadAt(uint64_t offset, uint64_t size, void* dst, const std::string& what) const;
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
  uint64_t data_offset_ = 0;
};
// The bytes of a weights/tensor file: a regular file of at most
// limits::kMaxTensorFileBytes (not a directory, FIFO or device); InputError otherwise.
std::string ReadTensorFileBytes(const std::filesystem::path& path);

}  // namespace ipt::io
