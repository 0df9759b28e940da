#include "ipt/io/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"

namespace ipt::io {
namespace {
namespace fs = std::filesystem;

TensorData Floats(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
  TensorData t;
  t.name = name;
  t.dtype = DType::kF32;
  t.shape = std::move(shape);
  t.bytes.resize(values.size() * 4);
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());  // x86-64 is little-endian
  return t;
}

SafetensorsFile Sample() {
  SafetensorsFile f;
  f.tensors.push_back(Floats("backbone.conv1.weight", {2, 3}, {1, 2, 3, 4, 5, 6}));
  TensorData ids;
  ids.name = "head.ids";
  ids.dtype = DType::kI64;
  ids.shape = {2};
  int64_t v[2] = {-7, 1LL << 40};
  ids.bytes.assign(reinterpret_cast<const char*>(v), 16);
  f.tensors.push_back(ids);
  TensorData empty;
  empty.name = "empty";
  empty.dtype = DType::kU8;
  empty.shape = {0, 4};
  f.tensors.push_back(empty);
  f.metadata = {{"format", "pt"}, {"ipt.model", "crop_encoder"}};
  return f;
}

TEST(Safetensors, RoundTrip) {
  std::string bytes = SerializeSafetensors(Sample());
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);  // padded header
  SafetensorsFile back = ParseSafetensors(bytes, "mem");
  ASSERT_EQ(back.tensors.size(), 3u);
  EXPECT_EQ(back.metadata.at("ipt.model"), "crop_encoder");
  const TensorData* w = back.Find("backbone.conv1.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  float values[6];
  std::memcpy(values, w->bytes.data(), 24);
  EXPECT_EQ(values[5], 6.0f);
  EXPECT_EQ(back.Find("head.ids")->bytes, Sample().tensors[1].bytes);
  EXPECT_EQ(back.Find("empty")->NumElements(), 0);
}

// The streamed writer writes SerializeSafetensors' bytes, and the reader that never holds
// the file gives every tensor's bytes as ParseSafetensors does, in any range.
TEST(Safetensors, StreamedWriterAndRangeReaderAgreeWithTheWholeFileFunctions) {
  const fs::path dir = fs::temp_directory_path() / ("ipt_safetensors_reader_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  SafetensorsFile file = Sample();
  std::vector<float> many(1000);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<float>(i) * 0.5f;
  file.tensors.push_back(Floats("many", {250, 4}, many));
  Sha256 hash;
  const uint64_t size = WriteSafetensors(file, dir / "w.safetensors", &hash);
  const std::string bytes = SerializeSafetensors(file);
  EXPECT_EQ(ReadFile(dir / "w.safetensors"), bytes);
  EXPECT_EQ(size, bytes.size());
  EXPECT_EQ(hash.Hex(), Sha256Hex(bytes));

  const SafetensorsFile whole = ParseSafetensors(bytes, "mem");
  const SafetensorsReader reader(dir / "w.safetensors");
  EXPECT_EQ(reader.metadata(), whole.metadata);
  ASSERT_EQ(reader.tensors().size(), whole.tensors.size());
  for (const TensorData& t : whole.tensors) {
    const TensorInfo* info = reader.Find(t.name);
    ASSERT_NE(info, nullptr) << t.name;
    EXPECT_EQ(info->dtype, t.dtype);
    EXPECT_EQ(info->shape, t.shape);
    std::string read(t.bytes.size(), '\0');
    reader.Read(*info, 0, read.size(), read.data());
    EXPECT_EQ(read, t.bytes) << t.name;
  }
  const TensorInfo& info = *reader.Find("many");
  float rows[8];  // rows 10 and 11 of [250, 4]
  reader.Read(info, 10 * 4 * sizeof(float), sizeof(rows), rows);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(rows[k], many[40 + k]);
  EXPECT_THROW(reader.Read(info, 4000 - 4, 8, rows), Error);  // past the tensor's end
  EXPECT_EQ(reader.Find("absent"), nullptr);

  // Bad files: the reader's errors are the parser's, naming the file.
  auto error_of = [&](const std::string& content) {
    std::ofstream(dir / "bad.safetensors", std::ios::binary | std::ios::trunc) << content;
    try {
      SafetensorsReader r(dir / "bad.safetensors");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(bytes.substr(0, 5)).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(bytes.substr(0, bytes.size() - 3)).find("truncated file"), std::string::npos);
  EXPECT_NE(error_of(bytes.substr(0, bytes.size() - 3)).find("bad.safetensors"), std::string::npos);
  std::string huge = bytes;
  huge[7] = '\x7f';
  EXPECT_NE(error_of(huge).find("implausible"), std::string::npos);
  EXPECT_THROW(SafetensorsReader(dir / "absent.safetensors"), InputError);
  // A file cut short after it was opened: the read says so.
  {
    const SafetensorsReader opened(dir / "w.safetensors");
    fs::resize_file(dir / "w.safetensors", bytes.size() - 100);
    std::vector<float> all(1000);
    std::string error = "no error";
    try {
      opened.Read(*opened.Find("many"), 0, 4000, all.data());
    } catch (const InputError& e) {
      error = e.what();
    }
    EXPECT_NE(error.find("ended early"), std::string::npos) << error;
    EXPECT_NE(error.find("w.safetensors"), std::string::npos) << error;
  }
  fs::remove_all(dir);
}

// An independent reader: Python's standard library (struct + json) reading the
// layout the way the safetensors / numpy users do.
TEST(Safetensors, ReadableByAnIndependentPythonReader) {
  if (std::system("python3 -c 'import json, struct' > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  fs::path dir = fs::temp_directory_path() / ("ipt_st_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  WriteSafetensors(Sample(), dir / "w.safetensors");
  std::ofstream(dir / "read.py") << R"(import json, struct, sys
data = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', data[:8])[0]
header = json.loads(data[8:8 + n])
buf = data[8 + n:]
b, e = header['backbone.conv1.weight']['data_offsets']
vals = struct.unpack('<6f', buf[b:e])
ids = struct.unpack('<2q', buf[slice(*header['head.ids']['data_offsets'])])
assert header['__metadata__']['format'] == 'pt'
assert vals == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0), vals
assert ids == (-7, 1 << 40), ids
assert header['backbone.conv1.weight']['shape'] == [2, 3]
)";
  std::string cmd = "python3 " + (dir / "read.py").string() + " " + (dir / "w.safetensors").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

std::string ErrorOf(const std::string& bytes) {
  try {
    ParseSafetensors(bytes, "w.safetensors");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string WithHeader(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json + data;
}

TEST(Safetensors, CorruptFilesGiveClearErrors) {
  const std::string good = SerializeSafetensors(Sample());
  EXPECT_NE(ErrorOf(good.substr(0, 5)).find("truncated"), std::string::npos);
  EXPECT_NE(ErrorOf(good.substr(0, good.size() - 3)).find("truncated file"), std::string::npos);
  std::string huge = good;
  huge[7] = '\x7f';  // header size ~9e18
  EXPECT_NE(ErrorOf(huge).find("implausible"), std::string::npos);
  std::string longer = good;
  longer[0] = static_cast<char>(static_cast<unsigned char>(longer[0]) + 64);
  EXPECT_NE(ErrorOf(longer).find("w.safetensors"), std::string::npos);
  EXPECT_NE(ErrorOf(WithHeader("[1,2]   ", "")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf(WithHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", std::string(8, 'x'))).find("no error"),
            std::string::npos);
  // Wrong dtype: 8 bytes cannot be 2 x F64.
  EXPECT_NE(ErrorOf(WithHeader("{\"a\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 8]}}", std::string(8, 'x'))).find("wrong dtype or shape"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithHeader("{\"a\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}", std::string(8, 'x'))).find("field 'tensor 'a'.dtype'"),
            std::string::npos);
  // Overlap / gap / trailing bytes.
  EXPECT_NE(ErrorOf(WithHeader("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [2, 6]}}", std::string(6, 'x'))).find("gap or overlap"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithHeader("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", std::string(6, 'x'))).find("trailing bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithHeader("{\"__metadata__\": {\"k\": 3}}", "")).find("metadata values must be strings"), std::string::npos);
  EXPECT_THROW(ReadSafetensors("/nonexistent/w.safetensors"), InputError);
}


// Crafted headers: every size is checked before it is used, with overflow-safe
// arithmetic, and the errors name the file and the field.
TEST(Safetensors, CraftedHeadersAreRefused) {
  auto tensor = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
    return "{\"a\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": " + offsets + "}}";
  };
  struct Case {
    std::string bytes, expected;
  };
  const Case cases[] = {
      // 2^62 x 4 elements wrap to 0 in 64 bits: must not pass as an empty tensor.
      {WithHeader(tensor("F32", "[4611686018427387904, 4]", "[0, 0]"), ""), "field 'tensor 'a'.shape': overflow"},
      {WithHeader(tensor("U8", "[4611686018427387904, 4]", "[0, 0]"), ""), "field 'tensor 'a'.shape': overflow"},
      {WithHeader(tensor("F64", "[2305843009213693952]", "[0, 0]"), ""), "overflow"},  // 2^61 x 8 bytes
      // A dimension beyond int64.
      {WithHeader(tensor("U8", "[9223372036854775808]", "[0, 0]"), ""), "field 'tensor 'a'.shape'"},
      {WithHeader(tensor("U8", "[18446744073709551615]", "[0, 0]"), ""), "field 'tensor 'a'.shape'"},
      {WithHeader(tensor("U8", "[-1]", "[0, 0]"), ""), "field 'tensor 'a'.shape'"},
      {WithHeader(tensor("U8", "[1.5]", "[0, 0]"), ""), "field 'tensor 'a'.shape'"},
      // Offsets past the end of the file.
      {WithHeader(tensor("U8", "[4]", "[0, 4]"), "xx"), "field 'tensor 'a'.data_offsets': ends at 4 beyond"},
      {WithHeader(tensor("U8", "[1]", "[18446744073709551614, 18446744073709551615]"), "x"), "data_offsets"},
      {WithHeader(tensor("U8", "[4]", "[4, 0]"), "xxxx"), "end before begin"},
      // Overlapping and duplicate ranges.
      {WithHeader("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}, "
                  "\"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", "xxxx"), "gap or overlap"},
      {WithHeader("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}, "
                  "\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", "xxxx"),
       "field 'header.a': key given twice"},
      // Header length larger than the file, or than any plausible header.
      {std::string("\x40\x00\x00\x00\x00\x00\x00\x00{}", 10), "field 'header': header size 64 exceeds the file"},
      {std::string("\xff\xff\xff\xff\xff\xff\xff\xff{}", 10), "field 'header': header size"},
      // Not JSON, or not the expected types.
      {WithHeader("{\"a\": ", ""), "field 'header': malformed JSON"},
      {WithHeader(tensor("U8", "4", "[0, 4]"), "xxxx"), "field 'tensor 'a'.shape'"},
      {WithHeader(tensor("U8", "[4]", "[0]"), "xxxx"), "field 'tensor 'a'.data_offsets'"},
      {WithHeader("{\"a\": {\"dtype\": 4, \"shape\": [4], \"data_offsets\": [0, 4]}}", "xxxx"), "field 'tensor 'a'.dtype'"},
      {WithHeader("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4], \"extra\": 1}}", "xxxx"),
       "field 'tensor 'a'.extra': unknown key"},
      {WithHeader("{\"a\": 3}", ""), "field 'tensor 'a''"},
  };
  for (const auto& c : cases) {
    const std::string error = ErrorOf(c.bytes);
    EXPECT_EQ(error.rfind("w.safetensors: ", 0), 0u) << error;
    EXPECT_NE(error.find(c.expected), std::string::npos) << "expected '" << c.expected << "', got: " << error;
    EXPECT_EQ(error.find("json.exception"), std::string::npos) << error;
  }
  // Echoed names are capped and control characters escaped.
  const std::string long_name(5000, 'n');
  std::string error = ErrorOf(WithHeader("{\"" + long_name + "\\n\": {\"dtype\": \"Q4\", \"shape\": [1], \"data_offsets\": [0, 1]}}", "x"));
  EXPECT_LT(error.size(), 400u) << error;
  error = ErrorOf(WithHeader("{\"a\": {\"dtype\": \"" + long_name + "\", \"shape\": [1], \"data_offsets\": [0, 1]}}", "x"));
  EXPECT_LT(error.size(), 400u) << error;
  // NumElements of an overflowing shape is an error, not undefined behaviour.
  TensorData t;
  t.shape = {int64_t{1} << 62, 4};
  EXPECT_THROW(t.NumElements(), Error);
  EXPECT_THROW(SerializeSafetensors(SafetensorsFile{{t}, {}}), Error);
}

TEST(Safetensors, ReadRefusesNonRegularFiles) {
  const std::string dir_error = [] {
    try {
      ReadSafetensors(fs::temp_directory_path());
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }();
  EXPECT_NE(dir_error.find("directory"), std::string::npos) << dir_error;
  EXPECT_THROW(ReadSafetensors("/dev/zero"), InputError);
}

}  // namespace
}  // namespace ipt::io
