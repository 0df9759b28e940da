#include "ipt/io/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::io {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr size_t kHeaderAlignment = 8;

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::kF64, "F64", 8}, {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2},
                                 {DType::kBF16, "BF16", 2}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
                                 {DType::kI16, "I16", 2},  {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
                                 {DType::kBool, "BOOL", 1}};

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
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
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
    IPT_CHECK(t.bytes.size() == static_cast<uint64_t>(t.NumElements()) * DTypeSize(t.dtype),
              "tensor '{}' holds {} bytes, {} x {} needs {}", t.name, t.bytes.size(), t.NumElements(),
              DTypeName(t.dtype), t.NumElements() * DTypeSize(t.dtype));
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
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  if (bytes.size() < 8) fail("", fmt::format("truncated: {} bytes, a safetensors file starts with an 8-byte header size", bytes.size()));
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > kMaxHeaderBytes) fail("header", fmt::format("header size {} is implausible (limit {})", n, kMaxHeaderBytes));
  if (8 + n > bytes.size()) fail("header", fmt::format("header size {} exceeds the file ({} bytes): truncated or corrupt", n, bytes.size()));
  std::string_view header_text = bytes.substr(8, n);
  if (header_text.empty() || header_text.front() != '{') fail("header", "header is not a JSON object");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::parse_error& e) {
    fail("header", std::string("malformed JSON: ") + e.what());
  }
  if (!header.is_object()) fail("header", "header is not a JSON object");
  const std::string_view buffer = bytes.substr(8 + n);
  SafetensorsFile file;
  struct Entry {
    uint64_t begin, end;
    TensorData tensor;
  };
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail("__metadata__", "must be an object of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) fail("__metadata__." + k, "metadata values must be strings");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string field = "tensor '" + name + "'";
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets")) {
      fail(field, "needs dtype, shape and data_offsets");
    }
    Entry e;
    e.tensor.name = name;
    if (!value["dtype"].is_string()) fail(field + ".dtype", "must be a string");
    auto dtype = ParseDType(value["dtype"].get<std::string>());
    if (!dtype) fail(field + ".dtype", fmt::format("unsupported dtype {}", value["dtype"].dump()));
    e.tensor.dtype = *dtype;
    if (!value["shape"].is_array()) fail(field + ".shape", "must be a list of sizes");
    for (const auto& s : value["shape"]) {
      if (!s.is_number_unsigned()) fail(field + ".shape", "sizes must be non-negative integers");
      e.tensor.shape.push_back(s.get<int64_t>());
    }
    const auto& off = value["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      fail(field + ".data_offsets", "must be [begin, end]");
    }
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.end < e.begin) fail(field + ".data_offsets", "end before begin");
    const uint64_t expected = static_cast<uint64_t>(e.tensor.NumElements()) * DTypeSize(e.tensor.dtype);
    if (e.end - e.begin != expected) {
      fail(field, fmt::format("{} bytes for shape {} of {} ({} expected): wrong dtype or shape", e.end - e.begin,
                              value["shape"].dump(), DTypeName(e.tensor.dtype), expected));
    }
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t cursor = 0;
  for (auto& e : entries) {
    if (e.begin != cursor) {
      fail("tensor '" + e.tensor.name + "'.data_offsets",
           fmt::format("starts at {} but the previous tensor ends at {}: gap or overlap", e.begin, cursor));
    }
    if (e.end > buffer.size()) {
      fail("tensor '" + e.tensor.name + "'.data_offsets",
           fmt::format("ends at {} beyond the {} data bytes: truncated file", e.end, buffer.size()));
    }
    e.tensor.bytes.assign(buffer.substr(e.begin, e.end - e.begin));
    cursor = e.end;
    file.tensors.push_back(std::move(e.tensor));
  }
  if (cursor != buffer.size()) fail("", fmt::format("{} trailing bytes after the last tensor", buffer.size() - cursor));
  return file;
}

void WriteSafetensors(const SafetensorsFile& file, const std::filesystem::path& path) {
  WriteFileAtomic(path, SerializeSafetensors(file));
}

SafetensorsFile ReadSafetensors(const std::filesystem::path& path) {
  std::string bytes = ReadFile(path);
  return ParseSafetensors(bytes, path.string());
}

}  // namespace ipt::io
