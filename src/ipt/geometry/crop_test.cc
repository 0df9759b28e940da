#include "ipt/geometry/crop.h"

#include <gtest/gtest.h>

#include "ipt/geometry/rig.h"

namespace ipt::geometry {
namespace {

const PitchDims kPitch;

TEST(Crop, PicksTheCameraThatSeesBest) {
  Rig rig = MakeDefaultRig({}, kPitch);
  auto left = MakeCropView(rig.cameras, {10, 30});
  auto right = MakeCropView(rig.cameras, {95, 30});
  ASSERT_TRUE(left && right);
  EXPECT_EQ(left->camera_index, 0);
  EXPECT_EQ(right->camera_index, 1);
  EXPECT_GT(left->margin_px, 0);
  EXPECT_FALSE(MakeCropView(rig.cameras, {52.5, 100}  /* behind the rig */).has_value());
}

// A vertical line through the foot-point is the crop's centre column; the foot is
// near the bottom and the top of the volume near the top.
TEST(Crop, VirtualViewIsCentredAndUpright) {
  Rig rig = MakeDefaultRig({}, kPitch);
  for (double x : {3.0, 30.0, 52.5, 80.0, 102.0}) {
    for (double z : {2.0, 34.0, 66.0}) {
      auto view = MakeCropView(rig.cameras, {x, z});
      ASSERT_TRUE(view);
      const Camera& virt = view->virtual_camera;
      for (double h : {0.0, 0.6, 1.2, 1.8, 2.4}) {
        auto p = virt.PixelFromPitch(Eigen::Vector3d(x, h, z));
        ASSERT_TRUE(p);
        EXPECT_NEAR(p->x(), 63.5, 1e-6);
      }
      auto foot = *virt.PixelFromPitch(Eigen::Vector3d(x, 0, z));
      auto top = *virt.PixelFromPitch(Eigen::Vector3d(x, 2.4, z));
      EXPECT_GT(foot.y(), 0.85 * 256);
      EXPECT_LT(foot.y(), 256);
      EXPECT_LT(top.y(), 0.15 * 256);
      EXPECT_GT(top.y(), -1);
    }
  }
}

// The ground axes: moving the foot along "lateral" moves it right in the crop
// and keeps its row; moving along "depth" keeps its column and moves it up
// (further from the camera); depth points away from the camera.
TEST(Crop, GroundAxesMatchTheCropImage) {
  Rig rig = MakeDefaultRig({}, kPitch);
  for (Eigen::Vector2d foot : {Eigen::Vector2d(10, 30), Eigen::Vector2d(52.5, 10), Eigen::Vector2d(90, 60)}) {
    auto view = MakeCropView(rig.cameras, foot);
    ASSERT_TRUE(view);
    const Eigen::Matrix2d axes = CropGroundAxes(*view);
    EXPECT_NEAR(axes.col(0).norm(), 1, 1e-12);
    EXPECT_NEAR(axes.col(0).dot(axes.col(1)), 0, 1e-12);
    const Camera& virt = view->virtual_camera;
    auto pixel = [&](const Eigen::Vector2d& g) { return *virt.PixelFromPitch(Eigen::Vector3d(g.x(), 0, g.y())); };
    const Eigen::Vector2d at = pixel(foot), right = pixel(foot + 0.1 * axes.col(0)), far = pixel(foot + 0.1 * axes.col(1));
    EXPECT_GT(right.x() - at.x(), 1.0);
    EXPECT_NEAR(right.y(), at.y(), 0.05 * (right.x() - at.x()));
    EXPECT_LT(far.y(), at.y());
    EXPECT_NEAR(far.x(), at.x(), 1e-6);
    const Eigen::Vector3d camera = rig.cameras[view->camera_index].center_in_pitch();
    EXPECT_GT((foot - Eigen::Vector2d(camera.x(), camera.z())).dot(axes.col(1)), 0);
  }
}

// The fast grid-interpolated remap tables agree with the exact ones.
TEST(Crop, GridMapsMatchExactMaps) {
  Rig rig = MakeDefaultRig({}, kPitch);
  for (Eigen::Vector2d foot : {Eigen::Vector2d(5, 5), Eigen::Vector2d(50, 60), Eigen::Vector2d(100, 40)}) {
    auto view = MakeCropView(rig.cameras, foot);
    ASSERT_TRUE(view);
    const Camera& source = rig.cameras[view->camera_index];
    cv::Mat ex, ey, gx, gy;
    ComputeCropMaps(source, *view, 1, &ex, &ey);
    ComputeCropMaps(source, *view, 8, &gx, &gy);
    double dx = cv::norm(ex, gx, cv::NORM_INF), dy = cv::norm(ey, gy, cv::NORM_INF);
    EXPECT_LT(dx, 0.05);
    EXPECT_LT(dy, 0.05);
    // The foot-point's source pixel is where the crop's bottom-centre samples from.
    auto foot_px = *source.PixelFromPitch(PitchPoint(foot));
    auto foot_crop = *view->virtual_camera.PixelFromPitch(PitchPoint(foot));
    int row = static_cast<int>(std::lround(foot_crop.y()));
    EXPECT_NEAR(ex.at<float>(row, 64), foot_px.x(), 3.0);
  }
}

}  // namespace
}  // namespace ipt::geometry
