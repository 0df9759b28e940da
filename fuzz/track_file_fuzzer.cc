// Fuzzes the tracking files of `ipt eval tracks`: eval::ReadTrackFile in both
// spaces, as ground truth (the MOTChallenge "consider" flag) and as prediction.
#include "fuzz_util.h"
#include "ipt/eval/track_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("tracks.txt", ipt::fuzz::AsText(data, size));
  for (ipt::eval::Space space : {ipt::eval::Space::kImage, ipt::eval::Space::kPitch}) {
    for (bool is_ground_truth : {true, false}) {
      ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::eval::ReadTrackFile(path, space, is_ground_truth); });
    }
  }
  return 0;
}
