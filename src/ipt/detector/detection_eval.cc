#include "ipt/detector/detection_eval.h"

#include <algorithm>
#include <cmath>

#include "ipt/eval/assignment.h"
#include "ipt/util/check.h"

namespace ipt::detector {

namespace {
// Any match beats any non-match in the assignment's objective; closeness breaks ties.
constexpr double kMatchBonus = 1e3;
}  // namespace

void DetectionEvalOptions::Check() const {
  IPT_CHECK(radius_m > 0 && std::isfinite(radius_m), "radius_m must be > 0");
  IPT_CHECK(hard_neighbour_m >= 0 && std::isfinite(hard_neighbour_m), "hard_neighbour_m must be >= 0");
  IPT_CHECK(hard_occluded >= 0 && hard_occluded <= 1, "hard_occluded must be in [0, 1]");
}

std::vector<GroundTruthFoot> DetectableFeet(const std::vector<io::Annotation>& rows,
                                            const DetectionEvalOptions& options) {
  std::vector<GroundTruthFoot> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].in_view) continue;
    GroundTruthFoot g;
    g.foot_in_pitch_m = {rows[i].x_m, rows[i].z_m};
    g.hard = rows[i].occluded >= options.hard_occluded;
    for (size_t j = 0; j < rows.size() && !g.hard; ++j) {
      g.hard = j != i && std::hypot(rows[i].x_m - rows[j].x_m, rows[i].z_m - rows[j].z_m) < options.hard_neighbour_m;
    }
    out.push_back(g);
  }
  return out;
}

void DetectionScores::Add(const std::vector<GroundTruthFoot>& truth, const std::vector<Eigen::Vector2d>& detections,
                          const DetectionEvalOptions& options) {
  Eigen::MatrixXd score = Eigen::MatrixXd::Zero(static_cast<int>(truth.size()), static_cast<int>(detections.size()));
  for (size_t i = 0; i < truth.size(); ++i) {
    for (size_t j = 0; j < detections.size(); ++j) {
      const double d = (truth[i].foot_in_pitch_m - detections[j]).norm();
      if (d <= options.radius_m) score(i, j) = kMatchBonus + (options.radius_m - d);
    }
  }
  std::vector<bool> found(truth.size(), false);
  int64_t matched = 0;
  for (auto [i, j] : eval::LinearSumAssignment(score, /*maximize=*/true)) {
    if (score(i, j) <= 0) continue;
    ++matched;
    found[i] = true;
    errors_m.push_back((truth[i].foot_in_pitch_m - detections[j]).norm());
  }
  for (size_t i = 0; i < truth.size(); ++i) {
    hard_total += truth[i].hard;
    hard_found += truth[i].hard && found[i];
  }
  tp += matched;
  fn += static_cast<int64_t>(truth.size()) - matched;
  fp += static_cast<int64_t>(detections.size()) - matched;
}

void DetectionScores::Finalize() {
  precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0;
  recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0;
  f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  recall_hard = hard_total > 0 ? static_cast<double>(hard_found) / static_cast<double>(hard_total) : 0;
  if (!errors_m.empty()) {
    std::vector<double> sorted = errors_m;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    median_error_m = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  }
}

}  // namespace ipt::detector
