#include "ipt/eval/soccernet_gsr.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <tuple>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

fs::path Tiny() {
  const fs::path dir = testing::SharedData() / "gshota-tiny";
  EXPECT_TRUE(fs::is_directory(dir)) << "missing " << dir << testing::kSharedDataHint;
  return dir;
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
  // Every field reads back exactly (numbers as the shortest text that reads back the same).
  auto same = [](const std::vector<GsrPerson>& a, const std::vector<GsrPerson>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(std::tie(a[i].image_id, a[i].track_id, a[i].x_m, a[i].y_m, a[i].role, a[i].team, a[i].jersey),
                std::tie(b[i].image_id, b[i].track_id, b[i].x_m, b[i].y_m, b[i].role, b[i].team, b[i].jersey))
          << i;
    }
  };
  same(ReadGsrPredictions(dir / "predictions.json"), pred);
  const GsrGroundTruth gt_back = ReadGsrGroundTruth(dir / "Labels-GameState.json");
  EXPECT_EQ(gt_back.evaluated_images, gt.evaluated_images);
  same(gt_back.people, gt.people);
  ASSERT_FALSE(pred.empty());
  std::vector<GsrPerson> odd = {pred[0]};
  odd[0].x_m = 0.1 + 0.2;  // 0.30000000000000004
  odd[0].y_m = -1e-7;
  odd[0].jersey = nullptr;
  WriteGsrPredictions(odd, dir / "odd.json");
  same(ReadGsrPredictions(dir / "odd.json"), odd);
  WriteGsrPredictions(std::vector<GsrPerson>{}, dir / "none.json");
  EXPECT_TRUE(ReadGsrPredictions(dir / "none.json").empty());

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
  EXPECT_NE(error_of("{}").find("field 'predictions': missing"), std::string::npos);
  std::string person = R"({"image_id": "1", "track_id": 1, "attributes": {"role": "coach", "team": null, "jersey": null},
    "bbox_pitch": {"x_bottom_left": 0, "y_bottom_left": 0, "x_bottom_middle": 0, "y_bottom_middle": 0, "x_bottom_right": 0, "y_bottom_right": 0}})";
  EXPECT_NE(error_of("{\"predictions\": [" + person + "]}").find("predictions[0].attributes.role"), std::string::npos);
}


// A valid prediction entry with one field replaced by `value` (JSON text); `path`
// names the field: "track_id", "attributes.jersey", "bbox_pitch.x_bottom_middle".
std::string Person(const std::string& path = "", const std::string& value = "", const std::string& image = "\"1\"",
                   int track = 1) {
  nlohmann::json p = nlohmann::json::parse(fmt::format(
      R"({{"image_id": {}, "track_id": {}, "supercategory": "object",
          "attributes": {{"role": "player", "team": "left", "jersey": "7"}},
          "bbox_pitch": {{"x_bottom_left": 0, "y_bottom_left": 1, "x_bottom_middle": 0.3, "y_bottom_middle": 1,
                         "x_bottom_right": 0.6, "y_bottom_right": 1}}}})",
      image, track));
  if (!path.empty()) p[nlohmann::json::json_pointer("/" + std::regex_replace(path, std::regex("\\."), "/"))] =
      nlohmann::json::parse(value);
  return p.dump();
}

// Every malformed input a user can give is an InputError naming the file and the
// field, never a raw nlohmann message and never a silent score.
class GsrBadInput : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ::ipt::testing::FreshTempDir("gsr_bad"); }
  // The message of reading `text` as predictions (or ground truth), "no error" if none.
  std::string PredictionsError(const std::string& text) { return ErrorOf(text, false); }
  std::string GroundTruthError(const std::string& text) { return ErrorOf(text, true); }
  std::string ErrorOf(const std::string& text, bool ground_truth) {
    const fs::path path = dir_ / "bad.json";
    std::ofstream(path) << text;
    try {
      if (ground_truth) ReadGsrGroundTruth(path);
      else ReadGsrPredictions(path);
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("json.exception"), std::string::npos) << "raw nlohmann text: " << what;
      EXPECT_NE(what.find("bad.json"), std::string::npos) << "file not named: " << what;
      return what;
    } catch (const std::exception& e) {
      return std::string("not an InputError: ") + e.what();
    }
    return "no error";
  }
  // A ground-truth file with the given images and annotations (JSON text).
  static std::string Labels(const std::string& images, const std::string& annotations = "[]") {
    return R"({"images": )" + images + R"(, "annotations": )" + annotations + "}";
  }
  static std::string Image(const std::string& id = "\"1\"", const std::string& pitch = "true") {
    return R"({"image_id": )" + id + R"(, "has_labeled_pitch": )" + pitch +
           R"(, "has_labeled_camera": true, "has_labeled_person": true})";
  }
  fs::path dir_;
};

#define EXPECT_MESSAGE(message, part) EXPECT_NE((message).find(part), std::string::npos) << (message)

