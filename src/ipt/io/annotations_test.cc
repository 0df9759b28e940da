#include "ipt/io/annotations.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "ipt/io/detections.h"
#include "ipt/util/check.h"

namespace ipt::io {
namespace {
namespace fs = std::filesystem;

fs::path WriteText(const std::string& name, const std::string& text) {
  fs::path dir = fs::temp_directory_path() / ("ipt_ann_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

TEST(Annotations, RoundTrip) {
  std::vector<Annotation> rows = {
      {2, 5, 10.25, 3.5, Category::kTeamB, 9, true, 0.25, NumberSide::kBack, 11.5, Legibility::kLegible},
      {1, 7, 50.0, 60.125, Category::kReferee, std::nullopt, false, 0},
      {2, 8, 1.0, 2.0, Category::kTeamA, 12, true, 0.5, NumberSide::kSide, 2.5, Legibility::kNone},
      {2, 9, 1.0, 2.0, Category::kGoalkeeperA, 1, true, 0, NumberSide::kFront, 4.0, Legibility::kPartial}};
  fs::path file = WriteText("rt.csv", "");
  WriteAnnotationsCsv(rows, file);
  auto back = ReadAnnotationsCsv(file, 10);
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[0].frame, 1);  // sorted by frame
  EXPECT_EQ(back[0].person_id, 7);
  EXPECT_FALSE(back[0].jersey.has_value());
  EXPECT_FALSE(back[0].in_view);
  EXPECT_EQ(back[0].number_side, NumberSide::kNone);
  EXPECT_EQ(back[0].number_px, 0.0);
  EXPECT_EQ(back[0].legibility, Legibility::kNone);
  EXPECT_EQ(back[1].jersey, 9);
  EXPECT_DOUBLE_EQ(back[1].x_m, 10.25);
  EXPECT_DOUBLE_EQ(back[1].occluded, 0.25);
  EXPECT_EQ(back[1].number_side, NumberSide::kBack);
  EXPECT_DOUBLE_EQ(back[1].number_px, 11.5);
  EXPECT_EQ(back[1].legibility, Legibility::kLegible);
  EXPECT_EQ(back[2].number_side, NumberSide::kSide);
  EXPECT_DOUBLE_EQ(back[2].number_px, 2.5);
  EXPECT_EQ(back[2].legibility, Legibility::kNone);
  EXPECT_EQ(back[3].number_side, NumberSide::kFront);
  EXPECT_EQ(back[3].legibility, Legibility::kPartial);
}

TEST(Annotations, NumberLabelsAreOptional) {
  // Real data lacks them: defaults. Present, they are checked.
  fs::path file = WriteText("plain.csv", "frame,person_id,x_m,z_m,category,jersey\n1,3,1.5,2.5,team_a,7\n");
  auto rows = ReadAnnotationsCsv(file);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].number_side, NumberSide::kNone);
  EXPECT_EQ(rows[0].number_px, 0.0);
  EXPECT_EQ(rows[0].legibility, Legibility::kNone);
  file = WriteText("labels.csv", "legibility,number_px,number_side,frame,person_id,x_m,z_m,category,jersey\n"
                                 "1,6.0,front,1,3,1.5,2.5,team_a,7\n");
  rows = ReadAnnotationsCsv(file);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].number_side, NumberSide::kFront);
  EXPECT_DOUBLE_EQ(rows[0].number_px, 6.0);
  EXPECT_EQ(rows[0].legibility, Legibility::kPartial);
}

// The names recipes use for sides and legibility levels read back as what they name; others
// are refused.
TEST(Annotations, NumberSideAndLegibilityNamesRoundTrip) {
  for (NumberSide side : {NumberSide::kNone, NumberSide::kBack, NumberSide::kFront, NumberSide::kSide}) {
    EXPECT_EQ(ParseNumberSide(NumberSideName(side)), side);
  }
  for (Legibility l : {Legibility::kNone, Legibility::kPartial, Legibility::kLegible}) {
    EXPECT_EQ(ParseLegibility(LegibilityName(l)), l);
  }
  EXPECT_EQ(std::string(LegibilityName(Legibility::kPartial)), "partial");
  EXPECT_FALSE(ParseLegibility("Legible").has_value());
  EXPECT_FALSE(ParseLegibility("").has_value());
  EXPECT_FALSE(ParseNumberSide("sideways").has_value());
}

TEST(Annotations, MinimalColumnsInAnyOrderAndExtraColumns) {
  fs::path file = WriteText("min.csv",
                            "person_id,frame,x_m,z_m,category,jersey,note\n3,1,1.5,2.5,team_a,7,hello\n");
  auto rows = ReadAnnotationsCsv(file);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].person_id, 3);
  EXPECT_TRUE(rows[0].in_view);
}

