#include "ipt/geometry/panorama.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include <random>

#include "ipt/util/check.h"
#include "ipt/util/test_util.h"
#include "ipt/util/units.h"

namespace ipt::geometry {
namespace {

const PitchDims kPitch;

TEST(Panorama, PixelRayPixelRoundTrip) {
  for (double k : {0.0, 8.0, 30.0}) {
  PanoramaOptions o;
  o.elevation_compression = k;
  Panorama pano(MakeDefaultRig({}, kPitch), o);
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(-0.5, 1023.5), v(-0.5, 511.5);
  for (int i = 0; i < 5000; ++i) {
    Eigen::Vector2d pixel(u(rng), v(rng));
    Eigen::Vector3d ray = pano.RayFromPixel(pixel);
    EXPECT_NEAR(ray.norm(), 1.0, 1e-12);
    EXPECT_LT((pano.PixelFromRay(ray) - pixel).norm(), 1e-6);
    // ray -> pixel -> ray, in radians
    Eigen::Vector3d again = pano.RayFromPixel(pano.PixelFromRay(ray * 3.7));
    EXPECT_LT(std::acos(std::min(1.0, again.dot(ray))), 1e-6);
  }
  }
}

// k = 0 is the plain linear map: row centre i is at elevation max - (i + 0.5) / H * span.
TEST(Panorama, LinearElevationWhenUncompressed) {
  PanoramaOptions o;
  o.elevation_compression = 0;
  Panorama pano(MakeDefaultRig({}, kPitch), o);
  for (int row : {0, 100, 511}) {
    Eigen::Vector3d ray = pano.RayFromPixel(Eigen::Vector2d(512, row));
    double el = RadToDeg(std::atan2(ray.y(), std::hypot(ray.x(), ray.z())));
    double expected = o.elevation_max_deg - (row + 0.5) / 512 * (o.elevation_max_deg - o.elevation_min_deg);
    EXPECT_NEAR(el, expected, 1e-9);
  }
}

// The compression gives far people more rows than near ones, relative to linear.
TEST(Panorama, CompressionEnlargesTheFarSide) {
  PanoramaOptions linear;
  linear.elevation_compression = 0;
  Panorama a(MakeDefaultRig({}, kPitch), linear), b(MakeDefaultRig({}, kPitch));
  auto height_px = [](const Panorama& p, double z) {
    return p.PixelFromPitch(Eigen::Vector3d(52.5, 0, z))->y() - p.PixelFromPitch(Eigen::Vector3d(52.5, 1.8, z))->y();
  };
  EXPECT_GT(height_px(b, 1.0), 2.0 * height_px(a, 1.0));   // far touchline
  EXPECT_LT(height_px(b, 66.0), height_px(a, 66.0));       // near touchline
}

TEST(Panorama, PitchPixelPitchRoundTrip) {
  Panorama pano(MakeDefaultRig({}, kPitch));
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> x(0, 105), z(0, 68);
  for (int i = 0; i < 5000; ++i) {
    Eigen::Vector2d foot(x(rng), z(rng));
    auto pixel = pano.PixelFromPitch(PitchPoint(foot));
    ASSERT_TRUE(pixel);
    ASSERT_TRUE(pano.InImage(*pixel)) << foot.transpose();
    auto back = pano.GroundFromPixel(*pixel);
    ASSERT_TRUE(back);
    EXPECT_LT((*back - foot).norm(), 1e-6);
  }
}

// The default rig sees every foot-point and head on the pitch in at least one
// camera, both cameras see the centre, and all of it lies inside the panorama.
TEST(Panorama, DefaultRigCoversWholePitchWithCentralOverlap) {
  Rig rig = MakeDefaultRig({}, kPitch);
  Panorama pano(rig);
  for (double x = 0; x <= 105; x += 1.0) {
    for (double z = 0; z <= 68; z += 1.0) {
      int seen = 0;
      for (const Camera& camera : rig.cameras) {
        auto foot = camera.PixelFromPitch(Eigen::Vector3d(x, 0, z));
        auto head = camera.PixelFromPitch(Eigen::Vector3d(x, 1.95, z));
        seen += foot && head && camera.InImage(*foot) && camera.InImage(*head);
      }
      EXPECT_GE(seen, 1) << "pitch point (" << x << ", " << z << ") is seen by no camera";
      // Overlap at the centre, except the last metre right below the rig.
      if (std::abs(x - 52.5) <= 2 && z <= 67) {
        EXPECT_EQ(seen, 2) << "no overlap at x=" << x << " z=" << z;
      }
      EXPECT_TRUE(pano.InImage(*pano.PixelFromPitch(Eigen::Vector3d(x, 1.95, z))));
    }
  }
}

// Paint each camera's image with a known linear function of the ground point it
// sees; the stitched panorama must show the same function of its own ground point.
TEST(Panorama, StitchSamplesTheRightGroundPoint) {
  Rig rig = MakeDefaultRig({}, kPitch);
  Panorama pano(rig);
  auto color_of = [](const Eigen::Vector2d& g) {
    return cv::Vec3f(static_cast<float>(2.0 * g.x() + 20), static_cast<float>(2.5 * g.y() + 30), 100.f);
  };
  cv::Mat frames[2];
  for (int c = 0; c < 2; ++c) {
    const Camera& camera = rig.cameras[c];
    frames[c].create(720, 1280, CV_8UC3);
    for (int v = 0; v < 720; ++v) {
      for (int u = 0; u < 1280; ++u) {
        auto g = camera.GroundFromPixel(Eigen::Vector2d(u, v));
        cv::Vec3f col = g ? color_of(*g) : cv::Vec3f(0, 0, 0);
        for (int k = 0; k < 3; ++k) frames[c].at<cv::Vec3b>(v, u)[k] = cv::saturate_cast<uchar>(col[k]);
      }
    }
  }
  cv::Mat out;
  pano.Stitch(frames[0], frames[1], &out);
  ASSERT_EQ(out.rows, 512);
  ASSERT_EQ(out.cols, 1024);
  int checked = 0;
  double worst = 0;
  for (int v = 0; v < 512; v += 3) {
    for (int u = 0; u < 1024; u += 3) {
      auto g = pano.GroundFromPixel(Eigen::Vector2d(u, v));
      if (!g || g->x() < 0 || g->x() > 105 || g->y() < 0 || g->y() > 68) continue;
      cv::Vec3f expected = color_of(*g);
      cv::Vec3b got = out.at<cv::Vec3b>(v, u);
      for (int k = 0; k < 2; ++k) worst = std::max(worst, std::abs(got[k] - double(expected[k])));
      ++checked;
    }
  }
  EXPECT_GT(checked, 20000);
  // 8-bit rounding (0.5) + bilinear sampling of a rounded field + 1/32 px map quantization.
  EXPECT_LE(worst, 2.0);
}

// The message of the ipt::Error that `f` throws ("" and a failure when none).
// The ipt::Error that `f` throws ("no error" when none: the comparison then fails).
std::string ErrorOf(const std::function<void()>& f) { return testing::MessageOf<Error>(f); }

TEST(Panorama, BadOptionsAreRejected) {
  PanoramaOptions o;
  o.elevation_min_deg = 10;
  EXPECT_THAT(ErrorOf([&] { Panorama(MakeDefaultRig({}, kPitch), o); }),
              ::testing::HasSubstr("panorama elevation range [10, -2.5] is invalid"));
}

// Issue 7: a 1e6 x 1e6 panorama was attempted (and allocated until killed).
TEST(Panorama, SizeIsBounded) {
  PanoramaOptions o;
  o.width_px = 1000000;
  o.height_px = 1000000;
  EXPECT_THAT(ErrorOf([&] { o.Check(); }),
              ::testing::HasSubstr("panorama size 1000000x1000000 is larger than ipt handles (at most 16384 px a side"));
  o.width_px = o.height_px = 16384;  // each side allowed, the pixel count not
  EXPECT_THAT(ErrorOf([&] { o.Check(); }), ::testing::HasSubstr("is larger than ipt handles"));
  o.width_px = 8192;
  o.height_px = 4096;
  EXPECT_NO_THROW(o.Check());
}

// A camera that sees none of the panorama leaves its part black instead of
// refusing the rig (the synthetic rig's documented ranges include such views).
TEST(Panorama, CameraSeeingNothingOfThePanoramaStaysBlack) {
  PanoramaOptions o;
  o.width_px = 64;
  o.height_px = 32;
  o.azimuth_min_deg = 60;  // only the right part of the pitch: the left camera sees none of it
  o.azimuth_max_deg = 90;
  o.elevation_min_deg = -30;
  o.elevation_max_deg = -10;
  RigOptions r;
  r.image_width_px = 160;
  r.image_height_px = 90;
  Rig rig = MakeDefaultRig(r, kPitch);
  Panorama pano(rig, o);
  cv::Mat white(90, 160, CV_8UC3, cv::Scalar::all(255)), out;
  pano.Stitch(white, white, &out);
  EXPECT_GT(cv::countNonZero(out.reshape(1)), 0);
  // And a view neither camera sees (straight up) is all black.
  o.elevation_min_deg = 80;
  o.elevation_max_deg = 89;
  Panorama sky(rig, o);
  out.setTo(cv::Scalar::all(7));
  sky.Stitch(white, white, &out);
  EXPECT_EQ(cv::countNonZero(out.reshape(1)), 0);
}

}  // namespace
}  // namespace ipt::geometry
