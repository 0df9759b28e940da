#include "ipt/geometry/camera.h"

#include <gtest/gtest.h>

#include <opencv2/calib3d.hpp>
#include <random>

#include "ipt/geometry/rig.h"
#include "ipt/util/check.h"
#include "ipt/util/units.h"

namespace ipt::geometry {
namespace {

CameraIntrinsics TestIntrinsics(LensModel model) {
  CameraIntrinsics in;
  in.model = model;
  in.width_px = 1280;
  in.height_px = 720;
  in.fx = 650;
  in.fy = 655;
  in.cx = 640.3;
  in.cy = 359.1;
  in.distortion = model == LensModel::kFisheye
                      ? std::array<double, 5>{0.03, -0.01, 0.002, -0.0005, 0}
                      : std::array<double, 5>{-0.12, 0.03, 0.001, -0.0008, -0.002};
  return in;
}

Camera TestCamera(LensModel model) {
  return Camera("test", TestIntrinsics(model),
                LookAt(Eigen::Vector3d(52.5, 8, 74), Eigen::Vector3d(30, 0, 30)));
}

class CameraModels : public ::testing::TestWithParam<LensModel> {};

// The independent reference: OpenCV's own projection with the same parameters.
TEST_P(CameraModels, ProjectionMatchesOpenCv) {
  const Camera camera = TestCamera(GetParam());
  const auto& in = camera.intrinsics();
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> coord(-0.9, 0.9);
  std::vector<cv::Point3d> points;
  std::vector<Eigen::Vector2d> ours;
  for (int i = 0; i < 500; ++i) {
    Eigen::Vector3d ray(coord(rng), coord(rng) * 0.6, 1.0);
    points.emplace_back(ray.x() * 20, ray.y() * 20, ray.z() * 20);
    ours.push_back(*camera.PixelFromRayInCamera(ray * 20));
  }
  cv::Matx33d k(in.fx, 0, in.cx, 0, in.fy, in.cy, 0, 0, 1);
  std::vector<cv::Point2d> reference;
  cv::Vec3d zero(0, 0, 0);
  if (GetParam() == LensModel::kFisheye) {
    cv::Vec4d d(in.distortion[0], in.distortion[1], in.distortion[2], in.distortion[3]);
    cv::fisheye::projectPoints(points, reference, zero, zero, k, d);
  } else {
    std::vector<double> d(in.distortion.begin(), in.distortion.end());
    cv::projectPoints(points, zero, zero, k, d, reference);
  }
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_NEAR(ours[i].x(), reference[i].x, 1e-6);
    EXPECT_NEAR(ours[i].y(), reference[i].y, 1e-6);
  }
}

TEST_P(CameraModels, PixelRayPixelRoundTrip) {
  const Camera camera = TestCamera(GetParam());
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(0, 1279), v(0, 719);
  for (int i = 0; i < 2000; ++i) {
    Eigen::Vector2d pixel(u(rng), v(rng));
    Eigen::Vector3d ray = camera.RayInCameraFromPixel(pixel);
    EXPECT_NEAR(ray.norm(), 1.0, 1e-12);
    auto back = camera.PixelFromRayInCamera(ray);
    ASSERT_TRUE(back.has_value());
    EXPECT_LT((*back - pixel).norm(), 1e-6) << pixel.transpose();
  }
}

TEST_P(CameraModels, PitchPixelRayPitchRoundTrip) {
  const Camera camera = TestCamera(GetParam());
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> x(0, 105), z(0, 68), y(0, 2.5);
  int checked = 0;
  for (int i = 0; i < 5000; ++i) {
    Eigen::Vector3d point(x(rng), y(rng), z(rng));
    auto pixel = camera.PixelFromPitch(point);
    if (!pixel || !camera.InImage(*pixel)) continue;
    ++checked;
    // Ray direction agrees with the true direction to 1e-6 rad ...
    Eigen::Vector3d ray = camera.RayInPitchFromPixel(*pixel);
    Eigen::Vector3d truth = (point - camera.center_in_pitch()).normalized();
    EXPECT_LT(std::acos(std::min(1.0, ray.dot(truth))), 1e-6);
    // ... and a ground point comes back to within 1e-6 m.
    Eigen::Vector3d ground(point.x(), 0, point.z());
    auto ground_pixel = camera.PixelFromPitch(ground);
    if (!ground_pixel || !camera.InImage(*ground_pixel)) continue;
    auto foot = camera.GroundFromPixel(*ground_pixel);
    ASSERT_TRUE(foot.has_value());
    EXPECT_LT((*foot - Eigen::Vector2d(point.x(), point.z())).norm(), 1e-6);
  }
  EXPECT_GT(checked, 500);
}

INSTANTIATE_TEST_SUITE_P(Lenses, CameraModels,
                         ::testing::Values(LensModel::kPinholeRadTan, LensModel::kFisheye));

TEST(Camera, LookAtPutsTargetAtPrincipalPointUpright) {
  CameraIntrinsics in = TestIntrinsics(LensModel::kPinholeRadTan);
  in.distortion = {};
  Camera camera("c", in, LookAt(Eigen::Vector3d(10, 5, 80), Eigen::Vector3d(40, 1, 20)));
  auto center = camera.PixelFromPitch(Eigen::Vector3d(40, 1, 20));
  ASSERT_TRUE(center);
  EXPECT_NEAR(center->x(), in.cx, 1e-9);
  EXPECT_NEAR(center->y(), in.cy, 1e-9);
  auto above = camera.PixelFromPitch(Eigen::Vector3d(40, 2, 20));
  EXPECT_NEAR(above->x(), in.cx, 1e-9);  // no roll: verticals stay vertical at the centre
  EXPECT_LT(above->y(), in.cy);          // up is up
}

TEST(Camera, BehindTheLensDoesNotProject) {
  Camera camera = TestCamera(LensModel::kPinholeRadTan);
  Eigen::Vector3d behind = camera.pitch_from_camera() * Eigen::Vector3d(0, 0, -10);
  EXPECT_FALSE(camera.PixelFromPitch(behind).has_value());
}

TEST(Camera, BadCalibrationIsRejected) {
  CameraIntrinsics in = TestIntrinsics(LensModel::kFisheye);
  in.fx = -1;
  EXPECT_THROW(Camera("c", in, Eigen::Isometry3d::Identity()), Error);
  in = TestIntrinsics(LensModel::kFisheye);
  in.distortion[0] = std::nan("");
  EXPECT_THROW(Camera("c", in, Eigen::Isometry3d::Identity()), Error);
  Eigen::Isometry3d skewed = Eigen::Isometry3d::Identity();
  skewed.linear()(0, 1) = 0.3;
  EXPECT_THROW(Camera("c", TestIntrinsics(LensModel::kFisheye), skewed), Error);
  EXPECT_THROW(ParseLensModel("kannala"), Error);
}

TEST(Camera, IntersectGround) {
  auto hit = IntersectGround(Eigen::Vector3d(0, 10, 0), Eigen::Vector3d(1, -1, 2));
  ASSERT_TRUE(hit);
  EXPECT_NEAR(hit->x(), 10, 1e-12);
  EXPECT_NEAR(hit->y(), 20, 1e-12);
  EXPECT_FALSE(IntersectGround(Eigen::Vector3d(0, 10, 0), Eigen::Vector3d(1, 0.1, 0)));
}


// Issue 7 edge cases ---------------------------------------------------------

// A camera looking straight down: optical axis = pitch -y. Image right is pitch +x
// and image down is pitch +z (the far touchline at the top, as in the rig).
Eigen::Isometry3d StraightDown(const Eigen::Vector3d& center) {
  Eigen::Matrix3d r;
  r.row(0) = Eigen::RowVector3d(1, 0, 0);   // image x = pitch +x
  r.row(1) = Eigen::RowVector3d(0, 0, 1);   // image y = pitch +z
  r.row(2) = Eigen::RowVector3d(0, -1, 0);  // optical axis = pitch -y
  Eigen::Isometry3d camera_from_pitch = Eigen::Isometry3d::Identity();
  camera_from_pitch.linear() = r;
  camera_from_pitch.translation() = -r * center;
  return camera_from_pitch;
}

TEST_P(CameraModels, StraightDownProjectsAndUnprojects) {
  const Eigen::Vector3d center(50, 10, 30);
  const Camera camera("down", TestIntrinsics(GetParam()), StraightDown(center));
  const auto& in = camera.intrinsics();
  // The point below the camera is at the principal point, and back.
  auto below = camera.PixelFromPitch(Eigen::Vector3d(50, 0, 30));
  ASSERT_TRUE(below);
  EXPECT_NEAR(below->x(), in.cx, 1e-9);
  EXPECT_NEAR(below->y(), in.cy, 1e-9);
  auto foot = camera.GroundFromPixel(Eigen::Vector2d(in.cx, in.cy));
  ASSERT_TRUE(foot);
  EXPECT_LT((*foot - Eigen::Vector2d(50, 30)).norm(), 1e-9);
  // +x is to the right, +z further down the image.
  EXPECT_GT(camera.PixelFromPitch(Eigen::Vector3d(51, 0, 30))->x(), in.cx);
  EXPECT_GT(camera.PixelFromPitch(Eigen::Vector3d(50, 0, 31))->y(), in.cy);
  // Every pixel sees the ground, and the ground point comes back to the pixel.
  for (double u = 0; u < in.width_px; u += 97) {
    for (double v = 0; v < in.height_px; v += 61) {
      auto g = camera.GroundFromPixel(Eigen::Vector2d(u, v));
      ASSERT_TRUE(g) << u << " " << v;
      auto back = camera.PixelFromPitch(PitchPoint(*g));
      ASSERT_TRUE(back);
      EXPECT_LT((*back - Eigen::Vector2d(u, v)).norm(), 1e-6);
    }
  }
}

// LookAt straight down was undefined (the image x axis, down x optical axis, is
// zero): it returned a singular rotation that the Camera refused.
TEST(Camera, LookAtStraightDownOrUpIsDefined) {
  const Eigen::Vector3d center(50, 10, 30);
  const Eigen::Isometry3d down = LookAt(center, Eigen::Vector3d(50, 0, 30));
  EXPECT_TRUE(down.isApprox(StraightDown(center), 1e-12)) << down.matrix();
  const Eigen::Isometry3d up = LookAt(center, Eigen::Vector3d(50, 20, 30));
  EXPECT_NO_THROW(Camera("up", TestIntrinsics(LensModel::kPinholeRadTan), up));
  EXPECT_NEAR(up.linear().determinant(), 1.0, 1e-12);
  // Nearly straight down agrees with exactly straight down.
  EXPECT_TRUE(LookAt(center, Eigen::Vector3d(50, 0, 30 - 1e-7)).isApprox(down, 1e-6));
}

// The synthetic rig with its cameras tilted straight down: both see the ground below the rig.
TEST(Camera, RigTiltedStraightDown) {
  RigOptions o;
  o.tilt_down_deg = 90;
  const Rig rig = MakeDefaultRig(o, PitchDims{});
  for (const Camera& camera : rig.cameras) {
    const Eigen::Vector3d c = camera.center_in_pitch();
    auto p = camera.PixelFromPitch(Eigen::Vector3d(c.x(), 0, c.z()));
    ASSERT_TRUE(p) << camera.name();
    EXPECT_NEAR(p->x(), camera.intrinsics().cx, 1e-6);
    EXPECT_NEAR(p->y(), camera.intrinsics().cy, 1e-6);
  }
}

// Rays at angle theta from the optical axis, azimuth phi around it.
Eigen::Vector3d RayAt(double theta, double phi) {
  return {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
}

// A fisheye whose distortion stays one-to-one up to (almost) 180 degrees.
Camera WideFisheye() {
  CameraIntrinsics in = TestIntrinsics(LensModel::kFisheye);
  in.distortion = {0.01, -0.001, 0, 0, 0};
  return Camera("wide", in, Eigen::Isometry3d::Identity());
}

// The fisheye maps rays past 90 degrees (behind the image plane) one-to-one up to
// max_ray_angle: projection and unprojection round-trip there.
TEST(Camera, FisheyeRaysPast90DegreesRoundTrip) {
  const Camera camera = WideFisheye();
  ASSERT_GT(camera.max_ray_angle_rad(), DegToRad(170));
  for (double theta_deg : {91.0, 100.0, 120.0, 150.0, 170.0}) {
    for (double phi : {0.3, 2.0, -2.5}) {
      const Eigen::Vector3d ray = RayAt(DegToRad(theta_deg), phi);
      auto pixel = camera.PixelFromRayInCamera(ray * 7.0);
      ASSERT_TRUE(pixel) << theta_deg;
      const Eigen::Vector3d back = camera.RayInCameraFromPixel(*pixel);
      EXPECT_LT((back - ray).norm(), 1e-9) << theta_deg << " " << phi;
      EXPECT_LT(back.z(), 0);  // behind the image plane
    }
  }
  // Straight backwards is not mapped.
  EXPECT_FALSE(camera.PixelFromRayInCamera(Eigen::Vector3d(0, 0, -1)).has_value());
}

// OpenCV's fisheye agrees up to 90 degrees; past it OpenCV divides by Z and so
// folds a ray behind the lens onto the mirrored ray in front: it projects P where
// IPT projects -P. IPT keeps the true direction instead.
TEST(Camera, FisheyePast90DegreesDiffersFromOpenCvByDesign) {
  const Camera camera = WideFisheye();
  const auto& in = camera.intrinsics();
  const cv::Matx33d k(in.fx, 0, in.cx, 0, in.fy, in.cy, 0, 0, 1);
  const cv::Vec4d d(in.distortion[0], in.distortion[1], in.distortion[2], in.distortion[3]);
  const cv::Vec3d zero(0, 0, 0);
  for (double theta_deg : {60.0, 85.0, 89.5, 100.0, 135.0}) {
    const Eigen::Vector3d ray = RayAt(DegToRad(theta_deg), 0.7) * 5.0;
    std::vector<cv::Point3d> points = {{ray.x(), ray.y(), ray.z()}};
    std::vector<cv::Point2d> reference;
    cv::fisheye::projectPoints(points, reference, zero, zero, k, d);
    const Eigen::Vector2d cv_pixel(reference[0].x, reference[0].y);
    auto ours = camera.PixelFromRayInCamera(ray), mirrored = camera.PixelFromRayInCamera(-ray);
    ASSERT_TRUE(ours && mirrored) << theta_deg;
    if (theta_deg < 90) {
      EXPECT_LT((*ours - cv_pixel).norm(), 1e-6) << theta_deg;
    } else {
      EXPECT_LT((*mirrored - cv_pixel).norm(), 1e-6) << theta_deg;
      EXPECT_GT((*ours - cv_pixel).norm(), 100) << theta_deg;
    }
  }
}

// Pixels outside the lens' image (beyond the radius of max_ray_angle) unproject
// to the ray at max_ray_angle in their direction, for both lens models.
TEST_P(CameraModels, PixelsBeyondTheLensImageUnprojectToItsEdge) {
  CameraIntrinsics in = TestIntrinsics(GetParam());
  // Strong barrel distortion: the mapping folds back well inside the image corners.
  in.distortion = GetParam() == LensModel::kFisheye ? std::array<double, 5>{-0.08, 0, 0, 0, 0}
                                                    : std::array<double, 5>{-0.3, 0, 0, 0, 0};
  const Camera camera("barrel", in, Eigen::Isometry3d::Identity());
  ASSERT_LT(camera.max_ray_angle_rad(), GetParam() == LensModel::kFisheye ? DegToRad(179) : DegToRad(89));
  for (double scale : {1.5, 10.0, 1e4}) {
    for (double phi : {0.0, 0.8, 2.4, -1.1}) {
      // A pixel `scale` times as far from the centre as the image of the edge ray.
      const Eigen::Vector2d edge = *camera.PixelFromRayInCamera(RayAt(camera.max_ray_angle_rad(), phi));
      const Eigen::Vector2d centre(in.cx, in.cy);
      const Eigen::Vector2d pixel = centre + scale * (edge - centre);
      const Eigen::Vector3d ray = camera.RayInCameraFromPixel(pixel);
      ASSERT_TRUE(ray.allFinite()) << scale << " " << phi;
      EXPECT_NEAR(ray.norm(), 1.0, 1e-12);
      const double angle = std::atan2(std::hypot(ray.x(), ray.y()), ray.z());
      EXPECT_NEAR(angle, camera.max_ray_angle_rad(), 1e-6) << scale << " " << phi;
      // Same direction around the axis as the pixel (no tangential distortion here).
      EXPECT_NEAR(std::atan2(ray.y(), ray.x()), std::atan2(pixel.y() - in.cy, (pixel.x() - in.cx) * in.fy / in.fx), 1e-6);
    }
  }
}

TEST(Camera, ImageSizeIsBounded) {
  CameraIntrinsics in = TestIntrinsics(LensModel::kPinholeRadTan);
  in.width_px = 1000000;
  in.height_px = 1000000;
  try {
    Camera("huge", in, Eigen::Isometry3d::Identity());
    ADD_FAILURE() << "a 1e6 x 1e6 camera was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image size 1000000x1000000 is larger than ipt handles"), std::string::npos)
        << e.what();
  }
  in.width_px = 16384;
  in.height_px = 16384;  // each side fine, 268 Mpx too many
  EXPECT_THROW(Camera("huge", in, Eigen::Isometry3d::Identity()), Error);
}

}  // namespace
}  // namespace ipt::geometry
