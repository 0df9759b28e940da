#include "ipt/eval/match_evaluation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "ipt/eval/output_dir.h"
#include "ipt/eval/perturb.h"
#include "ipt/geometry/rig.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"
#include "ipt/util/test_util.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

// A small match directory (3 people, 20 frames) and a perturbed run of it.
class MatchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::ipt::testing::FreshTempDir("match_evaluation");
    match_ = root_ / "m";
    run_ = root_ / "run";
    fs::create_directories(match_);
    io::MatchInfo m;
    m.name = "m";
    m.frame_count = 20;
    const geometry::Rig rig = geometry::MakeDefaultRig({}, m.pitch);
    m.cameras = {{rig.cameras[0], "left.mp4"}, {rig.cameras[1], "right.mp4"}};
    m.roster = {{1, io::Category::kTeamA, 10, "A10"},
                {2, io::Category::kTeamB, 7, "B07"},
                {3, io::Category::kReferee, std::nullopt, "Ref"}};
    io::WriteMatchYaml(m, match_ / "match.yaml");
    std::vector<io::Annotation> rows;
    for (int f = 1; f <= m.frame_count; ++f) {
      for (const auto& e : m.roster) {
        io::Annotation a;
        a.frame = f;
        a.person_id = e.player_id;
        a.x_m = 20 + 15 * e.player_id + 0.1 * f;
        a.z_m = 30 + 3 * std::sin(0.1 * f + e.player_id);
        a.category = e.category;
        a.jersey = e.jersey;
        rows.push_back(a);
      }
    }
    io::WriteAnnotationsCsv(rows, match_ / "annotations.csv");
    perturb_.match_dir = match_;
    perturb_.output_dir = run_;
    perturb_.perturb.position_noise_m = 0.2;
    perturb_.perturb.miss_rate = 0.1;
    ASSERT_GT(WritePerturbedBaseline(perturb_), 0);
    gt_bytes_ = ReadFile(match_ / "annotations.csv");
    yaml_bytes_ = ReadFile(match_ / "match.yaml");
    tracks_bytes_ = ReadFile(run_ / "tracks.csv");
  }

  // The message of the ipt::Error `f` throws ("no error" when none).
  template <typename F>
  static std::string ErrorOf(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  // Inputs are unchanged, byte for byte.
  void ExpectInputsIntact() const {
    EXPECT_EQ(ReadFile(match_ / "annotations.csv"), gt_bytes_);
    EXPECT_EQ(ReadFile(match_ / "match.yaml"), yaml_bytes_);
    EXPECT_EQ(ReadFile(run_ / "tracks.csv"), tracks_bytes_);
  }

  MatchEvaluationOptions Options() const {
    MatchEvaluationOptions o;
    o.match_dir = match_;
    o.output_dirs = {run_};
    return o;
  }

  fs::path root_, match_, run_;
  PerturbedBaselineOptions perturb_;
  std::string gt_bytes_, yaml_bytes_, tracks_bytes_;
};

TEST_F(MatchDirTest, EvaluatesTheLoadedFiles) {
  const MatchGroundTruth gt = LoadMatchGroundTruth(match_);
  EXPECT_EQ(gt.annotations.size(), 60u);
  const auto pred = ReadTracksCsv(run_ / "tracks.csv", gt.match.frame_count);
  const PtfeReport direct = EvaluateMatch("m", gt.match, gt.annotations, pred);
  const PtfeReport from_dir = EvaluateMatchDirectory(match_, run_, {}, "m");
  EXPECT_EQ(ToJson(from_dir), ToJson(direct));
  EXPECT_LT(from_dir.recall, 1.0);  // the misses are there
  const auto reports = RunMatchEvaluation(Options());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].name, "m");
  EXPECT_EQ(ToJson(reports[0]), ToJson(direct));

  fs::remove(match_ / "annotations.csv");
  const std::string missing = ErrorOf([&] { LoadMatchGroundTruth(match_); });
  EXPECT_NE(missing.find("annotations.csv: ground truth missing"), std::string::npos) << missing;
}

TEST_F(MatchDirTest, HtmlNeverReplacesAnInput) {
  fs::create_symlink(match_ / "annotations.csv", root_ / "link.html");
  for (const fs::path& html : {match_ / "annotations.csv", match_ / "match.yaml", run_ / "tracks.csv",
                               root_ / "link.html", match_ / "." / "annotations.csv", fs::path(match_), root_}) {
    MatchEvaluationOptions o = Options();
    o.html = html;
    const std::string error = ErrorOf([&] { RunMatchEvaluation(o); });
    EXPECT_NE(error.find("--html"), std::string::npos) << html << ": " << error;
    EXPECT_TRUE(error.find("is an input of this command") != std::string::npos ||
                error.find("holds an input of this command") != std::string::npos)
        << html << ": " << error;
  }
  ExpectInputsIntact();
  // Beside the inputs is fine.
  MatchEvaluationOptions o = Options();
  o.html = match_ / "report.html";
  RunMatchEvaluation(o);
  EXPECT_NE(ReadFile(o.html).find("<svg"), std::string::npos);
  ExpectInputsIntact();
}

