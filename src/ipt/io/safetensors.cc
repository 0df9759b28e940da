#include "ipt/io/safetensors.h"

#include "ipt/io/json.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"
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

using Entry = TensorInfo;  // offsets relative to the data (the bytes after the header)

struct Layout {
  std::map<std::string, std::string> metadata;
  std::vector<Entry> entries;  // sorted by begin, tiling the data exactly
  uint64_t data_offset = 0;    // where the data starts in the file: 8 + header size
  uint64_t data_size = 0;
};

// The header size the first 8 bytes of `head` give, checked against the file's size.
uint64_t HeaderSize(std::string_view head, uint64_t file_size, const std::string& source) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  if (file_size < 8 || head.size() < 8) {
    fail("", fmt::format("truncated: {} bytes, a safetensors file starts with an 8-byte header size", file_size));
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(head[i])) << (8 * i);
  if (n > kMaxSafetensorsHeaderBytes) {
    fail("header", fmt::format("header size {} is implausible (limit {})", n, kMaxSafetensorsHeaderBytes));
  }
  if (n > file_size - 8) fail("header", fmt::format("header size {} exceeds the file ({} bytes): truncated or corrupt", n, file_size));
  return n;
}

// Every check of ParseSafetensors; copies nothing. `head` holds at least the file's first
// 8 + header size bytes; `file_size` is the whole file's.
Layout ParseLayout(std::string_view head, uint64_t file_size, const std::string& source) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  const uint64_t n = HeaderSize(head, file_size, source);
  IPT_ASSERT(head.size() >= 8 + n);
  const std::string_view header_text = head.substr(8, n);
  if (header_text.empty() || header_text.front() != '{') fail("header", "header is not a JSON object");
  nlohmann::json header;
  try {
    header = ParseJson(header_text, source, {kMaxHeaderDepth});
  } catch (const InputError& e) {
    fail(e.field().empty() ? "header" : "header." + e.field(), e.detail());
  }
  if (!header.is_object()) fail("header", "header is not a JSON object");
  Layout layout;
  layout.data_offset = 8 + n;
  layout.data_size = file_size - layout.data_offset;
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
    if (e.end > layout.data_size) {
      fail(field + ".data_offsets",
           fmt::format("ends at {} beyond the {} data bytes: truncated file", e.end, layout.data_size));
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
  if (cursor != layout.data_size) {
    fail("", fmt::format("{} trailing bytes after the last tensor", layout.data_size - cursor));
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

namespace {

// The 8-byte header size and the header (padded to kHeaderAlignment), checking every tensor.
std::string SerializeHeader(const SafetensorsFile& file, uint64_t* data_bytes) {
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
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += json;
  *data_bytes = offset;
  return out;
}

}  // namespace

std::string SerializeSafetensors(const SafetensorsFile& file) {
  uint64_t data_bytes = 0;
  std::string out = SerializeHeader(file, &data_bytes);
  out.reserve(out.size() + data_bytes);
  for (const auto& t : file.tensors) out += t.bytes;
  return out;
}

SafetensorsFile ParseSafetensors(std::string_view bytes, const std::string& source) {
  Layout layout = ParseLayout(bytes, bytes.size(), source);
  const std::string_view data = bytes.substr(layout.data_offset);
  SafetensorsFile file;
  file.metadata = std::move(layout.metadata);
  for (auto& e : layout.entries) {
    TensorData t;
    t.name = std::move(e.name);
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.bytes.assign(data.substr(e.begin, e.end - e.begin));
    file.tensors.push_back(std::move(t));
  }
  return file;
}

void CheckSafetensors(std::string_view bytes, const std::string& source) { ParseLayout(bytes, bytes.size(), source); }

uint64_t WriteSafetensors(const SafetensorsFile& file, const std::filesystem::path& path, Sha256* hash) {
  uint64_t data_bytes = 0;
  const std::string header = SerializeHeader(file, &data_bytes);
  AtomicPath out(path);
  {
    std::ofstream f(out.temp(), std::ios::binary | std::ios::trunc);
    if (!f.good()) throw Error(fmt::format("cannot write {}", out.temp().string()));
    auto put = [&](std::string_view bytes) {
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (hash) hash->Update(bytes);
    };
    put(header);
    for (const auto& t : file.tensors) put(t.bytes);  // one piece at a time: no whole copy of the file
    f.close();
    if (!f.good()) throw Error(fmt::format("cannot write {} (disk full?)", out.temp().string()));
  }
  out.Commit();
  return header.size() + data_bytes;
}

SafetensorsReader::SafetensorsReader(const std::filesystem::path& path) : path_(path) {
  const std::string source = path.string();
  const int64_t size = CheckRegularFile(path, limits::kMaxTensorFileBytes);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw InputError(source, 0, "", fmt::format("cannot open file: {}", std::strerror(errno)));
  try {
    struct stat st {};
    // The size of the file opened (CheckRegularFile looked at the path before).
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != size) {
      throw InputError(source, 0, "", "changed while opening it");
    }
    std::string head(8, '\0');
    ReadAt(0, head.size(), head.data(), "header size");
    const uint64_t n = HeaderSize(head, static_cast<uint64_t>(size), source);
    head.resize(8 + n);
    ReadAt(8, n, head.data() + 8, "header");
    Layout layout = ParseLayout(head, static_cast<uint64_t>(size), source);
    metadata_ = std::move(layout.metadata);
    tensors_ = std::move(layout.entries);
    data_offset_ = layout.data_offset;
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

SafetensorsReader::~SafetensorsReader() { ::close(fd_); }

const TensorInfo* SafetensorsReader::Find(const std::string& name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void SafetensorsReader::ReadAt(uint64_t offset, uint64_t size, void* dst, const std::string& what) const {
  char* out = static_cast<char*>(dst);
  while (size > 0) {
    const ssize_t got = ::pread(fd_, out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      throw InputError(path_.string(), 0, what,
                       got < 0 ? fmt::format("read failed: {}", std::strerror(errno))
                               : "the file ended early (truncated while reading?)");
    }
    out += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<uint64_t>(got);
  }
}

void SafetensorsReader::Read(const TensorInfo& tensor, uint64_t offset, uint64_t size, void* dst) const {
  IPT_CHECK(offset <= tensor.end - tensor.begin && size <= tensor.end - tensor.begin - offset,
            "tensor '{}': bytes [{}, {}) outside its {} bytes", Echo(tensor.name), offset, offset + size,
            tensor.end - tensor.begin);
  ReadAt(data_offset_ + tensor.begin + offset, size, dst, "tensor '" + Echo(tensor.name) + "'");
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
