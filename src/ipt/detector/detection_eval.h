// Scoring foot-point detections against ground truth on the pitch (torch-free):
// per frame, the one-to-one matching within radius_m that maximises the number
// of matches, then closeness (as PTFE's detection part), with recall also for
// the hard cases: people within hard_neighbour_m of another person or at least
// hard_occluded hidden.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "ipt/io/annotations.h"

namespace ipt::detector {

struct DetectionEvalOptions {
  double radius_m = 1.0;           // a detection matches a person within this distance
  double hard_neighbour_m = 1.0;   // "crowded": another person this close
  double hard_occluded = 0.5;      // "occluded": this fraction hidden or more
  void Check() const;
};

struct GroundTruthFoot {
  Eigen::Vector2d foot_in_pitch_m;
  bool hard = false;  // crowded or occluded
};

// The people of one frame's annotations that the detector should find (in view),
// each marked hard or not.
std::vector<GroundTruthFoot> DetectableFeet(const std::vector<io::Annotation>& frame_rows,
                                            const DetectionEvalOptions& options);

struct DetectionScores {
  int64_t tp = 0, fp = 0, fn = 0;
  int64_t hard_total = 0, hard_found = 0;
  std::vector<double> errors_m;
  double precision = 0, recall = 0, f1 = 0, recall_hard = 0, median_error_m = 0;
  void Add(const std::vector<GroundTruthFoot>& truth, const std::vector<Eigen::Vector2d>& detections,
           const DetectionEvalOptions& options);
  void Finalize();
};

}  // namespace ipt::detector
