// Camera model: intrinsics with wide-angle lens distortion and the extrinsic
// pose camera_from_pitch.
//
// Frames and units
//  - Pitch frame: metres. Ground plane y = 0, y up; x along the touchline in
//    [0, length], z across in [0, width]. Right-handed. A foot-point is (x, z).
//  - Camera frame (OpenCV): x right, y down, z forward along the optical axis.
//    point_in_camera = camera_from_pitch * point_in_pitch.
//  - Pixels: continuous (u, v), u right, v down, the centre of pixel (i, j) at
//    (u, v) = (j, i) as in OpenCV's remap.
//
// Lens models (same parameterisation as OpenCV, so calibrations from
// cv::calibrateCamera / cv::fisheye::calibrate load unchanged):
//  - kPinholeRadTan: x' = X/Z, r^2 = |x'|^2,
//      x'' = x'(1 + k1 r^2 + k2 r^4 + k3 r^6) + tangential(p1, p2).
//      distortion = {k1, k2, p1, p2, k3}.
//  - kFisheye (equidistant): theta = angle from the optical axis,
//      theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6 + k4 theta^8),
//      x'' = theta_d * (X, Y) / |(X, Y)|. distortion = {k1, k2, k3, k4}.
//      Unlike OpenCV it accepts rays up to max_ray_angle, also beyond 90 degrees
//      (OpenCV divides by Z, so it projects a ray behind the lens like the
//      mirrored ray in front; both agree below 90 degrees).
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <optional>
#include <string>

namespace ipt::geometry {

enum class LensModel { kPinholeRadTan, kFisheye };

// "pinhole_radtan" / "fisheye"; ParseLensModel throws ipt::Error on an unknown name.
std::string LensModelName(LensModel model);
LensModel ParseLensModel(const std::string& name);

struct CameraIntrinsics {
  LensModel model = LensModel::kPinholeRadTan;
  int width_px = 0;
  int height_px = 0;
  double fx = 0, fy = 0, cx = 0, cy = 0;  // pixels
  // kPinholeRadTan: k1 k2 p1 p2 k3; kFisheye: k1 k2 k3 k4 (unused trailing entry = 0).
  std::array<double, 5> distortion{};

  // Throws ipt::Error naming the offending value; sizes are bounded by
  // limits::kMaxImageSidePx and limits::kMaxImagePixels.
  void Check() const;
};

// Normalized radius of a ray at theta_rad from the optical axis: theta_d for the
// fisheye, the distorted |x''| for rad-tan (radial terms only).
double LensRadius(LensModel model, const std::array<double, 5>& distortion, double theta_rad);
// Largest ray angle (radians) up to which LensRadius still increases, so the lens
// maps rays to pixels one-to-one: < 90 degrees for rad-tan, < 180 for the fisheye.
double LensMonotonicLimitRad(LensModel model, const std::array<double, 5>& distortion);

class Camera {
 public:
  Camera() = default;
  Camera(std::string name, CameraIntrinsics intrinsics, Eigen::Isometry3d camera_from_pitch);

  const std::string& name() const { return name_; }
  const CameraIntrinsics& intrinsics() const { return intrinsics_; }
  const Eigen::Isometry3d& camera_from_pitch() const { return camera_from_pitch_; }
  const Eigen::Isometry3d& pitch_from_camera() const { return pitch_from_camera_; }
  // Optical centre in the pitch frame, metres.
  Eigen::Vector3d center_in_pitch() const { return pitch_from_camera_.translation(); }
  // Largest angle (radians) between a ray and the optical axis that the lens maps
  // one-to-one; rays beyond it are not projected (prevents fold-back of the polynomial).
  double max_ray_angle_rad() const { return max_ray_angle_rad_; }

  // Distortion on normalized coordinates. `ray_in_camera` need not be unit length.
  // nullopt when the ray is outside max_ray_angle.
  std::optional<Eigen::Vector2d> PixelFromRayInCamera(const Eigen::Vector3d& ray_in_camera) const;
  // Unit ray in the camera frame through a pixel (iterative undistortion, |error| < 1e-12).
  // A pixel outside the lens' image (further out than the image of max_ray_angle)
  // gets the edge ray: at max_ray_angle, in the pixel's direction from the centre.
  Eigen::Vector3d RayInCameraFromPixel(const Eigen::Vector2d& pixel) const;

  // Pitch point (metres) -> pixel; nullopt when behind the lens' valid field of view.
  std::optional<Eigen::Vector2d> PixelFromPitch(const Eigen::Vector3d& point_in_pitch) const;
  // Unit ray direction in the pitch frame through a pixel (origin: center_in_pitch()).
  Eigen::Vector3d RayInPitchFromPixel(const Eigen::Vector2d& pixel) const;
  // Pixel -> foot-point (x, z) where its ray meets the ground; nullopt above the horizon.
  std::optional<Eigen::Vector2d> GroundFromPixel(const Eigen::Vector2d& pixel) const;

  bool InImage(const Eigen::Vector2d& pixel, double margin_px = 0) const;

 private:
  Eigen::Vector2d Distort(const Eigen::Vector3d& ray_in_camera) const;

  std::string name_;
  CameraIntrinsics intrinsics_;
  Eigen::Isometry3d camera_from_pitch_ = Eigen::Isometry3d::Identity();
  Eigen::Isometry3d pitch_from_camera_ = Eigen::Isometry3d::Identity();
  double max_ray_angle_rad_ = 0;
};

// Ray (origin, direction) ∩ ground plane y = 0 -> (x, z). nullopt when the ray
// does not descend to the ground.
std::optional<Eigen::Vector2d> IntersectGround(const Eigen::Vector3d& origin_in_pitch,
                                               const Eigen::Vector3d& direction_in_pitch);

// (x, z) foot-point and a height above the ground -> 3D pitch point (x, height, z).
inline Eigen::Vector3d PitchPoint(const Eigen::Vector2d& foot_xz_m, double height_m = 0.0) {
  return {foot_xz_m.x(), height_m, foot_xz_m.y()};
}

// Rotation camera_from_pitch for a camera at `center_in_pitch` looking at
// `target_in_pitch`, image "up" towards pitch +y (no roll). Looking straight down
// (or up) image right is pitch +x, so image up is pitch -z (down) / +z (up).
// Throws ipt::Error when target == center.
Eigen::Isometry3d LookAt(const Eigen::Vector3d& center_in_pitch,
                         const Eigen::Vector3d& target_in_pitch);

}  // namespace ipt::geometry
