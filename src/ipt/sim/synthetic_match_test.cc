#include "ipt/sim/synthetic_match.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "ipt/io/match_dir.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::sim {
namespace {
namespace fs = std::filesystem;

TEST(SyntheticMatch, PeopleRosterAndAnnotations) {
  SimConfig config;
  SyntheticMatch m = SimulateMatch(config, 11, 4.0);
  EXPECT_EQ(m.info.frame_count, 100);
  ASSERT_EQ(m.people.on_pitch.size(), 25u);  // 2 x 11 + 3 referees
  EXPECT_EQ(m.info.roster.size(), 25u + 2 * 5u);  // + benches
  // The line-up: exactly the people on the pitch start; the bench never comes on.
  std::set<int> on_pitch;
  for (const auto& p : m.people.on_pitch) on_pitch.insert(p.entry.player_id);
  for (const auto& e : m.info.roster) EXPECT_EQ(e.starts, on_pitch.count(e.player_id) == 1) << e.player_id;
  EXPECT_TRUE(m.info.substitutions.empty());
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

// Substitutes: each starter called off walks off by the nearest touchline, his
// substitute enters at the halfway line on the near side in the next frame, wears
// his team's kit and the bench entry's number; match.yaml says so and its own
// checks (line-up, annotations) accept what the sim wrote.
TEST(SyntheticMatch, SubstitutesComeOnWhenTheirManHasLeft) {
  SimConfig config;
  config.fps = 10;
  config.people.substitutions_per_team = 2;
  const int kStarters = 25;
  for (uint64_t seed : {3u, 4u}) {
    SyntheticMatch m = SimulateMatch(config, seed, 60.0);
    ASSERT_EQ(m.people.on_pitch.size(), kStarters + 4u);
    ASSERT_EQ(m.info.substitutions.size(), 4u) << "seed " << seed;  // called within 30 s, done within 30 more
    const fs::path yaml = testing::FreshTempDir("synth_subs") / io::kMatchYamlName;
    io::WriteMatchYaml(m.info, yaml);
    io::MatchInfo read;
    ASSERT_NO_THROW(read = io::ReadMatchYaml(yaml));  // its line-up checks
    ASSERT_EQ(read.substitutions.size(), 4u);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(read.substitutions[k].player_in, m.info.substitutions[k].player_in);
    EXPECT_NO_THROW(io::CheckAnnotationsAgainstRoster(m.annotations, m.info, "sim"));
    std::map<int, std::vector<const io::Annotation*>> rows_of;  // player id -> rows in frame order
    for (const auto& a : m.annotations) rows_of[a.person_id].push_back(&a);
    std::set<int> off_ids;
    for (const io::Substitution& s : m.info.substitutions) {
      const SimPerson* on = nullptr;
      for (const auto& p : m.people.on_pitch) on = p.entry.player_id == *s.player_in ? &p : on;
      ASSERT_NE(on, nullptr);
      EXPECT_FALSE(on->entry.starts);
      EXPECT_TRUE(off_ids.insert(s.player_out).second) << "one substitution per player";
      const auto& off_rows = rows_of.at(s.player_out);
      const auto& on_rows = rows_of.at(*s.player_in);
      EXPECT_EQ(off_rows.back()->frame, s.frame - 1);
      EXPECT_EQ(on_rows.front()->frame, s.frame);
      EXPECT_EQ(on_rows.back()->frame, m.info.frame_count);
      EXPECT_EQ(static_cast<int>(on_rows.size()), m.info.frame_count - s.frame + 1);
      EXPECT_EQ(off_rows.back()->category, on_rows.front()->category);
      EXPECT_EQ(on_rows.front()->jersey, on->entry.jersey);
      // Off by a touchline, on at the halfway line beyond the near one.
      const double off_z = off_rows.back()->z_m, width = config.pitch.width_m;
      EXPECT_LT(std::min(std::abs(off_z + 1.0), std::abs(off_z - width - 1.0)), 0.6) << off_z;
      const double one_step_m = config.motion.max_speed_mps / config.fps;  // he enters, then takes a step
      EXPECT_LT(std::hypot(on_rows.front()->x_m - config.pitch.length_m / 2, on_rows.front()->z_m - width - 1.0),
                one_step_m);
      // The substitute moves no faster than anyone may.
      for (size_t k = 1; k < on_rows.size(); ++k) {
        const double step = std::hypot(on_rows[k]->x_m - on_rows[k - 1]->x_m, on_rows[k]->z_m - on_rows[k - 1]->z_m);
        ASSERT_LE(step, config.motion.max_speed_mps / config.fps + 0.2);
      }
    }
    // Everyone else plays throughout: 22 players and 3 referees in every frame.
    std::map<int, int> per_frame;
    for (const auto& a : m.annotations) ++per_frame[a.frame];
    for (const auto& [frame, count] : per_frame) EXPECT_EQ(count, kStarters) << "frame " << frame;
  }
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
  EXPECT_TRUE(fs::is_regular_file(out / kOutputMarker)) << "the match directory lacks ipt's output marker";
  EXPECT_THROW(WriteSyntheticMatch(SmallConfig(), 5, 1.0, out, {}), Error);  // exists
  // A failure half-way leaves neither a partial directory nor a changed old one.
  SimConfig bad = SmallConfig();
  bad.render.codec = "zzzz";
  WriteOptions overwrite;
  overwrite.overwrite = true;
  try {
    WriteSyntheticMatch(bad, 6, 1.0, out, overwrite);
    ADD_FAILURE() << "codec zzzz was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot open a zzzz video writer")) << e.what();
  }
  EXPECT_EQ(io::OpenMatchDir(out).info.name, "synthetic-seed-5");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(out.parent_path())) {
    entries += e.path().filename().string().rfind(out.filename().string(), 0) == 0;
  }
  EXPECT_EQ(entries, 1) << "a temporary directory was left behind";
  fs::remove_all(out);
}


