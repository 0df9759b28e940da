#include "ipt/geometry/camera.h"

#include <gtest/gtest.h>

#include <opencv2/calib3d.hpp>
#include <random>

#include "ipt/geometry/rig.h"
#include "ipt/util/check.h"

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

}  // namespace
}  // namespace ipt::geometry
