// Fuzzes the pipeline output OUT_DIR/tracks.csv: eval::ReadTracksCsv, unbounded
// and with a frame count.
#include "fuzz_util.h"
#include "ipt/eval/pipeline_output.h"

namespace {
// A small match, so that the frame-range checks are reached too.
constexpr int kFrameCount = 50;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("out/tracks.csv", ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::eval::ReadTracksCsv(path); });
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::eval::ReadTracksCsv(path, kFrameCount); });
  return 0;
}
