#include "ipt/geometry/rig.h"

#include <cmath>
#include <cstdint>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/units.h"

namespace ipt::geometry {

void PitchDims::Check() const {
  IPT_CHECK(std::isfinite(length_m) && std::isfinite(width_m) && length_m > 0 && width_m > 0,
            "pitch size {} x {} m must be positive", length_m, width_m);
}

void RigOptions::Check() const {
  // Ranges (documented in configs/sim_default.yaml); the negated comparisons refuse NaN.
  IPT_CHECK(height_m >= 1 && height_m <= 100, "rig.height_m must be in [1, 100], got {}", height_m);
  IPT_CHECK(behind_touchline_m >= 0 && behind_touchline_m <= 100,
            "rig.behind_touchline_m must be in [0, 100], got {}", behind_touchline_m);
  IPT_CHECK(baseline_m >= 0 && baseline_m <= 5, "rig.baseline_m must be in [0, 5], got {}", baseline_m);
  IPT_CHECK(yaw_deg >= 0 && yaw_deg <= 90, "rig.yaw_deg must be in [0, 90], got {}", yaw_deg);
  IPT_CHECK(tilt_down_deg >= 0 && tilt_down_deg <= 90, "rig.tilt_down_deg must be in [0, 90], got {}",
            tilt_down_deg);
  IPT_CHECK(image_width_px >= kMinImageSidePx && image_height_px >= kMinImageSidePx &&
                image_width_px <= limits::kMaxImageSidePx && image_height_px <= limits::kMaxImageSidePx &&
                int64_t{image_width_px} * image_height_px <= limits::kMaxImagePixels,
            "rig image size {}x{} must be at least {} px a side, at most {} px a side and {} pixels",
            image_width_px, image_height_px, kMinImageSidePx, limits::kMaxImageSidePx, limits::kMaxImagePixels);
  // Video codecs subsample colour 2x2: odd sizes are cropped on writing.
  IPT_CHECK(image_width_px % 2 == 0 && image_height_px % 2 == 0,
            "rig image size {}x{} must be even (video codecs store colour at half resolution)", image_width_px,
            image_height_px);
  const double max_fov_deg = lens == LensModel::kFisheye ? 200 : 170;
  IPT_CHECK(horizontal_fov_deg > 10 && horizontal_fov_deg < max_fov_deg,
            "rig.horizontal_fov_deg must be in (10, {}) for a {} lens, got {}", max_fov_deg, LensModelName(lens),
            horizontal_fov_deg);
  for (size_t i = 0; i < distortion.size(); ++i) {
    IPT_CHECK(std::abs(distortion[i]) <= kMaxAbsDistortion, "rig.distortion[{}] must be in [-{}, {}], got {}", i,
              kMaxAbsDistortion, kMaxAbsDistortion, distortion[i]);
  }
  IPT_CHECK(lens == LensModel::kPinholeRadTan || distortion[4] == 0,
            "rig.distortion[4] must be 0 for a fisheye lens (k1..k4 only)");
  // The image border must lie where the lens still maps rays one-to-one: beyond
  // that the distortion polynomial folds back and no focal length fits.
  const double limit_deg = RadToDeg(LensMonotonicLimitRad(lens, distortion));
  IPT_CHECK(0.5 * horizontal_fov_deg < limit_deg,
            "rig.horizontal_fov_deg {} is too wide for this distortion: the lens maps rays one-to-one only up to "
            "{:.1f} degrees from the axis (a field of view of {:.1f})",
            horizontal_fov_deg, limit_deg, 2 * limit_deg);
}

Rig MakeRig(std::vector<Camera> cameras) {
  IPT_CHECK(cameras.size() == 2, "a rig has exactly two cameras (left, right), got {}",
            cameras.size());
  Rig rig;
  rig.center_in_pitch = 0.5 * (cameras[0].center_in_pitch() + cameras[1].center_in_pitch());
  rig.cameras = std::move(cameras);
  return rig;
}

Rig MakeDefaultRig(const RigOptions& o, const PitchDims& pitch) {
  o.Check();
  pitch.Check();
  const Eigen::Vector3d center(pitch.length_m / 2, o.height_m, pitch.width_m + o.behind_touchline_m);
  CameraIntrinsics in;
  in.model = o.lens;
  in.width_px = o.image_width_px;
  in.height_px = o.image_height_px;
  in.distortion = o.distortion;
  // Focal length that puts the horizontal half-FOV at the image border.
  const double half_width_normalized = LensRadius(o.lens, o.distortion, DegToRad(0.5 * o.horizontal_fov_deg));
  in.fx = in.fy = 0.5 * o.image_width_px / half_width_normalized;
  in.cx = 0.5 * (o.image_width_px - 1);
  in.cy = 0.5 * (o.image_height_px - 1);

  std::vector<Camera> cameras;
  const char* names[2] = {"left", "right"};
  for (int side = 0; side < 2; ++side) {
    double sign = side == 0 ? -1.0 : 1.0;  // left looks towards -x
    double yaw = sign * DegToRad(o.yaw_deg), tilt = DegToRad(o.tilt_down_deg);
    Eigen::Vector3d forward(std::sin(yaw) * std::cos(tilt), -std::sin(tilt),
                            -std::cos(yaw) * std::cos(tilt));
    Eigen::Vector3d camera_center = center + Eigen::Vector3d(sign * o.baseline_m / 2, 0, 0);
    cameras.emplace_back(names[side], in, LookAt(camera_center, camera_center + forward));
  }
  return MakeRig(std::move(cameras));
}

}  // namespace ipt::geometry
