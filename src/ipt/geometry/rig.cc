#include "ipt/geometry/rig.h"

#include <cmath>

#include "ipt/util/check.h"

namespace ipt::geometry {
namespace {
constexpr double kDegToRad = 3.14159265358979323846 / 180.0;
}

void PitchDims::Check() const {
  IPT_CHECK(std::isfinite(length_m) && std::isfinite(width_m) && length_m > 0 && width_m > 0,
            "pitch size {} x {} m must be positive", length_m, width_m);
}

void RigOptions::Check() const {
  IPT_CHECK(height_m > 0, "rig height_m must be > 0, got {}", height_m);
  IPT_CHECK(image_width_px > 0 && image_height_px > 0, "rig image size must be positive");
  IPT_CHECK(horizontal_fov_deg > 10 && horizontal_fov_deg < 200,
            "rig horizontal_fov_deg must be in (10, 200), got {}", horizontal_fov_deg);
  IPT_CHECK(lens == LensModel::kFisheye || horizontal_fov_deg < 170,
            "a pinhole lens cannot have horizontal_fov_deg >= 170");
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
  const double half_fov = 0.5 * o.horizontal_fov_deg * kDegToRad;
  // Focal length that puts the horizontal half-FOV at the image border.
  double half_width_normalized;
  if (o.lens == LensModel::kFisheye) {
    double t2 = half_fov * half_fov;
    const auto& k = o.distortion;
    half_width_normalized = half_fov * (1 + t2 * (k[0] + t2 * (k[1] + t2 * (k[2] + t2 * k[3]))));
  } else {
    double r = std::tan(half_fov), r2 = r * r;
    const auto& d = o.distortion;
    half_width_normalized = r * (1 + r2 * (d[0] + r2 * (d[1] + r2 * d[4])));
  }
  in.fx = in.fy = 0.5 * o.image_width_px / half_width_normalized;
  in.cx = 0.5 * (o.image_width_px - 1);
  in.cy = 0.5 * (o.image_height_px - 1);

  std::vector<Camera> cameras;
  const char* names[2] = {"left", "right"};
  for (int side = 0; side < 2; ++side) {
    double sign = side == 0 ? -1.0 : 1.0;  // left looks towards -x
    double yaw = sign * o.yaw_deg * kDegToRad, tilt = o.tilt_down_deg * kDegToRad;
    Eigen::Vector3d forward(std::sin(yaw) * std::cos(tilt), -std::sin(tilt),
                            -std::cos(yaw) * std::cos(tilt));
    Eigen::Vector3d camera_center = center + Eigen::Vector3d(sign * o.baseline_m / 2, 0, 0);
    cameras.emplace_back(names[side], in, LookAt(camera_center, camera_center + forward));
  }
  return MakeRig(std::move(cameras));
}

}  // namespace ipt::geometry
