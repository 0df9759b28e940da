// Fuzzes SoccerNet GSR JSON: the same bytes as ground truth (Labels-GameState.json)
// and as predictions.
#include "fuzz_util.h"
#include "ipt/eval/soccernet_gsr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("gsr.json", ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::eval::ReadGsrGroundTruth(path); });
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::eval::ReadGsrPredictions(path); });
  return 0;
}
