#include "ipt/sim/jersey_number.h"

#include <algorithm>
#include <cmath>

#include "ipt/util/units.h"

namespace ipt::sim {

double FacingCamera(const BodyPose& pose, const Eigen::Vector3d& camera_center) {
  const Eigen::Vector3d pelvis = 0.5 * (pose.hip_left + pose.hip_right);
  Eigen::Vector3d to_camera = camera_center - pelvis;
  to_camera.y() = 0;
  if (!(to_camera.norm() > 0)) return 0.0;
  to_camera.normalize();
  return pose.forward.dot(to_camera);
}

std::optional<PrintedNumber> VisibleNumber(const BodyPose& pose, double height_m, double facing_camera) {
  const Eigen::Vector3d pelvis = 0.5 * (pose.hip_left + pose.hip_right);
  const Eigen::Vector3d shoulder_mid = 0.5 * (pose.shoulder_left + pose.shoulder_right);
  const Eigen::Vector3d up = (shoulder_mid - pelvis).normalized();
  const double scale = height_m / kNumberReferenceHeightM;
  const Eigen::Vector3d half_depth = pose.forward * pose.torso_depth_m * 0.5;
  PrintedNumber n;
  n.text_up = up;
  if (facing_camera < -kNumberMinFacing) {  // back turned: read left to right along the body's right
    n.side = io::NumberSide::kBack;
    n.center = 0.5 * (shoulder_mid + pelvis) + up * kBackNumberRaiseM * scale - half_depth;
    n.text_right = pose.right;
    n.width_m = kBackNumberWidthM * scale;
    n.height_m = kBackNumberHeightM * scale;
    return n;
  }
  if (facing_camera > kNumberMinFacing) {
    n.side = io::NumberSide::kFront;
    n.center = shoulder_mid - up * kFrontNumberDropM * scale + half_depth;
    n.text_right = -pose.right;
    n.width_m = n.height_m = kFrontNumberSizeM * scale;
    return n;
  }
  return std::nullopt;
}

namespace {

// Height (px) of the number in `camera` before the cosine; 0 when it is not drawn.
double NumberHeightPx(const PrintedNumber& n, const geometry::Camera& camera) {
  const Eigen::Vector3d hr = n.text_right * (0.5 * n.width_m), hu = n.text_up * (0.5 * n.height_m);
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  const Eigen::Vector3d corners[4] = {n.center - hr + hu, n.center + hr + hu, n.center + hr - hu, n.center - hr - hu};
  for (const Eigen::Vector3d& corner : corners) {
    auto p = camera.PixelFromPitch(corner);
    if (!p || !p->allFinite()) return 0;
    x0 = std::min(x0, p->x()), x1 = std::max(x1, p->x());
    y0 = std::min(y0, p->y()), y1 = std::max(y1, p->y());
  }
  // The renderer's bounding box (cv::boundingRect of the corners) must reach its minimum size.
  if (std::floor(y1) - std::floor(y0) + 1 < kMinNumberHeightPx ||
      std::floor(x1) - std::floor(x0) + 1 < kMinNumberWidthPx) {
    return 0;
  }
  auto center = camera.PixelFromPitch(n.center), top = camera.PixelFromPitch(n.center + hu),
       bottom = camera.PixelFromPitch(n.center - hu);
  if (!center || !top || !bottom || !camera.InImage(*center)) return 0;
  return (*top - *bottom).norm();
}

}  // namespace

double LegibleMinNumberPx(int jersey) { return jersey < 10 ? kLegibleMinSingleDigitPx : kLegibleMinNumberPx; }

NumberLabel LabelNumber(const SimPerson& person, const PersonState& state, const geometry::Camera& source,
                        const NumberOcclusionFn& number_occluded) {
  NumberLabel label;
  if (!person.entry.jersey) return label;
  const Appearance& look = person.look;
  const BodyPose pose =
      ComputePose(state.pos_m, state.facing_rad, state.gait_phase_rad, state.vel_mps.norm(), look.height_m, look.build);
  const double facing = FacingCamera(pose, source.center_in_pitch());
  const double angle_deg = RadToDeg(std::acos(std::min(1.0, std::abs(facing))));
  const bool side_on = angle_deg > kSideOnMinAngleDeg;
  label.side = side_on ? io::NumberSide::kSide : facing < 0 ? io::NumberSide::kBack : io::NumberSide::kFront;
  double occluded = 1.0;
  if (auto number = VisibleNumber(pose, look.height_m, facing)) {
    label.number_px = NumberHeightPx(*number, source) * std::abs(facing);
    occluded = number_occluded ? number_occluded(*number) : 0.0;
  }
  if (side_on || label.number_px <= 0) return label;
  if (angle_deg <= kLegibleMaxAngleDeg && label.number_px >= LegibleMinNumberPx(*person.entry.jersey) &&
      occluded < kLegibleMaxOccluded) {
    label.legibility = io::Legibility::kLegible;
  } else if (label.number_px >= kPartialMinNumberPx && occluded < kPartialMaxOccluded) {
    label.legibility = io::Legibility::kPartial;
  }
  return label;
}

}  // namespace ipt::sim
