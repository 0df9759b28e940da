// A whole synthetic match: people, motion, ground truth and the two camera
// videos, written as a match directory (io/match.h) atomically.
#pragma once

#include <filesystem>
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

// Frames of a match of `seconds` at `fps` (at least 1). Throws ipt::Error for a
// length outside (0, limits::kMaxMatchSeconds] or more than limits::kMaxFrames frames.
int MatchFrameCount(double seconds, double fps);

// Everything but the pixels: deterministic for (config, seed, seconds).
SyntheticMatch SimulateMatch(const SimConfig& config, uint64_t seed, double seconds);

// Ground-truth rows for one frame: in_view from the cameras, occlusion from the
// people's boxes in the panorama (fraction hidden by people nearer to the rig).
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

}  // namespace ipt::sim
