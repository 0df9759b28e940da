#include "ipt/viz/overlay.h"

#include <gtest/gtest.h>

#include "ipt/geometry/rig.h"

namespace ipt::viz {
namespace {

TEST(Overlay, PanoramaMarkerSitsOnTheFootPoint) {
  geometry::PitchDims pitch;
  geometry::Panorama pano(geometry::MakeDefaultRig({}, pitch));
  cv::Mat image(512, 1024, CV_8UC3, cv::Scalar::all(0));
  io::Annotation a;
  a.x_m = 70;
  a.z_m = 30;
  a.category = io::Category::kTeamB;
  a.jersey = 9;
  DrawOnPanorama({a}, pano, &image);
  auto foot = *pano.PixelFromPitch(Eigen::Vector3d(70, 0, 30));
  cv::Vec3b px = image.at<cv::Vec3b>(cvRound(foot.y()), cvRound(foot.x()));
  cv::Scalar expected = CategoryColor(io::Category::kTeamB);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(px[k], expected[k], 40);
  EXPECT_GT(cv::countNonZero(image.reshape(1)), 50);
}

TEST(Overlay, MinimapKeepsPitchAspectAndPlacesPeople) {
  geometry::PitchDims pitch;
  MinimapOptions o;
  o.height_px = 400;
  o.margin_m = 5;
  io::Annotation a;
  a.x_m = 0;
  a.z_m = 0;  // corner flag
  a.category = io::Category::kReferee;
  cv::Mat map = DrawMinimap({a}, pitch, nullptr, o);
  EXPECT_EQ(map.rows, 400);
  EXPECT_NEAR(map.cols, 400.0 * (105 + 10) / (68 + 10), 1.0);
  double scale = 400.0 / 78;
  cv::Vec3b px = map.at<cv::Vec3b>(cvRound(5 * scale), cvRound(5 * scale));
  cv::Scalar expected = CategoryColor(io::Category::kReferee);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(px[k], expected[k], 40);
}

TEST(Overlay, ContactSheetLayout) {
  std::vector<cv::Mat> tiles(5, cv::Mat(256, 128, CV_8UC3, cv::Scalar(0, 0, 255)));
  cv::Mat sheet = ContactSheet(tiles, {"a", "b", "c", "d", "e"}, 4);
  EXPECT_EQ(sheet.cols, 4 * 128);
  EXPECT_EQ(sheet.rows, 2 * (256 + 16));
  EXPECT_EQ(sheet.at<cv::Vec3b>(300, 10), cv::Vec3b(0, 0, 255));   // 5th tile, second row
  EXPECT_NE(sheet.at<cv::Vec3b>(300, 200), cv::Vec3b(0, 0, 255));  // empty cell
}

// Each visible person gets one tile cut from the camera that sees them best: a
// uniformly coloured camera image gives a tile of that colour.
TEST(Overlay, CropSheetOfFrameCutsFromTheBestCamera) {
  geometry::PitchDims pitch;
  geometry::Rig rig = geometry::MakeDefaultRig({}, pitch);
  const auto& in = rig.cameras[0].intrinsics();
  cv::Mat left(in.height_px, in.width_px, CV_8UC3, cv::Scalar(255, 0, 0));
  cv::Mat right(in.height_px, in.width_px, CV_8UC3, cv::Scalar(0, 255, 0));
  io::Annotation on_left, on_right, behind_rig;
  on_left.x_m = 20, on_left.z_m = 30, on_left.person_id = 1;
  on_right.x_m = 85, on_right.z_m = 30, on_right.person_id = 2;
  behind_rig.x_m = 52.5, behind_rig.z_m = 200, behind_rig.person_id = 3;
  int crops = 0;
  cv::Mat sheet = CropSheetOfFrame({on_left, on_right, behind_rig}, rig, {left, right}, 4, &crops);
  EXPECT_EQ(crops, 2);
  EXPECT_EQ(sheet.cols, 4 * 128);
  EXPECT_EQ(sheet.at<cv::Vec3b>(128, 64), cv::Vec3b(255, 0, 0));   // first tile: from the left camera
  EXPECT_EQ(sheet.at<cv::Vec3b>(128, 192), cv::Vec3b(0, 255, 0));  // second: from the right camera
}

}  // namespace
}  // namespace ipt::viz
