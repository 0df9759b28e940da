#include "ipt/geometry/camera.h"

#include <cmath>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/units.h"

namespace ipt::geometry {
namespace {

// Newton iterations for undistortion; converges in < 10 for real lenses.
constexpr int kMaxUndistortIterations = 50;
constexpr double kUndistortTolerance = 1e-14;
// A rad-tan undistortion whose ray reprojects further than this from its pixel
// did not converge (the pixel lies outside the lens' image).
constexpr double kUndistortMaxResidualPx = 1e-3;
// Scan step when searching for the end of the lens' monotonic range.
constexpr double kMonotonicScanStepRad = 1e-3;
// Largest ray angles any lens maps: a pinhole only sees the front half-space; an
// equidistant fisheye everything but the ray straight backwards.
constexpr double kMaxPinholeRayAngleRad = kPi / 2 - 1e-3;
constexpr double kMaxFisheyeRayAngleRad = kPi - 1e-6;
// |down x optical axis| below which LookAt treats the axis as vertical.
constexpr double kVerticalAxisTolerance = 1e-9;

double FisheyeThetaD(const std::array<double, 5>& k, double theta) {
  double t2 = theta * theta;
  return theta * (1 + t2 * (k[0] + t2 * (k[1] + t2 * (k[2] + t2 * k[3]))));
}
double FisheyeThetaDDerivative(const std::array<double, 5>& k, double theta) {
  double t2 = theta * theta;
  return 1 + t2 * (3 * k[0] + t2 * (5 * k[1] + t2 * (7 * k[2] + t2 * 9 * k[3])));
}
// Radial part of rad-tan as a function of r = tan(theta): r (1 + k1 r^2 + k2 r^4 + k3 r^6).
double RadTanRadius(const std::array<double, 5>& d, double r) {
  double r2 = r * r;
  return r * (1 + r2 * (d[0] + r2 * (d[1] + r2 * d[4])));
}

}  // namespace

double LensMonotonicLimitRad(LensModel model, const std::array<double, 5>& distortion) {
  double limit = model == LensModel::kFisheye ? kMaxFisheyeRayAngleRad : kMaxPinholeRayAngleRad;
  double prev = 0;
  for (double theta = kMonotonicScanStepRad; theta < limit; theta += kMonotonicScanStepRad) {
    double radius = model == LensModel::kFisheye ? FisheyeThetaD(distortion, theta)
                                                 : RadTanRadius(distortion, std::tan(theta));
    if (!(radius > prev)) return theta - kMonotonicScanStepRad;
    prev = radius;
  }
  return limit;
}

double LensRadius(LensModel model, const std::array<double, 5>& distortion, double theta_rad) {
  return model == LensModel::kFisheye ? FisheyeThetaD(distortion, theta_rad)
                                      : RadTanRadius(distortion, std::tan(theta_rad));
}

std::string LensModelName(LensModel model) {
  return model == LensModel::kFisheye ? "fisheye" : "pinhole_radtan";
}

LensModel ParseLensModel(const std::string& name) {
  if (name == "fisheye") return LensModel::kFisheye;
  if (name == "pinhole_radtan") return LensModel::kPinholeRadTan;
  IPT_THROW("unknown lens model '{}' (expected pinhole_radtan or fisheye)", name);
}

void CameraIntrinsics::Check() const {
  IPT_CHECK(width_px > 0 && height_px > 0, "image size {}x{} must be positive", width_px,
            height_px);
  IPT_CHECK(width_px <= limits::kMaxImageSidePx && height_px <= limits::kMaxImageSidePx &&
                int64_t{width_px} * height_px <= limits::kMaxImagePixels,
            "image size {}x{} is larger than ipt handles (at most {} px a side and {} pixels)", width_px,
            height_px, limits::kMaxImageSidePx, limits::kMaxImagePixels);
  IPT_CHECK(std::isfinite(fx) && std::isfinite(fy) && fx > 0 && fy > 0,
            "focal lengths fx={} fy={} must be finite and positive", fx, fy);
  IPT_CHECK(std::isfinite(cx) && std::isfinite(cy), "principal point must be finite");
  for (double d : distortion) IPT_CHECK(std::isfinite(d), "distortion coefficients must be finite");
}

Camera::Camera(std::string name, CameraIntrinsics intrinsics, Eigen::Isometry3d camera_from_pitch)
    : name_(std::move(name)),
      intrinsics_(intrinsics),
      camera_from_pitch_(camera_from_pitch),
      pitch_from_camera_(camera_from_pitch.inverse()) {
  intrinsics_.Check();
  const Eigen::Matrix3d r = camera_from_pitch.linear();
  IPT_CHECK((r * r.transpose() - Eigen::Matrix3d::Identity()).norm() < 1e-6 &&
                std::abs(r.determinant() - 1) < 1e-6,
            "camera '{}': camera_from_pitch rotation is not orthonormal with det +1", name_);
  max_ray_angle_rad_ = LensMonotonicLimitRad(intrinsics_.model, intrinsics_.distortion);
}

Eigen::Vector2d Camera::Distort(const Eigen::Vector3d& ray) const {
  const auto& d = intrinsics_.distortion;
  Eigen::Vector2d m;
  if (intrinsics_.model == LensModel::kFisheye) {
    double rxy = std::hypot(ray.x(), ray.y());
    double theta = std::atan2(rxy, ray.z());
    double theta_d = FisheyeThetaD(d, theta);
    m = Eigen::Vector2d::Zero();
    if (rxy > 0) m = Eigen::Vector2d(ray.x(), ray.y()) * (theta_d / rxy);
  } else {
    double x = ray.x() / ray.z(), y = ray.y() / ray.z();
    double r2 = x * x + y * y;
    double radial = 1 + r2 * (d[0] + r2 * (d[1] + r2 * d[4]));
    m.x() = x * radial + 2 * d[2] * x * y + d[3] * (r2 + 2 * x * x);
    m.y() = y * radial + d[2] * (r2 + 2 * y * y) + 2 * d[3] * x * y;
  }
  return {intrinsics_.fx * m.x() + intrinsics_.cx, intrinsics_.fy * m.y() + intrinsics_.cy};
}

std::optional<Eigen::Vector2d> Camera::PixelFromRayInCamera(const Eigen::Vector3d& ray) const {
  double angle = std::atan2(std::hypot(ray.x(), ray.y()), ray.z());
  if (!(angle <= max_ray_angle_rad_)) return std::nullopt;
  return Distort(ray);
}

Eigen::Vector3d Camera::RayInCameraFromPixel(const Eigen::Vector2d& pixel) const {
  const auto& d = intrinsics_.distortion;
  Eigen::Vector2d m((pixel.x() - intrinsics_.cx) / intrinsics_.fx,
                    (pixel.y() - intrinsics_.cy) / intrinsics_.fy);
  if (intrinsics_.model == LensModel::kFisheye) {
    double theta_d = m.norm();
    if (theta_d == 0) return Eigen::Vector3d::UnitZ();
    // Newton on theta_d(theta) = target, within [0, max_ray_angle]: a pixel outside
    // the lens' image ends at the edge ray.
    double theta = std::min(theta_d, max_ray_angle_rad_);
    for (int i = 0; i < kMaxUndistortIterations; ++i) {
      double step = (FisheyeThetaD(d, theta) - theta_d) / FisheyeThetaDDerivative(d, theta);
      if (!std::isfinite(step)) break;
      theta = std::clamp(theta - step, 0.0, max_ray_angle_rad_);
      if (std::abs(step) < kUndistortTolerance) break;
    }
    Eigen::Vector2d dir = m / theta_d;
    return {std::sin(theta) * dir.x(), std::sin(theta) * dir.y(), std::cos(theta)};
  }
  // Rad-tan: Newton on the 2D map x' -> x'' with its analytic Jacobian.
  Eigen::Vector2d x = m;
  for (int i = 0; i < kMaxUndistortIterations; ++i) {
    double r2 = x.squaredNorm();
    double radial = 1 + r2 * (d[0] + r2 * (d[1] + r2 * d[4]));
    double dradial = d[0] + r2 * (2 * d[1] + 3 * r2 * d[4]);  // d radial / d r2
    Eigen::Vector2d f(x.x() * radial + 2 * d[2] * x.x() * x.y() + d[3] * (r2 + 2 * x.x() * x.x()),
                      x.y() * radial + d[2] * (r2 + 2 * x.y() * x.y()) + 2 * d[3] * x.x() * x.y());
    Eigen::Matrix2d j;
    j(0, 0) = radial + 2 * x.x() * x.x() * dradial + 2 * d[2] * x.y() + 6 * d[3] * x.x();
    j(0, 1) = 2 * x.x() * x.y() * dradial + 2 * d[2] * x.x() + 2 * d[3] * x.y();
    j(1, 0) = 2 * x.x() * x.y() * dradial + 2 * d[2] * x.x() + 2 * d[3] * x.y();
    j(1, 1) = radial + 2 * x.y() * x.y() * dradial + 6 * d[2] * x.y() + 2 * d[3] * x.x();
    Eigen::Vector2d step = j.partialPivLu().solve(f - m);
    x -= step;
    if (step.norm() < kUndistortTolerance) break;
  }
  // A pixel outside the lens' image has no ray (Newton wanders off or lands past
  // the fold): take the edge ray, at max_ray_angle in the pixel's direction.
  const Eigen::Vector3d ray = Eigen::Vector3d(x.x(), x.y(), 1.0).normalized();
  const bool solved = ray.allFinite() && (Distort(ray) - pixel).norm() < kUndistortMaxResidualPx;
  if (solved && std::atan2(x.norm(), 1.0) <= max_ray_angle_rad_) return ray;
  const double direction = std::atan2(m.y(), m.x());
  return {std::sin(max_ray_angle_rad_) * std::cos(direction), std::sin(max_ray_angle_rad_) * std::sin(direction),
          std::cos(max_ray_angle_rad_)};
}

std::optional<Eigen::Vector2d> Camera::PixelFromPitch(const Eigen::Vector3d& point) const {
  return PixelFromRayInCamera(camera_from_pitch_ * point);
}

Eigen::Vector3d Camera::RayInPitchFromPixel(const Eigen::Vector2d& pixel) const {
  return pitch_from_camera_.linear() * RayInCameraFromPixel(pixel);
}

std::optional<Eigen::Vector2d> Camera::GroundFromPixel(const Eigen::Vector2d& pixel) const {
  return IntersectGround(center_in_pitch(), RayInPitchFromPixel(pixel));
}

bool Camera::InImage(const Eigen::Vector2d& p, double margin) const {
  return p.x() >= -0.5 + margin && p.y() >= -0.5 + margin &&
         p.x() <= intrinsics_.width_px - 0.5 - margin &&
         p.y() <= intrinsics_.height_px - 0.5 - margin;
}

std::optional<Eigen::Vector2d> IntersectGround(const Eigen::Vector3d& origin,
                                               const Eigen::Vector3d& direction) {
  if (!(direction.y() < 0) || origin.y() <= 0) return std::nullopt;
  double t = -origin.y() / direction.y();
  return Eigen::Vector2d(origin.x() + t * direction.x(), origin.z() + t * direction.z());
}

Eigen::Isometry3d LookAt(const Eigen::Vector3d& center, const Eigen::Vector3d& target) {
  const Eigen::Vector3d z = (target - center).normalized();
  IPT_CHECK(z.allFinite() && (target - center).norm() > 0, "LookAt: the target must differ from the centre");
  const Eigen::Vector3d down(0, -1, 0);
  // Image x (right) is horizontal; looking straight down or up it is undefined
  // from the optical axis alone, so take pitch +x (the far touchline is then at the top).
  Eigen::Vector3d x = down.cross(z);
  x = x.norm() > kVerticalAxisTolerance ? x.normalized() : Eigen::Vector3d::UnitX();
  Eigen::Vector3d y = z.cross(x);
  Eigen::Matrix3d r;
  r.row(0) = x.transpose();
  r.row(1) = y.transpose();
  r.row(2) = z.transpose();
  Eigen::Isometry3d camera_from_pitch = Eigen::Isometry3d::Identity();
  camera_from_pitch.linear() = r;
  camera_from_pitch.translation() = -r * center;
  return camera_from_pitch;
}

}  // namespace ipt::geometry
