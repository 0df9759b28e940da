#include "ipt/io/match.h"
#include "ipt/io/match_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <regex>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::io {
namespace {
namespace fs = std::filesystem;

MatchInfo TestMatch() {
  MatchInfo m;
  m.name = "test";
  m.frame_count = 50;
  geometry::Rig rig = geometry::MakeDefaultRig({}, m.pitch);
  m.cameras = {{rig.cameras[0], "left.mp4"}, {rig.cameras[1], "right.mp4"}};
  m.roster = {{1, Category::kTeamA, 10, "A10"},
              {2, Category::kGoalkeeperB, 1, "B01"},
              {3, Category::kReferee, std::nullopt, "Ref", RefereeStation::kPitch}};
  return m;
}

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() / ("ipt_match_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(MatchYaml, RoundTrip) {
  fs::path file = TempDir() / "match.yaml";
  MatchInfo m = TestMatch();
  WriteMatchYaml(m, file);
  MatchInfo back = ReadMatchYaml(file);
  EXPECT_EQ(back.frame_count, 50);
  EXPECT_EQ(back.fps, 25.0);
  ASSERT_EQ(back.cameras.size(), 2u);
  EXPECT_EQ(back.cameras[1].video, "right.mp4");
  const auto& a = m.cameras[0].camera;
  const auto& b = back.cameras[0].camera;
  EXPECT_EQ(a.intrinsics().fx, b.intrinsics().fx);  // 17 significant digits: exact
  EXPECT_TRUE(a.camera_from_pitch().isApprox(b.camera_from_pitch(), 1e-15));
  ASSERT_EQ(back.roster.size(), 3u);
  EXPECT_EQ(back.roster[0].jersey, 10);
  EXPECT_EQ(back.roster[2].category, Category::kReferee);
  EXPECT_FALSE(back.roster[2].jersey.has_value());
  EXPECT_EQ(back.roster[2].station, RefereeStation::kPitch);
  EXPECT_FALSE(back.roster[0].station.has_value());
  // The default rig stands beyond the touchline z = width: that one is the near one.
  EXPECT_TRUE(back.NearTouchlineIsFarSide());
  back.cameras.clear();
  EXPECT_FALSE(back.NearTouchlineIsFarSide());
}

// TestMatch with a line-up: player 4 comes on for 1 at frame 20 and is sent off at 30;
// 5 (team A) and 6 (team B) stay on the bench.
MatchInfo TestMatchWithSubstitutions() {
  MatchInfo m = TestMatch();
  m.roster.push_back({4, Category::kTeamA, 11, "A11", std::nullopt, /*starts=*/false});
  m.roster.push_back({5, Category::kTeamA, 12, "A12", std::nullopt, /*starts=*/false});
  m.roster.push_back({6, Category::kTeamB, 7, "B07", std::nullopt, /*starts=*/false});
  m.substitutions = {{20, 1, 4}, {30, 4, std::nullopt}};
  m.substitution_tolerance_seconds = 0;  // exact frames
  return m;
}

// Edits the written YAML with a regex, reads it back, and returns the error text.
std::string ErrorAfterEdit(const std::string& pattern, const std::string& replacement,
                           const MatchInfo& match = TestMatch()) {
  fs::path file = TempDir() / "edited.yaml";
  WriteMatchYaml(match, file);
  std::string text = ReadFile(file);
  std::string edited = std::regex_replace(text, std::regex(pattern), replacement,
                                          std::regex_constants::format_first_only);
  EXPECT_NE(edited, text) << "pattern " << pattern << " did not match";
  std::ofstream(file) << edited;
  try {
    ReadMatchYaml(file);
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << pattern;
  return "";
}

TEST(MatchYaml, BadInputNamesFileLineAndField) {
  EXPECT_NE(ErrorAfterEdit("fps: 25\n", "").find("field 'fps': missing"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("fps: 25", "fps: .nan").find("field 'fps': must be a finite number"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("frame_count: 50", "frame_count: fifty").find("field 'frame_count'"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("category: referee", "category: linesman").find("unknown category 'linesman'"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("player_id: 2", "player_id: 1").find("duplicate player_id"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("station: pitch", "station: bench").find("field 'roster[2].station': unknown station 'bench'"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("name: A10", "name: A10, station: pitch").find("only referees have a station"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("jersey: 10", "jersey: 100").find("0..99"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("model: fisheye", "model: orthographic").find("cameras[0].model"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("fx: [0-9.e+-]+", "fx: -3").find("invalid calibration"), std::string::npos);
  // A rotation that is not a rotation: wrong calibration.
  EXPECT_NE(ErrorAfterEdit("rotation:\n( *)- \\[[^\\]]*\\]", "rotation:\n$1- [2, 0, 0]").find("orthonormal"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("distortion: \\[[^\\]]*\\]", "distortion: [1, 2]").find("cameras[0].distortion"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("format: ipt-match/1", "format: other/9").find("unsupported format"),
            std::string::npos);
  // Line numbers point at the offending line (fps is on line 4 of the written file).
  EXPECT_NE(ErrorAfterEdit("fps: 25", "fps: -1").find("edited.yaml:4: field 'fps'"), std::string::npos);
}

TEST(MatchYaml, LineUpAndSubstitutionsGiveThePlayingFrames) {
  fs::path file = TempDir() / "lineup.yaml";
  WriteMatchYaml(TestMatchWithSubstitutions(), file);
  const MatchInfo back = ReadMatchYaml(file);
  ASSERT_EQ(back.roster.size(), 6u);
  EXPECT_TRUE(back.roster[0].starts);
  EXPECT_FALSE(back.roster[3].starts);
  ASSERT_EQ(back.substitutions.size(), 2u);
  EXPECT_EQ(back.substitutions[0].player_in, 4);
  EXPECT_FALSE(back.substitutions[1].player_in.has_value());
  auto frames = [&](int player_id) { return back.PlayingFrames(*back.FindPerson(player_id)); };
  ASSERT_TRUE(frames(1) && frames(2) && frames(4));
  EXPECT_EQ(frames(1)->first_frame, 1);
  EXPECT_EQ(frames(1)->last_frame, 19);  // the substitution's frame is the first without him
  EXPECT_EQ(frames(4)->first_frame, 20);
  EXPECT_EQ(frames(4)->last_frame, 29);
  EXPECT_EQ(frames(2)->last_frame, 50);
  EXPECT_FALSE(frames(5).has_value());  // on the bench throughout
  const RosterEntry& sub = *back.FindPerson(4);
  EXPECT_TRUE(back.PlaysThroughout(sub, {20, 29}));
  EXPECT_FALSE(back.PlaysThroughout(sub, {19, 25}));
  EXPECT_FALSE(back.PlaysThroughout(sub, {25, 30}));
  // Without a line-up everyone plays throughout, as before line-ups existed.
  const MatchInfo plain = TestMatch();
  EXPECT_TRUE(plain.PlaysThroughout(plain.roster[0], {1, 50}));
}

// A substitution frame read off a clock: within its tolerance both players may play.
TEST(MatchYaml, SubstitutionToleranceWidensBothPlayersFrames) {
  MatchInfo m = TestMatchWithSubstitutions();  // 25 fps, 50 frames; 1 -> 4 at 20, 4 off at 30
  m.substitution_tolerance_seconds = 0.2;      // 5 frames
  fs::path file = TempDir() / "tolerance.yaml";
  WriteMatchYaml(m, file);
  const MatchInfo back = ReadMatchYaml(file);
  EXPECT_EQ(back.substitution_tolerance_seconds, 0.2);
  auto frames = [&](int player_id) { return *back.PlayingFrames(*back.FindPerson(player_id)); };
  EXPECT_EQ(frames(1).first_frame, 1);
  EXPECT_EQ(frames(1).last_frame, 19 + 5);
  EXPECT_EQ(frames(4).first_frame, 20 - 5);
  EXPECT_EQ(frames(4).last_frame, 29 + 5);
  EXPECT_EQ(frames(2).last_frame, 50);
  // Clamped to the match: a tolerance longer than it.
  m.substitution_tolerance_seconds = 10;
  EXPECT_EQ(m.PlayingFrames(*m.FindPerson(4))->first_frame, 1);
  EXPECT_EQ(m.PlayingFrames(*m.FindPerson(4))->last_frame, 50);
  EXPECT_FALSE(m.PlayingFrames(*m.FindPerson(5)).has_value());  // the bench stays the bench
  // Checked where it is used, also when made in code.
  m.substitution_tolerance_seconds = std::nan("");
  EXPECT_THROW(m.PlayingFrames(*m.FindPerson(4)), Error);
  m.substitution_tolerance_seconds = 601;
  EXPECT_THROW(m.SubstitutionBetween(std::nullopt, 10, 30), Error);
  // The default (a second) is not written, and is what a file without the key gets.
  WriteMatchYaml(TestMatch(), file);
  EXPECT_EQ(ReadFile(file).find("substitution_tolerance_seconds"), std::string::npos);
  EXPECT_EQ(ReadMatchYaml(file).substitution_tolerance_seconds, MatchInfo{}.substitution_tolerance_seconds);
}

TEST(MatchYaml, BadLineUpsNameTheField) {
  const MatchInfo m = TestMatchWithSubstitutions();
  EXPECT_NE(ErrorAfterEdit("starts: false", "starts: maybe", m).find("field 'roster[3].starts'"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("frame: 20", "frame: 51", m).find("field 'substitutions[0].frame': must be in 2..frame_count"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("frame: 20", "frame: 1", m).find("must be in 2..frame_count"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("frame: 30", "frame: 20", m).find("player 4 came on at frame 20"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("frame: 30", "frame: 10", m).find("field 'substitutions[1].frame': must not be before"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("out: 1", "out: 99", m).find("field 'substitutions[0].out': player 99 is not in the roster"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("out: 4", "out: 5", m).find("player 5 is not playing at frame 30"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("in: 4", "in: 2", m).find("field 'substitutions[0].in': player 2 has already played"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("in: 4", "in: 6", m).find("another category"), std::string::npos);
  // Session 22's keys get a hint.
  EXPECT_NE(ErrorAfterEdit("in: 4", "in: 4, on: 5", m)
                .find("field 'substitutions[0].on': the keys are now 'out' and 'in' (YAML 1.1 reads off / on as booleans)"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("out: 1", "off: 1", m).find("field 'substitutions[0].off': the keys are now 'out' and 'in'"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("in: 4", "in: 4, into: 5", m).find("field 'substitutions[0].into': unknown key"),
            std::string::npos);
  // (TestMatch() leaves the tolerance at its default, which is not written.)
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {"-1", "must be in [0, 600], got -1"},
           {"601", "must be in [0, 600], got 601"},
           {".inf", "must be a finite number"},
           {"soon", "cannot read 'soon'"}}) {
    EXPECT_NE(ErrorAfterEdit("fps: 25\n", "fps: 25\nsubstitution_tolerance_seconds: " + bad + "\n")
                  .find("field 'substitution_tolerance_seconds': " + message),
              std::string::npos)
        << bad;
  }
}

// Keys YAML forbids or IPT does not know are errors, not silently ignored.
TEST(MatchYaml, DuplicateAndUnknownKeysAreErrors) {
  EXPECT_NE(ErrorAfterEdit("fps: 25\n", "fps: 25\nfps: 30\n").find("edited.yaml:5: field 'fps': key given twice"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("player_id: 2,", "player_id: 2, player_id: 4,").find("key given twice"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("fps: 25\n", "fps: 25\nfsp: 30\n").find("field 'fsp': unknown key"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("player_id: 2,", "player_id: 2, nmae: x,").find("field 'roster[1].nmae': unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("seam_width_deg:", "seam_widht_deg:").find("field 'panorama.seam_widht_deg': unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("model: fisheye", "model: fisheye\n    lens: x").find("field 'cameras[0].lens': unknown key"),
            std::string::npos);
}

// Found by fuzzing: `teams:` holding a scalar used to escape as yaml-cpp's own exception.
TEST(MatchYaml, TeamsMustBeAMapping) {
  EXPECT_NE(ErrorAfterEdit("teams:\n(.|\n)*roster:", "teams: x\nroster:").find("field 'teams': expected a mapping"),
            std::string::npos);
}

TEST(MatchYaml, LimitsAndPathsAreChecked) {
  EXPECT_NE(ErrorAfterEdit("frame_count: 50", "frame_count: 2000000").find("must be in 1..1080000"), std::string::npos);
  EXPECT_NE(ErrorAfterEdit("video: left.mp4", "video: ../../etc/passwd").find("inside the match directory"),
            std::string::npos);
  EXPECT_NE(ErrorAfterEdit("video: left.mp4", "video: /tmp/x.mp4").find("inside the match directory"),
            std::string::npos);
  // A re-wrapped calibration error does not leak the internal [file.cc:line] location.
  const std::string calibration = ErrorAfterEdit("fx: [0-9.e+-]+", "fx: -3");
  EXPECT_EQ(calibration.find(".cc:"), std::string::npos) << calibration;
}

TEST(MatchYaml, MalformedYamlAndMissingFile) {
  fs::path file = TempDir() / "broken.yaml";
  std::ofstream(file) << "format: ipt-match/1\npitch: {length_m: 105, width_m: [\n";
  EXPECT_THROW(ReadMatchYaml(file), InputError);
  EXPECT_THROW(ReadMatchYaml(TempDir() / "absent.yaml"), InputError);
}

TEST(MatchDirs, FindsDirectoriesHoldingMatchYamlSorted) {
  fs::path root = TempDir() / "matches";
  fs::remove_all(root);
  for (const char* name : {"b", "a", "not_a_match"}) fs::create_directories(root / name);
  WriteMatchYaml(TestMatch(), root / "b" / "match.yaml");
  WriteMatchYaml(TestMatch(), root / "a" / "match.yaml");
  // A match still being written by `ipt sim` (its temporary sibling) is not listed.
  const fs::path writing = root / ("c.tmp-" + std::to_string(getpid()) + "-1-abc123");
  fs::create_directories(writing);
  WriteMatchYaml(TestMatch(), writing / "match.yaml");
  std::ofstream(root / "stray.yaml") << "x";
  EXPECT_EQ(FindMatchDirs(root), (std::vector<fs::path>{root / "a", root / "b"}));
  EXPECT_THROW(FindMatchDirs(root / "stray.yaml"), InputError);
}

TEST(Categories, NamesRoundTrip) {
  for (int i = 0; i < kNumCategories; ++i) {
    auto c = static_cast<Category>(i);
    EXPECT_EQ(ParseCategory(CategoryName(c)), c);
  }
  EXPECT_FALSE(ParseCategory("Team_A").has_value());
  EXPECT_EQ(CategoryTeam(Category::kGoalkeeperB), 1);
  EXPECT_EQ(CategoryTeam(Category::kReferee), -1);
}

}  // namespace
}  // namespace ipt::io
