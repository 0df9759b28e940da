#include "ipt/tracking/substitution_gaps.h"

#include <algorithm>
#include <cmath>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {
constexpr double kMaxTouchlineDistanceM = 100;  // more than half of any pitch's width
}  // namespace

void SubstitutionGapOptions::Check() const {
  IPT_CHECK(std::isfinite(touchline_distance_m) && touchline_distance_m >= 0 &&
                touchline_distance_m <= kMaxTouchlineDistanceM,
            "touchline_distance_m must be in [0, {}], got {}", kMaxTouchlineDistanceM, touchline_distance_m);
  IPT_CHECK(std::isfinite(min_jump_m) && min_jump_m > 0 && min_jump_m <= kMaxTouchlineDistanceM,
            "min_jump_m must be in (0, {}], got {}", kMaxTouchlineDistanceM, min_jump_m);
}

bool IsSubstitutionGap(const io::MatchInfo& match, std::optional<io::Category> category, int a,
                       const Eigen::Vector2d& a_m, int b, const Eigen::Vector2d& b_m,
                       const SubstitutionGapOptions& options) {
  if (!options.enabled() || b <= a || (b - a < 2 && (b_m - a_m).norm() < options.min_jump_m)) return false;
  if (std::min(match.pitch.TouchlineDistanceM(a_m.y()), match.pitch.TouchlineDistanceM(b_m.y())) >
      options.touchline_distance_m) {
    return false;
  }
  return match.SubstitutionBetween(category, a, b);
}

std::vector<int> SubstitutionCutFrames(const std::vector<int>& frames, const std::vector<Eigen::Vector2d>& foot_m,
                                       const io::MatchInfo& match, const SubstitutionGapOptions& options) {
  IPT_ASSERT(frames.size() == foot_m.size());
  std::vector<int> cuts;
  if (!options.enabled() || match.substitutions.empty()) return cuts;
  for (size_t k = 1; k < frames.size(); ++k) {
    IPT_ASSERT(frames[k - 1] < frames[k]);
    if (IsSubstitutionGap(match, std::nullopt, frames[k - 1], foot_m[k - 1], frames[k], foot_m[k], options)) {
      cuts.push_back(frames[k]);
    }
  }
  return cuts;
}

}  // namespace ipt::tracking
