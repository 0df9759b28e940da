// Fuzzes safetensors: io::ParseSafetensors. What it accepts must also survive a
// write/read round trip unchanged (the writer and the reader agree on the format).
#include "fuzz_util.h"
#include "ipt/io/safetensors.h"

namespace {

bool SameFile(const ipt::io::SafetensorsFile& a, const ipt::io::SafetensorsFile& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& x = a.tensors[i];
    const auto& y = b.tensors[i];
    if (x.name != y.name || x.dtype != y.dtype || x.shape != y.shape || x.bytes != y.bytes) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ipt::fuzz::ExpectOnlyIptErrors([&] {
    const ipt::io::SafetensorsFile file = ipt::io::ParseSafetensors(ipt::fuzz::AsText(data, size), "fuzz.safetensors");
    const std::string written = ipt::io::SerializeSafetensors(file);
    if (!SameFile(file, ipt::io::ParseSafetensors(written, "roundtrip.safetensors"))) {
      std::fprintf(stderr, "fuzz: safetensors round trip changed the file\n");
      std::abort();
    }
  });
  return 0;
}
