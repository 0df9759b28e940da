// Fuzzes match.yaml: io::ReadMatchYaml (see io/match.h, docs/formats.md).
#include "fuzz_util.h"
#include "ipt/io/match.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("match/match.yaml", ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::io::ReadMatchYaml(path); });
  return 0;
}
