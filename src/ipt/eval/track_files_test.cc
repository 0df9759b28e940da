// The tracking-file and tracks.csv readers on the inputs that used to be misread.
#include "ipt/eval/track_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "ipt/eval/pipeline_output.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

fs::path Write(const std::string& name, const std::string& text) {
  static const fs::path dir = testing::FreshTempDir("track_files");
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

std::string ErrorOf(const std::function<void()>& f) { return testing::MessageOf<InputError>(f); }

// A UTF-8 byte-order mark used to make the first row a "header" and drop it.
TEST(TrackFile, ByteOrderMarkKeepsTheFirstRow) {
  auto rows = ReadTrackFile(Write("bom.txt", "\xEF\xBB\xBF" "1,1,10,20\r\n2,1,11,21\r\n"), Space::kPitch, true);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].frame, 1);
  EXPECT_EQ(rows[0].geometry.x(), 10);
}

// Ids above 2^53 used to be parsed as doubles and collide.
TEST(TrackFile, LargeIdsStayDistinct) {
  auto rows = ReadTrackFile(Write("ids.txt", "1,9007199254740993,1,2\n1,9007199254740992,3,4\n"), Space::kPitch, false);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].id, rows[1].id);
  EXPECT_EQ(rows[0].id, 9007199254740993);
}

// One row with frame 1e8 used to make evaluation allocate until killed.
TEST(TrackFile, FramesAndCoordinatesAreBounded) {
  EXPECT_EQ(ErrorOf([] { ReadTrackFile(Write("far.txt", "100000000,1,1,2\n"), Space::kPitch, true); }),
            Write("far.txt", "").string() + ":1: field 'frame': 100000000 is outside 1..1080000");
  EXPECT_NE(ErrorOf([] { ReadTrackFile(Write("huge.txt", "1,1,1e308,2\n"), Space::kPitch, true); }).find("field 'x'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ReadTrackFile(Write("frac.txt", "1,1.5,1,2\n"), Space::kPitch, true); })
                .find("field 'id': expected an integer, got '1.5'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ReadTrackFile("/dev/zero", Space::kPitch, true); }).find("not a regular file"),
            std::string::npos);
}

TEST(TrackFile, MotChallengeConsiderFlagAndExtraColumns) {
  auto gt = ReadTrackFile(Write("gt.txt", "1,1,10,20,30,40,1,-1,-1,-1\n1,2,10,20,30,40,0,-1,-1,-1\n"), Space::kImage, true);
  ASSERT_EQ(gt.size(), 1u);  // the "do not consider" row is dropped from ground truth
  EXPECT_EQ(gt[0].geometry, Eigen::Vector4d(10, 20, 30, 40));
  auto pred = ReadTrackFile(Write("pred.txt", "1,2,10,20,30,40,0\n"), Space::kImage, false);
  EXPECT_EQ(pred.size(), 1u);
}

TEST(TracksCsv, BomCrlfColumnOrderAndBounds) {
  auto rows = ReadTracksCsv(Write("tracks.csv", "\xEF\xBB\xBF" "track_id,frame,x_m,z_m,score,category,jersey,player_id\r\n"
                                                "9007199254740993,1,1.5,2.5,0.9,team_a,10,7\r\n"
                                                "9007199254740992,1,3,4,1,,,\r\n"));
  ASSERT_EQ(rows.size(), 2u);  // equal as doubles, distinct as integers: no "appears twice"
  EXPECT_EQ(rows[0].track_id, 9007199254740993);
  EXPECT_EQ(rows[0].jersey, 10);
  EXPECT_FALSE(rows[1].category.has_value());
  const std::string header = "frame,track_id,x_m,z_m,score,category,jersey,player_id\n";
  EXPECT_NE(ErrorOf([&] { ReadTracksCsv(Write("x.csv", header + "1,1,1e308,2,1,,,\n")); }).find(":2: field 'x_m'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { ReadTracksCsv(Write("j.csv", header + "1,1,1,2,1,,100,\n")); }).find("field 'jersey': 100 is outside 0..99"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { ReadTracksCsv(Write("f.csv", header + "11,1,1,2,1,,,\n"), 10); }).find("field 'frame': 11 is outside 1..10"),
            std::string::npos);
}

}  // namespace
}  // namespace ipt::eval
