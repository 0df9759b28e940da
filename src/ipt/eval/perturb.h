// A controlled imitation of a pipeline's output: ground truth with position
// noise, misses, false positives, identity switches and label errors. It gives
// the evaluator known inputs (tests, benchmarks) and users a baseline to read a
// PTFE report against; it is not a tracker.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/annotations.h"

namespace ipt::eval {

struct PerturbOptions {
  // Bounds: a baseline's errors stay within what a tracker could make, and the
  // written tracks.csv stays readable (coordinates within limits::kMaxAbsCoordinateM).
  static constexpr double kMaxPositionNoiseM = 100.0;
  static constexpr double kMaxSwitchesPerMinute = 600.0;  // ten per second

  double position_noise_m = 0.3;        // Gaussian sigma per axis
  double miss_rate = 0.05;              // fraction of ground-truth detections dropped
  double false_positive_rate = 0.02;    // false detections per ground-truth detection
  double id_switches_per_minute = 1.0;  // per person: the track id changes
  double category_error_rate = 0.05;    // per track: a wrong category
  double jersey_unknown_rate = 0.2;     // per track: no jersey given
  double jersey_error_rate = 0.1;       // per track: a wrong jersey
  double fps = 25.0;
  void Check() const;
};

std::vector<PipelineRow> PerturbGroundTruth(const std::vector<io::Annotation>& ground_truth,
                                            const PerturbOptions& options, uint64_t seed);

// `ipt eval perturb`: a perturbed copy of a match's ground truth as a run's output.
struct PerturbedBaselineOptions {
  std::filesystem::path match_dir;   // the ground truth (required)
  std::filesystem::path output_dir;  // gets tracks.csv (required; see output_dir.h)
  uint64_t seed = 1;                 // random seed of the perturbation
  PerturbOptions perturb;            // its fps is taken from the match
  void Check() const;
};
// Refuses an output directory that is (or holds) the match's ground truth, or that
// ipt did not write, before any work; then writes OUTPUT_DIR/tracks.csv and the
// output marker. Returns the number of rows written.
int64_t WritePerturbedBaseline(const PerturbedBaselineOptions& options);

}  // namespace ipt::eval
