#include "ipt/sim/synthetic_match.h"

#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <unistd.h>

#include <map>
#include <set>

#include "ipt/io/match_dir.h"
#include "ipt/util/check.h"

namespace ipt::sim {
namespace {
namespace fs = std::filesystem;

TEST(SyntheticMatch, PeopleRosterAndAnnotations) {
  SimConfig config;
  SyntheticMatch m = SimulateMatch(config, 11, 4.0);
  EXPECT_EQ(m.info.frame_count, 100);
  ASSERT_EQ(m.people.on_pitch.size(), 25u);  // 2 x 11 + 3 referees
  EXPECT_EQ(m.info.roster.size(), 25u + 2 * 5u);  // + benches
  std::map<int, std::set<int>> jerseys;
  std::map<io::Category, int> count;
  for (const auto& p : m.people.on_pitch) {
    ++count[p.entry.category];
    if (p.team >= 0) {
      ASSERT_TRUE(p.entry.jersey.has_value());
      EXPECT_GE(*p.entry.jersey, 1);
      EXPECT_LE(*p.entry.jersey, 99);
      EXPECT_TRUE(jerseys[p.team].insert(*p.entry.jersey).second) << "duplicate jersey";
      EXPECT_GE(p.look.height_m, 1.65);
      EXPECT_LE(p.look.height_m, 1.95);
    } else {
      EXPECT_FALSE(p.entry.jersey.has_value());
    }
  }
  EXPECT_EQ(count[io::Category::kGoalkeeperA], 1);
  EXPECT_EQ(count[io::Category::kGoalkeeperB], 1);
  EXPECT_EQ(count[io::Category::kTeamA], 10);
  EXPECT_EQ(count[io::Category::kReferee], 3);
  ASSERT_EQ(m.annotations.size(), 100u * 25u);
  EXPECT_NO_THROW(io::CheckAnnotationsAgainstRoster(m.annotations, m.info, "sim"));
  int in_view = 0;
  for (const auto& a : m.annotations) in_view += a.in_view;
  EXPECT_GT(in_view, 0.9 * m.annotations.size());
}

TEST(SyntheticMatch, KitSimilarityBringsTeamShirtsTogether) {
  auto shirt_distance = [](double similarity) {
    PeopleOptions o;
    o.kit_similarity = similarity;
    double total = 0;
    for (uint64_t seed = 0; seed < 20; ++seed) {
      Rng rng(seed);
      People p = MakePeople(o, rng);
      cv::Vec3b a = p.on_pitch[1].look.shirt, b = p.on_pitch[12].look.shirt;  // outfield A vs B
      total += cv::norm(cv::Vec3d(a[0], a[1], a[2]) - cv::Vec3d(b[0], b[1], b[2]));
    }
    return total / 20;
  };
  EXPECT_LT(shirt_distance(1.0), 0.5 * shirt_distance(0.0));
}

fs::path TempDir(const std::string& name) {
  fs::path dir = testing::FreshTempDir("synth_" + name);
  fs::remove_all(dir);  // the writer creates it
  return dir;
}

SimConfig SmallConfig() {
  SimConfig c;
  c.rig.image_width_px = 320;
  c.rig.image_height_px = 180;
  return c;
}

TEST(SyntheticMatch, WritesAValidMatchDirectoryAtomically) {
  fs::path out = TempDir("ok");
  WriteSyntheticMatch(SmallConfig(), 5, 1.0, out, {});
  io::MatchDir match = io::OpenMatchDir(out);  // validates yaml, videos and annotations
  EXPECT_EQ(match.info.frame_count, 25);
  ASSERT_TRUE(match.annotations.has_value());
  EXPECT_EQ(match.annotations->size(), 25u * 25u);
  EXPECT_THROW(WriteSyntheticMatch(SmallConfig(), 5, 1.0, out, {}), Error);  // exists
  // A failure half-way leaves neither a partial directory nor a changed old one.
  SimConfig bad = SmallConfig();
  bad.render.codec = "zzzz";
  WriteOptions overwrite;
  overwrite.overwrite = true;
  EXPECT_ANY_THROW(WriteSyntheticMatch(bad, 6, 1.0, out, overwrite));
  EXPECT_EQ(io::OpenMatchDir(out).info.name, "synthetic-seed-5");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(out.parent_path())) {
    entries += e.path().filename().string().rfind(out.filename().string(), 0) == 0;
  }
  EXPECT_EQ(entries, 1) << "a temporary directory was left behind";
  fs::remove_all(out);
}

}  // namespace
}  // namespace ipt::sim