std::string ErrorOf(const std::string& body, int frame_count = 100) {
  fs::path file = WriteText("bad.csv", body);
  try {
    ReadAnnotationsCsv(file, frame_count);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << body;
  return "";
}

TEST(Annotations, BadInputNamesFileLineAndField) {
  const std::string header = "frame,person_id,x_m,z_m,category,jersey\n";
  EXPECT_NE(ErrorOf("frame,person_id,x_m\n").find("field 'z_m': missing column"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,3.0,4.0,team_a\n").find("bad.csv:2: expected 6 fields"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,3.0,4.0,team_a,\nx,2,3.0,4.0,team_a,\n").find("bad.csv:3: field 'frame'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,nan,4.0,team_a,\n").find("field 'x_m': expected a finite number, got 'nan'"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,3.0,4.0abc,team_a,\n").find("field 'z_m'"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,3.0,4.0,coach,\n").find("unknown category 'coach'"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,3.0,4.0,team_a,7\n1,2,5.0,4.0,team_a,7\n").find("bad.csv:3: field 'person_id': person 2 appears twice in frame 1"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "0,2,3.0,4.0,team_a,\n").find("field 'frame'"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "101,2,3.0,4.0,team_a,\n").find("outside 1..100"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "1,2,3.0,4.0,team_a,123\n").find("field 'jersey'"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("empty file"), std::string::npos);
  const std::string labelled = "frame,person_id,x_m,z_m,category,jersey,number_side,number_px,legibility\n";
  EXPECT_NE(ErrorOf(labelled + "1,2,3.0,4.0,team_a,7,top,5.0,1\n").find("field 'number_side': expected back, front, side"),
            std::string::npos);
  EXPECT_NE(ErrorOf(labelled + "1,2,3.0,4.0,team_a,7,back,-1,1\n").find("field 'number_px'"), std::string::npos);
  EXPECT_NE(ErrorOf(labelled + "1,2,3.0,4.0,team_a,7,back,5.0,3\n").find("field 'legibility': 3 is outside 0..2"),
            std::string::npos);
  EXPECT_THROW(ReadAnnotationsCsv("/nonexistent/annotations.csv"), InputError);
}

TEST(Annotations, CheckedAgainstRoster) {
  MatchInfo match;
  match.roster = {{7, Category::kTeamA, 10, ""}};
  fs::path file = WriteText("r.csv", "");
  std::vector<Annotation> ok = {{1, 7, 1, 1, Category::kTeamA, 10, true, 0}};
  EXPECT_NO_THROW(CheckAnnotationsAgainstRoster(ok, match, file));
  std::vector<Annotation> unknown = {{1, 8, 1, 1, Category::kTeamA, 10, true, 0}};
  EXPECT_THROW(CheckAnnotationsAgainstRoster(unknown, match, file), InputError);
  std::vector<Annotation> wrong_jersey = {{1, 7, 1, 1, Category::kTeamA, 11, true, 0}};
  EXPECT_THROW(CheckAnnotationsAgainstRoster(wrong_jersey, match, file), InputError);
  // Someone seen in a frame he does not play: a bench player, or a starter after he went off.
  match.frame_count = 50;
  match.roster.push_back({8, Category::kTeamA, 11, "", std::nullopt, /*starts=*/false});
  const auto error_of = [&](const std::vector<Annotation>& rows) {
    try {
      CheckAnnotationsAgainstRoster(rows, match, file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::vector<Annotation> bench = {{1, 8, 1, 1, Category::kTeamA, 11, true, 0}};
  EXPECT_NE(error_of(bench).find("frame 1: person 8 does not play then"), std::string::npos) << error_of(bench);
  match.substitutions = {{20, 7, 8}};
  match.substitution_tolerance_seconds = 0;  // exact frames
  std::vector<Annotation> in_time = {{19, 7, 1, 1, Category::kTeamA, 10, true, 0},
                                     {20, 8, 1, 1, Category::kTeamA, 11, true, 0}};
  EXPECT_NO_THROW(CheckAnnotationsAgainstRoster(in_time, match, file));
  const std::vector<Annotation> late = {{20, 7, 1, 1, Category::kTeamA, 10, true, 0}};
  EXPECT_NE(error_of(late).find("frame 20: person 7 does not play then"), std::string::npos) << error_of(late);
}

// detections.csv (what `ipt detect` writes) round-trips at its printed precision and
// names the file, line and field of a bad value.
TEST(Detections, RoundTripAndBadValues) {
  const fs::path path = WriteText("detections.csv", "");
  WriteDetectionsCsv({{1, 34.1204, 20.5501, 0.93}, {3, -1.5, 70.0, 0.3}}, path);
  auto rows = ReadDetectionsCsv(path, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].frame, 1);
  EXPECT_DOUBLE_EQ(rows[0].x_m, 34.120);
  EXPECT_DOUBLE_EQ(rows[1].z_m, 70.0);
  EXPECT_DOUBLE_EQ(rows[1].score, 0.3);
  EXPECT_THROW(ReadDetectionsCsv(path, 2), InputError);  // frame 3 beyond 2 frames
  const fs::path bad = WriteText("bad_detections.csv", "frame,x_m,z_m,score\n1,2,3,1.5\n");
  try {
    ReadDetectionsCsv(bad);
    FAIL() << "a score of 1.5 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad_detections.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("score"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ipt::io
