// A whole synthetic match: people, motion, ground truth and the two camera
// videos, written as a match directory (io/match.h) atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ipt/io/annotations.h"
#include "ipt/io/match.h"
#include "ipt/sim/config.h"
#include "ipt/sim/motion.h"
#include "ipt/sim/people.h"
#include "ipt/util/progress.h"

namespace ipt::sim {

struct SyntheticMatch {
  io::MatchInfo info;                    // what match.yaml will hold
  People people;
  std::vector<FrameState> frames;        // frame k (1-based) is frames[k - 1]
  std::vector<io::Annotation> annotations;
};

// The substitutions of `people` that happened within `frames`, in match.yaml's
// terms (frame 1-based: the substitute's first frame), in frame order.
std::vector<io::Substitution> SubstitutionsMade(const People& people, const std::vector<FrameState>& frames);

// Frames of a match of `seconds` at `fps` (at least 1). Throws ipt::Error for a
// length outside (0, limits::kMaxMatchSeconds] or more than limits::kMaxFrames frames.
int MatchFrameCount(double seconds, double fps);

// Everything but the pixels: deterministic for (config, seed, seconds).
SyntheticMatch SimulateMatch(const SimConfig& config, uint64_t seed, double seconds);

// Ground-truth rows for one frame: in_view from the cameras, occlusion from the
// people's boxes in the panorama (fraction hidden by people nearer to the rig),
// jersey-number labels (side, size, legibility) from the camera that
// geometry::MakeCropView picks for the foot-point (jersey_number.h).
std::vector<io::Annotation> AnnotateFrame(const FrameState& state, const std::vector<SimPerson>& people,
                                          int frame, const geometry::Rig& rig,
                                          const geometry::Panorama& panorama);

struct WriteOptions {
  bool overwrite = false;   // replace an existing directory at `out`, only one ipt wrote
  int threads = 2;          // cameras rendered in parallel (1 or 2)
  void Check() const;
};

// Simulates and renders a match into directory `out` (temporary + rename); the
// directory holds ipt's output marker (util/paths.h). An existing `out` is
// replaced only with `overwrite` and only when it holds the marker. Config, length
// and `out` are checked before any work. Returns the simulated match. Progress
// counts rendered camera frames.
SyntheticMatch WriteSyntheticMatch(const SimConfig& config, uint64_t seed, double seconds,
                                   const std::filesystem::path& out, const WriteOptions& options,
                                   const ProgressFn& progress = nullptr);

// Datasets: many matches, one per seed, written as DIR/seed-N (`ipt sim --seeds`).
// The seed decides what a match may be used for (README.md, "Datasets"): training
// 1000-4999, validation 5000-5999, every other seed held out for evaluation; the
// demo's seed 7 is among the held out.
enum class SeedSplit { kTrain, kValidate, kHeldOut };
constexpr uint64_t kFirstTrainSeed = 1000, kLastTrainSeed = 4999;
constexpr uint64_t kFirstValidationSeed = 5000, kLastValidationSeed = 5999;
constexpr uint64_t kDemoSeed = 7;
SeedSplit SplitOfSeed(uint64_t seed);
const char* SeedSplitName(SeedSplit split);  // "train", "validate", "held-out"

// At most this many seeds in one command (the whole training range).
constexpr size_t kMaxDatasetSeeds = 10000;
// "A-B" (A <= B, both included), "A,B,C" or "A": decimal seeds, no duplicates, at
// most kMaxDatasetSeeds. Throws ipt::Error naming what is wrong.
std::vector<uint64_t> ParseSeedList(const std::string& text);
// DIR/seed-N.
std::filesystem::path DatasetMatchDir(const std::filesystem::path& dir, uint64_t seed);

}  // namespace ipt::sim