// The ipt::Error that `f` throws ("no error" when none: the comparison then fails).
std::string ErrorOf(const std::function<void()>& f) { return testing::MessageOf<Error>(f); }

// Issue 7: `--force` replaced any existing directory, e.g. ~/important.
TEST(SyntheticMatch, ForceReplacesOnlyADirectoryIptWrote) {
  fs::path out = TempDir("foreign");
  fs::create_directories(out);
  std::ofstream(out / "thesis.tex") << "years of work";
  WriteOptions force;
  force.overwrite = true;
  EXPECT_THAT(ErrorOf([&] { WriteSyntheticMatch(SmallConfig(), 5, 0.2, out, force); }),
              ::testing::HasSubstr("was not written by ipt"));
  EXPECT_TRUE(fs::exists(out / "thesis.tex")) << "a foreign directory was replaced";
  // A regular file is not replaced either.
  fs::path file = out.string() + ".txt";
  std::ofstream(file) << "notes";
  EXPECT_THAT(ErrorOf([&] { WriteSyntheticMatch(SmallConfig(), 5, 0.2, file, force); }),
              ::testing::HasSubstr("is not a directory"));
  EXPECT_TRUE(fs::is_regular_file(file));
  // A match ipt wrote is replaced.
  fs::path mine = TempDir("mine");
  WriteSyntheticMatch(SmallConfig(), 5, 0.2, mine, {});
  EXPECT_NO_THROW(WriteSyntheticMatch(SmallConfig(), 6, 0.2, mine, force));
  EXPECT_EQ(io::OpenMatchDir(mine).info.name, "synthetic-seed-6");
  fs::remove_all(out);
  fs::remove(file);
  fs::remove_all(mine);
}

// Issue 7: `ipt sim --seconds 1e9` wrapped to a 1-frame match; lengths and frame
// counts are bounded before any work.
TEST(SyntheticMatch, LengthIsBounded) {
  EXPECT_EQ(MatchFrameCount(4.0, 25), 100);
  EXPECT_EQ(MatchFrameCount(0.001, 25), 1);
  EXPECT_EQ(MatchFrameCount(limits::kMaxMatchSeconds, 25), limits::kMaxFrames);
  EXPECT_THAT(ErrorOf([] { MatchFrameCount(1e9, 25); }),
              ::testing::HasSubstr("the match length must be in (0, 43200] seconds"));
  EXPECT_THAT(ErrorOf([] { MatchFrameCount(std::nan(""), 25); }), ::testing::HasSubstr("the match length"));
  EXPECT_THAT(ErrorOf([] { MatchFrameCount(-1, 25); }), ::testing::HasSubstr("the match length"));
  EXPECT_THAT(ErrorOf([] { MatchFrameCount(40000, 120); }), ::testing::HasSubstr("more than the 1080000 ipt handles"));
  fs::path out = TempDir("long");
  EXPECT_THAT(ErrorOf([&] { WriteSyntheticMatch(SmallConfig(), 5, 1e9, out, {}); }),
              ::testing::HasSubstr("the match length"));
  EXPECT_FALSE(fs::exists(out));
  WriteOptions threads;
  threads.threads = 70000;
  EXPECT_THAT(ErrorOf([&] { WriteSyntheticMatch(SmallConfig(), 5, 1, out, threads); }),
              ::testing::HasSubstr("threads must be 1 or 2"));
}