TEST_F(GsrBadInput, PredictionsMustBeAnArrayOfObjects) {
  EXPECT_EQ(PredictionsError(R"({"predictions": [)" + Person() + "]}"), "no error");
  EXPECT_MESSAGE(PredictionsError(R"({"predictions": null})"), "field 'predictions': must be an array");
  EXPECT_MESSAGE(PredictionsError(R"({"predictions": {}})"), "field 'predictions': must be an array");
  EXPECT_MESSAGE(PredictionsError(R"({"predictions": "x"})"), "field 'predictions': must be an array");
  EXPECT_MESSAGE(PredictionsError("[]"), "must be a JSON object");
  EXPECT_MESSAGE(PredictionsError(R"({"predictions": [5]})"), "field 'predictions[0]': must be an object");
}

TEST_F(GsrBadInput, WrongTypesNameTheField) {
  auto with = [&](const std::string& path, const std::string& value) {
    return PredictionsError(R"({"predictions": [)" + Person(path, value) + "]}");
  };
  EXPECT_MESSAGE(with("attributes", "\"x\""), "field 'predictions[0].attributes': must be an object");
  EXPECT_MESSAGE(with("bbox_pitch", "[]"), "field 'predictions[0].bbox_pitch': must be an object");
  EXPECT_MESSAGE(with("supercategory", "5"), "field 'predictions[0].supercategory': must be a string");
  EXPECT_MESSAGE(with("attributes.jersey", "7"), "field 'predictions[0].attributes.jersey': must be a string or null");
  EXPECT_MESSAGE(with("attributes.jersey", "[\"7\"]"), "field 'predictions[0].attributes.jersey'");
  EXPECT_MESSAGE(with("attributes.team", "5"), "field 'predictions[0].attributes.team'");
  EXPECT_MESSAGE(with("image_id", "null"), "field 'predictions[0].image_id': must be a string or an integer");
  EXPECT_MESSAGE(with("image_id", "1.5"), "field 'predictions[0].image_id'");
  EXPECT_MESSAGE(with("track_id", "\"3\""), "field 'predictions[0].track_id': must be an integer");
  EXPECT_MESSAGE(with("track_id", "1.0"), "field 'predictions[0].track_id': must be an integer");
  EXPECT_MESSAGE(with("bbox_pitch.y_bottom_middle", "\"1\""), "field 'predictions[0].bbox_pitch.y_bottom_middle': must be a number");
  // Integer-valued image ids are accepted as SoccerNet writes them.
  EXPECT_EQ(with("image_id", "1000001"), "no error");
  EXPECT_EQ(with("attributes.jersey", "null"), "no error");
}

TEST_F(GsrBadInput, AbsurdNumbersAndIds) {
  auto with = [&](const std::string& path, const std::string& value) {
    return PredictionsError(R"({"predictions": [)" + Person(path, value) + "]}");
  };
  EXPECT_MESSAGE(with("bbox_pitch.x_bottom_middle", "1e308"), "field 'predictions[0].bbox_pitch.x_bottom_middle'");
  EXPECT_MESSAGE(with("bbox_pitch.y_bottom_left", "-1e300"), "field 'predictions[0].bbox_pitch.y_bottom_left'");
  // Past int64: would wrap to another id.
  EXPECT_MESSAGE(with("track_id", "18446744073709551615"), "field 'predictions[0].track_id'");
  // Past double: nlohmann's number overflow is not a parse_error.
  EXPECT_MESSAGE(PredictionsError(R"({"predictions": [{"track_id": 1e999}]})"), "malformed JSON");
  // Invalid UTF-8 inside a string.
  EXPECT_MESSAGE(PredictionsError("{\"predictions\": [\"\xff\"]}"), "malformed JSON");
  // The same track twice in one image would be two people with one id.
  EXPECT_MESSAGE(PredictionsError(R"({"predictions": [)" + Person() + "," + Person() + "]}"),
                 "field 'predictions[1].track_id': track 1 appears twice in image 1");
}

TEST_F(GsrBadInput, GroundTruthImagesAndAnnotations) {
  const std::string ok_person = Person();
  EXPECT_EQ(GroundTruthError(Labels("[" + Image() + "]", "[" + ok_person + "]")), "no error");
  EXPECT_MESSAGE(GroundTruthError(Labels("null")), "field 'images': must be an array");
  EXPECT_MESSAGE(GroundTruthError(Labels("{}")), "field 'images': must be an array");
  EXPECT_MESSAGE(GroundTruthError(Labels("[3]")), "field 'images[0]': must be an object");
  EXPECT_MESSAGE(GroundTruthError(Labels("[" + Image("\"1\"", "\"yes\"") + "]")),
                 "field 'images[0].has_labeled_pitch': must be true or false");
  EXPECT_MESSAGE(GroundTruthError(Labels("[" + Image("null") + "]")), "field 'images[0].image_id'");
  EXPECT_MESSAGE(GroundTruthError(Labels("[" + Image() + "," + Image() + "]")),
                 "field 'images[1].image_id': image 1 appears twice");
  EXPECT_MESSAGE(GroundTruthError(Labels("[" + Image("\"1\"", "false") + "]")), "no evaluated image");
  EXPECT_MESSAGE(GroundTruthError(Labels("[" + Image() + "]", "null")), "field 'annotations': must be an array");
  EXPECT_MESSAGE(GroundTruthError(Labels("[" + Image() + "]", "[" + ok_person + "," + ok_person + "]")),
                 "field 'annotations[1].track_id': track 1 appears twice in image 1");
}

}  // namespace
}  // namespace ipt::eval
