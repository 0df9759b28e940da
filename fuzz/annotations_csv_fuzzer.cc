// Fuzzes annotations.csv: io::ReadAnnotationsCsv, unbounded and with a frame count.
#include "fuzz_util.h"
#include "ipt/io/annotations.h"

namespace {
// A small match, so that the frame-range checks are reached too.
constexpr int kFrameCount = 50;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("match/annotations.csv", ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::io::ReadAnnotationsCsv(path); });
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::io::ReadAnnotationsCsv(path, kFrameCount); });
  return 0;
}