TEST_F(MatchDirTest, CompareChecksBothRuns) {
  PerturbedBaselineOptions b = perturb_;
  b.output_dir = root_ / "run_b";
  b.seed = 2;
  WritePerturbedBaseline(b);
  MatchEvaluationOptions o = Options();
  o.output_dirs = {run_, b.output_dir};
  o.html = b.output_dir / "tracks.csv";
  EXPECT_NE(ErrorOf([&] { RunMatchEvaluation(o); }).find("is an input"), std::string::npos);
  o.html.clear();
  o.export_gsr = root_ / "gsr";
  EXPECT_NE(ErrorOf([&] { RunMatchEvaluation(o); }).find("--export-gsr needs --pred"), std::string::npos);
  o.export_gsr.clear();
  const auto reports = RunMatchEvaluation(o);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].name, "run");
  EXPECT_EQ(reports[1].name, "run_b");
  EXPECT_NE(FormatMatchOutput(reports, false).find("delta"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(FormatMatchOutput(reports, true));
  EXPECT_TRUE(j.contains("run") && j.contains("run_b"));
  EXPECT_TRUE(nlohmann::json::parse(FormatMatchOutput({reports[0]}, true)).contains("GS-HOTA"));
}

TEST_F(MatchDirTest, GsrExportIsAMarkedOutputDirectory) {
  MatchEvaluationOptions o = Options();
  // Inputs, and directories holding them, are refused.
  for (const fs::path& dir : {fs::path(match_), fs::path(run_), root_}) {
    o.export_gsr = dir;
    const std::string error = ErrorOf([&] { RunMatchEvaluation(o); });
    EXPECT_NE(error.find("--export-gsr"), std::string::npos) << error;
    EXPECT_NE(error.find("input of this command"), std::string::npos) << error;
  }
  ExpectInputsIntact();
  // A directory ipt did not write is never written into.
  fs::create_directories(root_ / "foreign");
  std::ofstream(root_ / "foreign" / "notes.txt") << "keep";
  o.export_gsr = root_ / "foreign";
  EXPECT_NE(ErrorOf([&] { RunMatchEvaluation(o); }).find("not written by ipt"), std::string::npos);
  EXPECT_EQ(ReadFile(root_ / "foreign" / "notes.txt"), "keep");
  EXPECT_FALSE(fs::exists(root_ / "foreign" / "predictions.json"));
  // New, then replaced as a whole on a re-run (a stale file does not survive).
  o.export_gsr = root_ / "gsr";
  RunMatchEvaluation(o);
  EXPECT_TRUE(fs::is_regular_file(root_ / "gsr" / kOutputMarker));
  EXPECT_TRUE(fs::is_regular_file(root_ / "gsr" / "Labels-GameState.json"));
  std::ofstream(root_ / "gsr" / "stale.txt") << "old";
  RunMatchEvaluation(o);
  EXPECT_FALSE(fs::exists(root_ / "gsr" / "stale.txt"));
  EXPECT_TRUE(fs::is_regular_file(root_ / "gsr" / "predictions.json"));
  // The export scores as PTFE's GS-HOTA (same files, SoccerNet's reader).
  ExportMatchGsr(match_, run_, root_ / "gsr2");
  EXPECT_TRUE(fs::is_regular_file(root_ / "gsr2" / kOutputMarker));
  EXPECT_NE(ErrorOf([&] { ExportMatchGsr(match_, run_, match_); }).find("is an input"), std::string::npos);
  // --html inside the export directory would be lost when it is replaced.
  o.html = root_ / "gsr" / "report.html";
  EXPECT_NE(ErrorOf([&] { RunMatchEvaluation(o); }).find("lies inside --export-gsr"), std::string::npos);
}

TEST_F(MatchDirTest, PerturbedBaselineNeverWritesIntoItsInputOrAForeignDirectory) {
  // The run was written with the marker.
  EXPECT_TRUE(fs::is_regular_file(run_ / kOutputMarker));
  // A match directory ipt wrote carries the marker too: refused as an input all the same.
  WriteOutputMarker(match_);
  for (const fs::path& out : {fs::path(match_), root_, match_ / "annotations.csv"}) {
    PerturbedBaselineOptions o = perturb_;
    o.output_dir = out;
    const std::string error = ErrorOf([&] { WritePerturbedBaseline(o); });
    EXPECT_NE(error.find("input of this command"), std::string::npos) << out << ": " << error;
  }
  EXPECT_FALSE(fs::exists(match_ / "tracks.csv"));
  ExpectInputsIntact();
  // A non-empty directory without the marker: refused, untouched.
  fs::create_directories(root_ / "foreign");
  std::ofstream(root_ / "foreign" / "tracks.csv") << "mine";
  PerturbedBaselineOptions o = perturb_;
  o.output_dir = root_ / "foreign";
  EXPECT_NE(ErrorOf([&] { WritePerturbedBaseline(o); }).find("not written by ipt"), std::string::npos);
  EXPECT_EQ(ReadFile(root_ / "foreign" / "tracks.csv"), "mine");
  // A file: refused.
  std::ofstream(root_ / "file.txt") << "x";
  o.output_dir = root_ / "file.txt";
  EXPECT_NE(ErrorOf([&] { WritePerturbedBaseline(o); }).find("not a directory"), std::string::npos);
  // An empty directory, or its own output again: written (same seed, same rows).
  fs::create_directories(root_ / "empty");
  o.output_dir = root_ / "empty";
  WritePerturbedBaseline(o);
  EXPECT_EQ(ReadFile(root_ / "empty" / "tracks.csv"), tracks_bytes_);
  EXPECT_TRUE(fs::is_regular_file(root_ / "empty" / kOutputMarker));
  WritePerturbedBaseline(perturb_);
  EXPECT_EQ(ReadFile(run_ / "tracks.csv"), tracks_bytes_);
  // Through a symlink to its own output: the link keeps pointing at the new output.
  fs::create_symlink(run_, root_ / "run_link");
  o.output_dir = root_ / "run_link";
  WritePerturbedBaseline(o);
  EXPECT_TRUE(fs::is_symlink(root_ / "run_link"));
  EXPECT_EQ(ReadFile(root_ / "run_link" / "tracks.csv"), tracks_bytes_);
}

TEST_F(MatchDirTest, DiscoversDatasetPairsAndRefusesHtmlOverInputs) {
  const fs::path gts = root_ / "gts", preds = root_ / "preds";
  fs::create_directories(gts / "not_a_match");
  fs::create_directories(preds);
  fs::create_directory_symlink(match_, gts / "m2");
  fs::create_directory_symlink(match_, gts / "m1");
  fs::create_directory_symlink(run_, preds / "m1");
  const std::string missing = ErrorOf([&] { DiscoverDataset(gts, preds); });
  EXPECT_NE(missing.find((preds / "m2" / "tracks.csv").string() + ": missing output for this match"),
            std::string::npos)
      << missing;
  fs::create_directory_symlink(run_, preds / "m2");
  const auto entries = DiscoverDataset(gts, preds);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "m1");
  EXPECT_EQ(entries[0].match_dir, gts / "m1");
  EXPECT_EQ(entries[0].output_dir, preds / "m1");
  EXPECT_EQ(entries[1].name, "m2");
  EXPECT_NE(ErrorOf([&] { DiscoverDataset(gts / "not_a_match", preds); }).find("holds no match directory"),
            std::string::npos);

  DatasetEvaluationOptions o;
  o.gt_root = gts;
  o.pred_root = preds;
  for (const fs::path& html : {gts / "m1" / "annotations.csv", preds / "m2" / "tracks.csv", fs::path(gts)}) {
    o.html = html;
    EXPECT_NE(ErrorOf([&] { RunDatasetEvaluation(o); }).find("input of this command"), std::string::npos) << html;
  }
  ExpectInputsIntact();
  o.html = root_ / "dataset.html";
  int64_t calls = 0;
  const auto reports = RunDatasetEvaluation(o, [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 2);
    EXPECT_EQ(done, ++calls);
  });
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[2].name, "COMBINED");
  EXPECT_EQ(reports[2].det_tp, 2 * reports[0].det_tp);
  EXPECT_TRUE(fs::is_regular_file(o.html));
  EXPECT_TRUE(nlohmann::json::parse(FormatDatasetOutput(reports, true)).contains("COMBINED"));
  EXPECT_NE(FormatDatasetOutput(reports, false).find("COMBINED"), std::string::npos);
}

TEST(DirectoryLabel, LastNonEmptyComponent) {
  EXPECT_EQ(DirectoryLabel("runs/a"), "a");
  EXPECT_EQ(DirectoryLabel("runs/a/"), "a");
  EXPECT_EQ(DirectoryLabel("runs/a/."), "a");
}

}  // namespace
}  // namespace ipt::eval
