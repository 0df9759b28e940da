#include "ipt/io/safetensors.h"

#include "ipt/io/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::io {
namespace {

constexpr size_t kHeaderAlignment = 8;
// Nesting of a valid header: {tensor: {"shape": [dims]}}; deeper is refused before parsing on.
constexpr int kMaxHeaderDepth = 3;
constexpr const char* kTensorKeys[] = {"data_offsets", "dtype", "shape"};

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::kF64, "F64", 8}, {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2},
                                 {DType::kBF16, "BF16", 2}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
                                 {DType::kI16, "I16", 2},  {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
                                 {DType::kBool, "BOOL", 1}};

// Product of `shape`, or nullopt when a dimension is negative or the product
// does not fit in int64 (a zero dimension makes it 0 whatever the others are).
std::optional<uint64_t> ElementCount(const std::vector<int64_t>& shape) {
  uint64_t n = 1;
  bool zero = false;
  bool overflow = false;
  for (int64_t s : shape) {
    if (s < 0) return std::nullopt;
    zero |= s == 0;
    overflow |= __builtin_mul_overflow(n, static_cast<uint64_t>(s), &n);
  }
  if (zero) return 0;
  if (overflow || n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return n;
}

// A tensor's place in the data buffer, as the header declares it (validated).
struct Entry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct Layout {
  std::map<std::string, std::string> metadata;
  std::vector<Entry> entries;  // sorted by begin, tiling the buffer exactly
  std::string_view buffer;     // the bytes after the header
};

// Every check of ParseSafetensors; copies nothing.
Layout ParseLayout(std::string_view bytes, const std::string& source) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  if (bytes.size() < 8) fail("", fmt::format("truncated: {} bytes, a safetensors file starts with an 8-byte header size", bytes.size()));
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > kMaxSafetensorsHeaderBytes) {
    fail("header", fmt::format("header size {} is implausible (limit {})", n, kMaxSafetensorsHeaderBytes));
  }
  if (n > bytes.size() - 8) fail("header", fmt::format("header size {} exceeds the file ({} bytes): truncated or corrupt", n, bytes.size()));
  const std::string_view header_text = bytes.substr(8, n);
  if (header_text.empty() || header_text.front() != '{') fail("header", "header is not a JSON object");
  nlohmann::json header;
  try {
    header = ParseJson(header_text, source, {kMaxHeaderDepth});
  } catch (const InputError& e) {
    fail(e.field().empty() ? "header" : "header." + e.field(), e.detail());
  }
  if (!header.is_object()) fail("header", "header is not a JSON object");
  Layout layout;
  layout.buffer = bytes.substr(8 + n);
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail("__metadata__", "must be an object of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) fail("__metadata__." + Echo(k), "metadata values must be strings");
        layout.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string field = "tensor '" + Echo(name) + "'";
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets")) {
      fail(field, "needs dtype, shape and data_offsets");
    }
    for (const auto& [key, ignored] : value.items()) {
      if (std::find(std::begin(kTensorKeys), std::end(kTensorKeys), key) == std::end(kTensorKeys)) {
        fail(field + "." + Echo(key), "unknown key (known keys: data_offsets, dtype, shape)");
      }
    }
    Entry e;
    e.name = name;
    if (!value["dtype"].is_string()) fail(field + ".dtype", "must be a string");
    auto dtype = ParseDType(value["dtype"].get<std::string>());
    if (!dtype) fail(field + ".dtype", fmt::format("unsupported dtype '{}'", Echo(value["dtype"].get<std::string>())));
    e.dtype = *dtype;
    if (!value["shape"].is_array()) fail(field + ".shape", "must be a list of sizes");
    for (const auto& s : value["shape"]) {
      if (!s.is_number_unsigned() || s.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(field + ".shape", fmt::format("sizes must be integers in [0, 2^63), got {}", ShownJson(s)));
      }
      e.shape.push_back(s.get<int64_t>());
    }
    // Overflow-safe: element count, then bytes, each checked before use.
    const std::optional<uint64_t> elements = ElementCount(e.shape);
    uint64_t expected = 0;
    if (!elements || __builtin_mul_overflow(*elements, DTypeSize(e.dtype), &expected)) {
      fail(field + ".shape", fmt::format("overflow: shape {} of {} has more than 2^64 bytes", ShownJson(value["shape"]),
                                         DTypeName(e.dtype)));
    }
    const auto& off = value["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      fail(field + ".data_offsets", "must be [begin, end] (non-negative integers)");
    }
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.end < e.begin) fail(field + ".data_offsets", "end before begin");
    if (e.end > layout.buffer.size()) {
      fail(field + ".data_offsets",
           fmt::format("ends at {} beyond the {} data bytes: truncated file", e.end, layout.buffer.size()));
    }
    if (e.end - e.begin != expected) {
      fail(field, fmt::format("{} bytes for shape {} of {} ({} expected): wrong dtype or shape", e.end - e.begin,
                              ShownJson(value["shape"]), DTypeName(e.dtype), expected));
    }
    layout.entries.push_back(std::move(e));
  }
  // Stable: empty tensors sharing an offset keep the header's (sorted) order, so
  // that a write/read round trip gives the same file.
  std::stable_sort(layout.entries.begin(), layout.entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t cursor = 0;
  for (const auto& e : layout.entries) {
    if (e.begin != cursor) {
      fail("tensor '" + Echo(e.name) + "'.data_offsets",
           fmt::format("starts at {} but the previous tensor ends at {}: gap or overlap", e.begin, cursor));
    }
    cursor = e.end;
  }
  if (cursor != layout.buffer.size()) {
    fail("", fmt::format("{} trailing bytes after the last tensor", layout.buffer.size() - cursor));
  }
  return layout;
}

}  // namespace

