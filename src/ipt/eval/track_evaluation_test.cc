#include "ipt/eval/track_evaluation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

TEST(SequenceName, DirectoryForMotChallengeLayoutElseStem) {
  EXPECT_EQ(SequenceName("data/TUD-Campus/gt.txt"), "TUD-Campus");
  EXPECT_EQ(SequenceName("data/TUD-Campus/groundtruth.txt"), "TUD-Campus");
  EXPECT_EQ(SequenceName("data/TUD-Campus/test.txt"), "test");
  EXPECT_EQ(SequenceName("gt.txt"), "gt");  // no directory to name it by
  EXPECT_EQ(SequenceName("/runs/seq01.csv"), "seq01");
}

FrameDetections Points(std::vector<Eigen::Vector2d> xz) {
  FrameDetections f;
  for (size_t k = 0; k < xz.size(); ++k) {
    f.ids.push_back(static_cast<int>(k));
    f.geometry.emplace_back(xz[k].x(), xz[k].y(), 0, 0);
  }
  return f;
}

FrameDetections Boxes(std::vector<Eigen::Vector4d> boxes) {
  FrameDetections f;
  for (size_t k = 0; k < boxes.size(); ++k) {
    f.ids.push_back(static_cast<int>(k));
    f.geometry.push_back(boxes[k]);
  }
  return f;
}

TEST(MakeSimilarity, DefaultsPerSpaceAndTolerance) {
  const FrameDetections a = Points({{0, 0}}), b = Points({{1, 0}});
  SimilarityOptions o;
  o.space = Space::kPitch;
  EXPECT_DOUBLE_EQ(MakeSimilarity(o)(a, b)(0, 0), 0.5);  // linear, T = 2 m: 1 - 1/2
  o.tolerance_m = 4;
  EXPECT_DOUBLE_EQ(MakeSimilarity(o)(a, b)(0, 0), 0.75);
  o.kind = "gaussian";
  o.tolerance_m = 0;  // default 5 m: exp(ln(0.05) 1 / 25)
  EXPECT_NEAR(MakeSimilarity(o)(a, b)(0, 0), std::exp(std::log(0.05) / 25), 1e-15);
  SimilarityOptions image;  // iou by default
  const FrameDetections p = Boxes({{0, 0, 2, 2}}), q = Boxes({{1, 0, 2, 2}});
  EXPECT_DOUBLE_EQ(MakeSimilarity(image)(p, q)(0, 0), 2.0 / 6.0);
}

TEST(MakeSimilarity, RefusesKindsThatDoNotFitTheSpace) {
  auto error_of = [](SimilarityOptions o) -> std::string {
    try {
      MakeSimilarity(o);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  SimilarityOptions o;
  o.kind = "linear";  // image space
  EXPECT_NE(error_of(o).find("--similarity linear does not fit --space image"), std::string::npos) << error_of(o);
  o.space = Space::kPitch;
  o.kind = "iou";
  EXPECT_NE(error_of(o).find("--similarity iou does not fit --space pitch"), std::string::npos);
  o.kind = "cosine";
  EXPECT_NE(error_of(o).find("unknown similarity 'cosine'"), std::string::npos);
  o.kind = "linear";
  o.tolerance_m = -1;
  EXPECT_NE(error_of(o).find("--tolerance"), std::string::npos);
  o.tolerance_m = std::numeric_limits<double>::infinity();
  EXPECT_NE(error_of(o).find("--tolerance"), std::string::npos);
  SimilarityOptions iou;
  iou.tolerance_m = 3;  // silently ignored before
  EXPECT_NE(error_of(iou).find("--tolerance applies to pitch kernels"), std::string::npos);
}

class TrackFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ::ipt::testing::FreshTempDir("track_evaluation"); }
  fs::path Write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(TrackFilesTest, NamesRepeatsAndCombines) {
  // Two sequences of one person; the second has one id switch halfway.
  const fs::path gt = Write("a/gt.txt", "1,1,0,0\n2,1,1,0\n3,1,2,0\n4,1,3,0\n");
  const fs::path perfect = Write("a/pred.txt", "1,5,0,0\n2,5,1,0\n3,5,2,0\n4,5,3,0\n");
  const fs::path switched = Write("b/pred.txt", "1,5,0,0\n2,5,1,0\n3,6,2,0\n4,6,3,0\n");
  SimilarityOptions o;
  o.space = Space::kPitch;
  const auto results = EvaluateTrackFiles({gt, gt}, {perfect, switched}, o);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].name, "a");
  EXPECT_EQ(results[1].name, "a#2");
  EXPECT_EQ(results[2].name, "COMBINED");
  EXPECT_DOUBLE_EQ(HotaResult::Mean(results[0].hota.hota), 1.0);
  // One switch: pairs (1,5) and (1,6) each 2 of 4 frames, A = 2 / (4 + 2 - 2) = 0.5.
  EXPECT_DOUBLE_EQ(HotaResult::Mean(results[1].hota.ass_a), 0.5);
  EXPECT_EQ(results[1].clear.idsw, 1);
  EXPECT_EQ(results[2].clear.idsw, 1);
  EXPECT_EQ(results[2].clear.tp, 8);
  // A single pair gives no COMBINED.
  EXPECT_EQ(EvaluateTrackFiles({gt}, {perfect}, o).size(), 1u);
  EXPECT_THROW(EvaluateTrackFiles({gt, gt}, {perfect}, o), Error);
}

TEST(FormatTrackingTable, OneColumnPerDefinitionValuesFromJson) {
  TrackingResult r;
  r.name = "a-very-long-sequence-name";
  r.clear.idsw = 3;
  r.clear.tp = 120;
  r.identity.idf1 = 0.5;
  r.hota.hota.fill(0.25);
  const std::string table = FormatTrackingTable({r});
  std::istringstream lines(table);
  std::string header, row, units;
  std::getline(lines, header);
  std::getline(lines, row);
  std::getline(lines, units);
  // Every column of the one definition, in order, right-aligned in 8 characters.
  std::string expected_header = fmt::format("{:<20}", "sequence");
  for (const auto& c : TrackingTableColumns()) expected_header += fmt::format("{:>8}", c.key);
  EXPECT_EQ(header, expected_header);
  // Each value printed is the JSON value (x100 for percentages).
  std::istringstream cells(row.substr(20));
  const nlohmann::json j = ToJson(r);
  for (const auto& c : TrackingTableColumns()) {
    double printed = -1;
    cells >> printed;
    const double value = j[c.key].get<double>();
    EXPECT_NEAR(printed, c.percent ? 100 * value : value, c.percent ? 0.005 : 0.5) << c.key;
  }
  EXPECT_EQ(row.substr(0, 20), fmt::format("{:<20}", r.name.substr(0, 19)));
  EXPECT_EQ(units, "(metric values in %, counts as numbers)");
}

TEST(FormatTrackingJson, OneObjectOrByName) {
  TrackingResult a, b;
  a.name = "a";
  b.name = "b";
  EXPECT_TRUE(nlohmann::json::parse(FormatTrackingJson({a})).contains("HOTA"));
  const nlohmann::json both = nlohmann::json::parse(FormatTrackingJson({a, b}));
  EXPECT_TRUE(both.contains("a") && both.contains("b"));
  EXPECT_NE(FormatGsHotaSummary({a}).find("GS-HOTA   0.00%"), std::string::npos);
}

}  // namespace
}  // namespace ipt::eval
