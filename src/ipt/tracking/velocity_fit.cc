#include "ipt/tracking/velocity_fit.h"

#include "ipt/util/check.h"

namespace ipt::tracking {

bool FitVelocityMps(const std::vector<int>& frames, const std::vector<Eigen::Vector2d>& foot_in_pitch_m, double fps,
                    Eigen::Vector2d* velocity_mps) {
  IPT_ASSERT(frames.size() == foot_in_pitch_m.size() && fps > 0);
  if (frames.size() < 2) return false;
  double mt = 0;
  Eigen::Vector2d mp(0, 0);
  for (size_t i = 0; i < frames.size(); ++i) {
    mt += frames[i] / fps;
    mp += foot_in_pitch_m[i];
  }
  mt /= frames.size();
  mp /= static_cast<double>(frames.size());
  double stt = 0;
  Eigen::Vector2d stp(0, 0);
  for (size_t i = 0; i < frames.size(); ++i) {
    const double t = frames[i] / fps - mt;
    stt += t * t;
    stp += t * (foot_in_pitch_m[i] - mp);
  }
  if (stt <= 0) return false;
  *velocity_mps = stp / stt;
  return true;
}

}  // namespace ipt::tracking
