#include "ipt/eval/soccernet_gsr.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "ipt/util/check.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

fs::path Tiny() {
  const char* env = std::getenv("IPT_SHARED_DIR");
  return fs::path(env ? env : "../shared") / "data" / "gshota-tiny";
}

TrackingResult Evaluate(bool attributes, const fs::path& gt_path, const fs::path& pred_path) {
  GsrGroundTruth gt = ReadGsrGroundTruth(gt_path);
  auto pred = ReadGsrPredictions(pred_path);
  Sequence s = BuildGsrSequence("tiny", gt, pred, attributes, gt_path.string(), pred_path.string());
  return EvaluateSequence(s, GsHotaSimilarity(attributes));
}

// The reference values of SoccerNet's evaluator on the tiny case (README there).
TEST(GsHota, MatchesReferenceOnTinyCase) {
  TrackingResult r = Evaluate(true, Tiny() / "Labels-GameState.json", Tiny() / "predictions.json");
  EXPECT_NEAR(HotaResult::Mean(r.hota.hota), 0.525939447170619, 1e-9);
  EXPECT_NEAR(HotaResult::Mean(r.hota.det_a), 0.4980063795853268, 1e-9);
  EXPECT_NEAR(HotaResult::Mean(r.hota.ass_a), 0.5578947368421052, 1e-9);
  EXPECT_NEAR(HotaResult::Mean(r.hota.loc_a), 0.9599164277701989, 1e-9);
  // By hand (README): (12 sqrt(30/99) + 7 sqrt(295/1260)) / 19.
  EXPECT_NEAR(HotaResult::Mean(r.hota.hota), (12 * std::sqrt(30.0 / 99) + 7 * std::sqrt(295.0 / 1260)) / 19, 1e-12);
  TrackingResult plain = Evaluate(false, Tiny() / "Labels-GameState.json", Tiny() / "predictions.json");
  EXPECT_NEAR(HotaResult::Mean(plain.hota.hota), 0.7898039145384865, 1e-9);
  EXPECT_NEAR(HotaResult::Mean(plain.hota.det_a), 0.8192982456140349, 1e-9);
  EXPECT_NEAR(HotaResult::Mean(plain.hota.ass_a), 0.7614035087719297, 1e-9);
  EXPECT_NEAR(HotaResult::Mean(plain.hota.loc_a), 0.9699373208276492, 1e-9);
}

TEST(GsHota, IdentityKeyRules) {
  GsrPerson a;
  a.role = "player";
  a.team = "left";
  a.jersey = "7";
  GsrPerson b = a;
  b.jersey = "07";
  EXPECT_NE(GsrIdentityKey(a), GsrIdentityKey(b));  // raw values, no normalisation
  b.jersey = nullptr;
  EXPECT_NE(GsrIdentityKey(a), GsrIdentityKey(b));  // null is a value
  a.role = b.role = "goalkeeper";
  EXPECT_EQ(GsrIdentityKey(a), GsrIdentityKey(b));  // goalkeeper jerseys ignored
  b.team = "right";
  EXPECT_NE(GsrIdentityKey(a), GsrIdentityKey(b));
  a.role = b.role = "referee";
  EXPECT_EQ(GsrIdentityKey(a), GsrIdentityKey(b));  // only the role counts
}

// At d = 5 m exactly LocSim = 0.05: the pair still matches at alpha 0.05; at 5.01 m not.
TEST(GsHota, FiveMetreBoundary) {
  for (auto [d, matches] : {std::pair{5.0, 1.0}, std::pair{5.01, 0.0}}) {
    Sequence s;
    s.gt.resize(1);
    s.pred.resize(1);
    s.gt[0].ids = {0};
    s.gt[0].geometry = {Eigen::Vector4d(0, 0, 0, 0)};
    s.pred[0].ids = {0};
    s.pred[0].geometry = {Eigen::Vector4d(d, 0, 0, 0)};
    s.num_gt_ids = s.num_pred_ids = 1;
    s.num_gt_dets = s.num_pred_dets = 1;
    EXPECT_EQ(EvaluateSequence(s, GsHotaSimilarity(false)).hota.tp[0], matches) << d;
  }
}

TEST(GsHota, WriteReadRoundTripAndBadInput) {
  fs::path dir = fs::temp_directory_path() / ("ipt_gsr_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  GsrGroundTruth gt = ReadGsrGroundTruth(Tiny() / "Labels-GameState.json");
  auto pred = ReadGsrPredictions(Tiny() / "predictions.json");
  WriteGsrGroundTruth("tiny", gt, dir / "Labels-GameState.json");
  WriteGsrPredictions(pred, dir / "predictions.json");
  TrackingResult r = Evaluate(true, dir / "Labels-GameState.json", dir / "predictions.json");
  EXPECT_NEAR(HotaResult::Mean(r.hota.hota), 0.525939447170619, 1e-9);

  auto error_of = [&](const std::string& text) -> std::string {
    std::ofstream(dir / "bad.json") << text;
    try {
      ReadGsrPredictions(dir / "bad.json");
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of("{\"predictions\": [").find("malformed JSON"), std::string::npos);
  EXPECT_NE(error_of("{}").find("field '.predictions': missing"), std::string::npos);
  std::string person = R"({"image_id": "1", "track_id": 1, "attributes": {"role": "coach", "team": null, "jersey": null},
    "bbox_pitch": {"x_bottom_left": 0, "y_bottom_left": 0, "x_bottom_middle": 0, "y_bottom_middle": 0, "x_bottom_right": 0, "y_bottom_right": 0}})";
  EXPECT_NE(error_of("{\"predictions\": [" + person + "]}").find("predictions[0].attributes.role"), std::string::npos);
}

}  // namespace
}  // namespace ipt::eval
