#include "ipt/sim/jersey_scenes.h"

#include <gtest/gtest.h>

#include <set>

#include "ipt/geometry/crop.h"
#include "ipt/util/check.h"

namespace ipt::sim {
namespace {

// HD renders fastest; full HD is the smallest size with many legible numbers.
JerseySceneOptions SmallOptions(double legible_share, std::array<int, 2> size = {1280, 720}) {
  JerseySceneOptions o;
  o.scenes_per_stadium = 3;
  o.people_per_scene = 12;
  o.legible_share = legible_share;
  o.image_sizes_px = {size};
  return o;
}

std::vector<JerseyScene> Render(uint64_t seed, const JerseySceneOptions& o) {
  std::vector<JerseyScene> scenes;
  RenderJerseyScenes(SimConfig(), seed, o, [&](const JerseyScene& s) {
    JerseyScene copy = s;
    for (int c = 0; c < 2; ++c) copy.frames[c] = s.frames[c].clone();
    scenes.push_back(std::move(copy));
  });
  return scenes;
}

struct Counts {
  int with_number = 0, legible = 0;
  std::set<int> numbers;
};

Counts Count(const std::vector<JerseyScene>& scenes) {
  Counts c;
  for (const auto& s : scenes) {
    for (const auto& a : s.people) {
      if (!a.jersey) continue;
      ++c.with_number;
      c.legible += a.legibility == io::Legibility::kLegible;
      c.numbers.insert(*a.jersey);
    }
  }
  return c;
}

TEST(JerseyScenes, RendersCompressedFramesOfLabelledPeople) {
  const JerseySceneOptions o = SmallOptions(0.75);
  const auto scenes = Render(3000, o);
  ASSERT_EQ(scenes.size(), 3u);
  for (size_t i = 0; i < scenes.size(); ++i) {
    const JerseyScene& s = scenes[i];
    EXPECT_EQ(s.index, static_cast<int>(i));
    EXPECT_EQ(static_cast<int>(s.people.size()), o.people_per_scene);
    std::set<int> ids;
    for (const auto& a : s.people) {
      ids.insert(a.person_id);
      EXPECT_EQ(a.frame, 1);
      if (a.jersey) {
        EXPECT_TRUE(*a.jersey >= 0 && *a.jersey <= io::kMaxJersey);
      }
      // Everyone stands where a crop can be cut (the placement's condition).
      EXPECT_TRUE(geometry::MakeCropView(s.rig.cameras, {a.x_m, a.z_m}).has_value());
    }
    EXPECT_EQ(ids.size(), s.people.size());
    for (int c = 0; c < 2; ++c) {
      EXPECT_EQ(s.frames[c].type(), CV_8UC3);
      EXPECT_EQ(s.frames[c].cols, 1280);
      EXPECT_EQ(s.frames[c].rows, 720);
      EXPECT_EQ(s.rig.cameras[c].intrinsics().width_px, 1280);
    }
  }
}

TEST(JerseyScenes, IsDeterministicPerSeed) {
  const JerseySceneOptions o = SmallOptions(0.75);
  const auto a = Render(3001, o), b = Render(3001, o), other = Render(3002, o);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (int c = 0; c < 2; ++c) EXPECT_EQ(cv::norm(a[i].frames[c], b[i].frames[c], cv::NORM_INF), 0);
    ASSERT_EQ(a[i].people.size(), b[i].people.size());
    for (size_t k = 0; k < a[i].people.size(); ++k) {
      EXPECT_EQ(a[i].people[k].x_m, b[i].people[k].x_m);
      EXPECT_EQ(a[i].people[k].jersey, b[i].people[k].jersey);
      EXPECT_EQ(a[i].people[k].legibility, b[i].people[k].legibility);
    }
  }
  EXPECT_NE(a[0].people[0].x_m, other[0].people[0].x_m);
}

// The placement is what makes the scenes useful: aimed at legibility, most numbers
// are legible (a match shows legible numbers in about 0.4 % of its HD rows).
TEST(JerseyScenes, PlacementMakesNumbersLegible) {
  const Counts aimed = Count(Render(3003, SmallOptions(1.0, {1920, 1080})));
  const Counts anywhere = Count(Render(3003, SmallOptions(0.0, {1920, 1080})));
  ASSERT_GT(aimed.with_number, 20);
  ASSERT_GT(anywhere.with_number, 20);
  EXPECT_GE(aimed.legible, 0.6 * aimed.with_number) << aimed.legible << " of " << aimed.with_number;
  EXPECT_LE(anywhere.legible, 0.25 * anywhere.with_number) << anywhere.legible << " of " << anywhere.with_number;
  // Numbers are drawn per person, not from a team's roster: many distinct ones.
  EXPECT_GE(aimed.numbers.size(), 20u);
}

TEST(JerseyScenes, RefusesBadOptions) {
  auto refused = [](auto edit) {
    JerseySceneOptions o = SmallOptions(0.5);
    edit(o);
    EXPECT_THROW(RenderJerseyScenes(SimConfig(), 1, o, [](const JerseyScene&) {}), Error);
  };
  refused([](JerseySceneOptions& o) { o.scenes_per_stadium = 0; });
  refused([](JerseySceneOptions& o) { o.people_per_scene = 0; });
  refused([](JerseySceneOptions& o) { o.legible_share = 1.5; });
  refused([](JerseySceneOptions& o) { o.image_sizes_px.clear(); });
  refused([](JerseySceneOptions& o) { o.image_sizes_px = {{0, 720}}; });
  refused([](JerseySceneOptions& o) { o.jpeg_quality_min = 95, o.jpeg_quality_max = 90; });
}

}  // namespace
}  // namespace ipt::sim