const char* DTypeName(DType d) {
  for (const auto& info : kDTypes) {
    if (info.dtype == d) return info.name;
  }
  return "?";
}

std::optional<DType> ParseDType(const std::string& name) {
  for (const auto& info : kDTypes) {
    if (name == info.name) return info.dtype;
  }
  return std::nullopt;
}

size_t DTypeSize(DType d) {
  for (const auto& info : kDTypes) {
    if (info.dtype == d) return info.size;
  }
  return 0;
}

int64_t TensorData::NumElements() const {
  const std::optional<uint64_t> n = ElementCount(shape);
  IPT_CHECK(n.has_value(), "tensor '{}': the element count of its shape overflows", Echo(name));
  return static_cast<int64_t>(*n);
}

const TensorData* SafetensorsFile::Find(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string SerializeSafetensors(const SafetensorsFile& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& t : file.tensors) {
    IPT_CHECK(!t.name.empty() && t.name != "__metadata__", "invalid tensor name '{}'", t.name);
    IPT_CHECK(!header.contains(t.name), "tensor '{}' appears twice", t.name);
    for (int64_t s : t.shape) IPT_CHECK(s >= 0, "tensor '{}' has a negative dimension", t.name);
    uint64_t needed = 0;
    IPT_CHECK(!__builtin_mul_overflow(static_cast<uint64_t>(t.NumElements()), DTypeSize(t.dtype), &needed),
              "tensor '{}': shape too large", t.name);
    IPT_CHECK(t.bytes.size() == needed, "tensor '{}' holds {} bytes, {} x {} needs {}", t.name, t.bytes.size(),
              t.NumElements(), DTypeName(t.dtype), needed);
    header[t.name] = {{"dtype", DTypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string json = header.dump();
  json.append((kHeaderAlignment - json.size() % kHeaderAlignment) % kHeaderAlignment, ' ');
  std::string out;
  out.reserve(8 + json.size() + offset);
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += json;
  for (const auto& t : file.tensors) out += t.bytes;
  return out;
}

SafetensorsFile ParseSafetensors(std::string_view bytes, const std::string& source) {
  Layout layout = ParseLayout(bytes, source);
  SafetensorsFile file;
  file.metadata = std::move(layout.metadata);
  for (auto& e : layout.entries) {
    TensorData t;
    t.name = std::move(e.name);
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.bytes.assign(layout.buffer.substr(e.begin, e.end - e.begin));
    file.tensors.push_back(std::move(t));
  }
  return file;
}

void CheckSafetensors(std::string_view bytes, const std::string& source) { ParseLayout(bytes, source); }

void WriteSafetensors(const SafetensorsFile& file, const std::filesystem::path& path) {
  WriteFileAtomic(path, SerializeSafetensors(file));
}

std::string ReadTensorFileBytes(const std::filesystem::path& path) {
  const int64_t size = CheckRegularFile(path, limits::kMaxTensorFileBytes);
  std::ifstream f(path, std::ios::binary);
  if (!f.good()) throw InputError(path.string(), 0, "", "cannot open file");
  std::string bytes(static_cast<size_t>(size), '\0');
  f.read(bytes.data(), size);
  if (f.gcount() != size) throw InputError(path.string(), 0, "", "cannot read the whole file (changed while reading?)");
  return bytes;
}

SafetensorsFile ReadSafetensors(const std::filesystem::path& path) {
  return ParseSafetensors(ReadTensorFileBytes(path), path.string());
}

}  // namespace ipt::io