// Everything SimConfig allocates from is bounded.
TEST(SyntheticMatch, ConfigSizesAreBounded) {
  SimConfig c = SmallConfig();
  c.rig.image_width_px = 1000000;
  c.rig.image_height_px = 1000000;
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("rig image size 1000000x1000000"));
  c = SmallConfig();
  c.rig.image_width_px = c.rig.image_height_px = 16384;  // 268 Mpx
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("rig image size 16384x16384"));
  c = SmallConfig();
  c.panorama.width_px = c.panorama.height_px = 1000000;
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("panorama size 1000000x1000000"));
  c = SmallConfig();
  c.fps = 1e6;
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("fps must be in [1, 120]"));
  c = SmallConfig();
  c.people.bench_per_team = 1000000;
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("people.bench_per_team must be in 0..30"));
  c = SmallConfig();
  c.pitch.length_m = 1e6;
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("pitch must be"));
  // A field of view the distortion cannot map one-to-one (the focal length was negative).
  c = SmallConfig();
  c.rig.lens = geometry::LensModel::kPinholeRadTan;
  c.rig.horizontal_fov_deg = 150;
  c.rig.distortion = {-0.1, 0, 0, 0, 0};
  EXPECT_THAT(ErrorOf([&] { c.Check(); }), ::testing::HasSubstr("is too wide for this distortion"));
}

TEST(Datasets, SeedListsAndSplits) {
  EXPECT_EQ(ParseSeedList("1000-1003"), (std::vector<uint64_t>{1000, 1001, 1002, 1003}));
  EXPECT_EQ(ParseSeedList("9000,9002,7"), (std::vector<uint64_t>{9000, 9002, 7}));
  EXPECT_EQ(ParseSeedList("5"), (std::vector<uint64_t>{5}));
  EXPECT_EQ(ParseSeedList("18446744073709551615-18446744073709551615").size(), 1u);  // no wrap-around
  EXPECT_EQ(ParseSeedList("1000-4999").size(), 4000u);
  EXPECT_THAT(ErrorOf([] { ParseSeedList("3-1"); }), ::testing::HasSubstr("the range is empty"));
  EXPECT_THAT(ErrorOf([] { ParseSeedList("0-18446744073709551615"); }), ::testing::HasSubstr("more than 10000 seeds"));
  EXPECT_THAT(ErrorOf([] { ParseSeedList("1,2,1"); }), ::testing::HasSubstr("seed 1 is listed twice"));
  for (const char* bad : {"", "-2", "1-", "1-2-3", "a", "1,,2", "1, 2", "1,", "99999999999999999999"}) {
    EXPECT_THAT(ErrorOf([&] { ParseSeedList(bad); }), ::testing::HasSubstr("is not an integer")) << bad;
  }
  EXPECT_EQ(DatasetMatchDir("data/train", 1000), fs::path("data/train/seed-1000"));
  EXPECT_EQ(SplitOfSeed(999), SeedSplit::kHeldOut);
  EXPECT_EQ(SplitOfSeed(1000), SeedSplit::kTrain);
  EXPECT_EQ(SplitOfSeed(4999), SeedSplit::kTrain);
  EXPECT_EQ(SplitOfSeed(5000), SeedSplit::kValidate);
  EXPECT_EQ(SplitOfSeed(5999), SeedSplit::kValidate);
  EXPECT_EQ(SplitOfSeed(6000), SeedSplit::kHeldOut);
  EXPECT_EQ(SplitOfSeed(kDemoSeed), SeedSplit::kHeldOut);
}

}  // namespace
}  // namespace ipt::sim
