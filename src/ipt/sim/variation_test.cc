#include "ipt/sim/variation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "ipt/geometry/panorama.h"
#include "ipt/geometry/rig.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::sim {
namespace {

constexpr int kSeeds = 12;

bool Within(double v, const Range& r) { return v >= r.lo && v <= r.hi; }

TEST(Variation, IsDeterministicPerSeed) {
  const SimConfig base;
  EXPECT_EQ(DescribeVariation(Vary(base, 1000)), DescribeVariation(Vary(base, 1000)));
  EXPECT_NE(DescribeVariation(Vary(base, 1000)), DescribeVariation(Vary(base, 1001)));
}

TEST(Variation, DrawsWithinTheRangesAndKeepsTheRest) {
  const SimConfig base;
  const VariationRanges ranges;
  std::set<std::string> codecs, lenses;
  std::set<std::array<int, 2>> sizes;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    const SimConfig c = Vary(base, seed, ranges);
    SCOPED_TRACE(DescribeVariation(c));
    EXPECT_NO_THROW(c.Check());
    EXPECT_TRUE(Within(c.pitch.length_m, ranges.pitch_length_m));
    EXPECT_TRUE(Within(c.pitch.width_m, ranges.pitch_width_m));
    EXPECT_TRUE(Within(c.rig.height_m, ranges.rig_height_m));
    EXPECT_TRUE(Within(c.rig.behind_touchline_m, ranges.behind_touchline_m));
    EXPECT_TRUE(Within(c.rig.yaw_deg, ranges.yaw_deg));
    const bool fisheye = c.rig.lens == geometry::LensModel::kFisheye;
    EXPECT_TRUE(Within(c.rig.horizontal_fov_deg, fisheye ? ranges.fisheye_fov_deg : ranges.pinhole_fov_deg));
    EXPECT_TRUE(Within(c.people.kit_similarity, ranges.kit_similarity));
    EXPECT_TRUE(Within(c.render.noise_sigma, ranges.noise_sigma));
    EXPECT_TRUE(Within(c.render.lighting_amplitude, ranges.lighting_amplitude));
    EXPECT_TRUE(Within(c.render.sun_elevation_deg, ranges.sun_elevation_deg));
    EXPECT_TRUE(Within(c.render.shadow_strength, ranges.shadow_strength));
    EXPECT_TRUE(Within(c.render.vignetting, ranges.vignetting));
    codecs.insert(c.render.codec);
    lenses.insert(geometry::LensModelName(c.rig.lens));
    // What is not varied is the base's.
    EXPECT_EQ(c.fps, base.fps);
    sizes.insert({c.rig.image_width_px, c.rig.image_height_px});
    EXPECT_EQ(c.people.players_per_team, base.people.players_per_team);
    EXPECT_EQ(c.motion.max_speed_mps, base.motion.max_speed_mps);
    EXPECT_EQ(c.panorama.width_px, base.panorama.width_px);
  }
  EXPECT_EQ(codecs.size(), ranges.codecs.size());
  const std::set<std::array<int, 2>> all_sizes(ranges.image_sizes_px.begin(), ranges.image_sizes_px.end());
  EXPECT_EQ(sizes, all_sizes);
  EXPECT_EQ(lenses.size(), 2u);
}

// The whole pitch, on a grid finer than the search's, feet and heads, is inside a
// camera image and inside the panorama.
TEST(Variation, TheWholePitchStaysInViewAndInThePanorama) {
  SimConfig base;
  base.panorama.width_px = 128;  // small remap tables; the angles are those of 1024 x 512
  base.panorama.height_px = 64;
  for (uint64_t seed = 100; seed < 100 + kSeeds; ++seed) {
    const SimConfig c = Vary(base, seed);
    SCOPED_TRACE(DescribeVariation(c));
    EXPECT_GE(PitchCoverageMarginPx(c, 1.0), 0.0);
    const geometry::Panorama panorama(geometry::MakeDefaultRig(c.rig, c.pitch), c.panorama);
    for (double x = 0; x <= c.pitch.length_m; x += c.pitch.length_m / 20) {
      for (double z = 0; z <= c.pitch.width_m; z += c.pitch.width_m / 12) {
        for (double height : {0.0, c.people.max_height_m}) {
          auto p = panorama.PixelFromPitch(geometry::PitchPoint({x, z}, height));
          ASSERT_TRUE(p.has_value());
          EXPECT_TRUE(panorama.InImage(*p)) << x << ", " << z << " at " << height << " m: " << p->transpose();
        }
      }
    }
  }
}

TEST(Variation, TheDefaultRigSeesThePitch) {
  // The search's criterion holds for the hand-made default rig too.
  EXPECT_GE(PitchCoverageMarginPx(SimConfig{}), kMinCoverageMarginPx);
}

TEST(Variation, BadRangesAreRefused) {
  VariationRanges r;
  r.rig_height_m = {10, 5};
  EXPECT_THAT(testing::MessageOf<Error>([&] { Vary(SimConfig{}, 1, r); }),
              ::testing::HasSubstr("variation range rig_height_m [10, 5] is invalid"));
  r = {};
  r.codecs.clear();
  EXPECT_THAT(testing::MessageOf<Error>([&] { Vary(SimConfig{}, 1, r); }), ::testing::HasSubstr("codecs"));
  r = {};
  r.rig_height_m = {200, 300};  // RigOptions::Check refuses every draw
  EXPECT_THAT(testing::MessageOf<Error>([&] { Vary(SimConfig{}, 1, r); }),
              ::testing::HasSubstr("sees the whole pitch"));
}

}  // namespace
}  // namespace ipt::sim
