#include "ipt/eval/tracking_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cfloat>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ipt/eval/assignment.h"
#include "ipt/eval/similarity.h"
#include "ipt/eval/track_files.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/random.h"
#include "ipt/util/test_util.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

using testing::SharedData;

TrackingResult EvaluateTud(const std::string& name, const nlohmann::json& files) {
  fs::path dir = SharedData() / "mot-tud";
  std::string gt = (dir / files[name]["gt"].get<std::string>()).string();
  std::string pred = (dir / files[name]["pred"].get<std::string>()).string();
  Sequence seq = BuildSequence(name, ReadTrackFile(gt, Space::kImage, true),
                               ReadTrackFile(pred, Space::kImage, false), gt, pred);
  return EvaluateSequence(seq, MakeBoxIou());
}

// Every value TrackEval computes on two real MOTChallenge sequences, to 1e-6.
TEST(TrackingMetrics, MatchesTrackEvalOnMotTud) {
  std::ifstream f(SharedData() / "mot-tud" / "expected.json");
  ASSERT_TRUE(f.good()) << "missing " << SharedData() / "mot-tud" / "expected.json" << testing::kSharedDataHint;
  nlohmann::json reference = nlohmann::json::parse(f);
  std::vector<TrackingResult> results;
  for (const char* name : {"TUD-Campus", "TUD-Stadtmitte"}) results.push_back(EvaluateTud(name, reference["files"]));
  results.push_back(CombineSequences(results));
  int checked = 0;
  for (const auto& r : results) {
    nlohmann::json ours = ToJson(r);
    for (const auto& [key, value] : reference["expected"][r.name].items()) {
      ASSERT_TRUE(ours.contains(key)) << key;
      EXPECT_NEAR(ours[key].get<double>(), value.get<double>(), 1e-6) << r.name << " " << key;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3 * 24);
}

FrameDetections Points(std::vector<int> ids, std::vector<Eigen::Vector2d> xz) {
  FrameDetections f;
  f.ids = std::move(ids);
  for (const auto& p : xz) f.geometry.emplace_back(p.x(), p.y(), 0, 0);
  return f;
}

Sequence Make(std::vector<FrameDetections> gt, std::vector<FrameDetections> pred) {
  Sequence s;
  s.name = "t";
  s.gt = std::move(gt);
  s.pred = std::move(pred);
  for (const auto& f : s.gt) {
    for (int id : f.ids) s.num_gt_ids = std::max(s.num_gt_ids, id + 1);
    s.num_gt_dets += f.size();
  }
  for (const auto& f : s.pred) {
    for (int id : f.ids) s.num_pred_ids = std::max(s.num_pred_ids, id + 1);
    s.num_pred_dets += f.size();
  }
  return s;
}

const SimilarityFn kLinear2m = MakePointSimilarity(PointKernel::kLinear, 2.0);

TEST(TrackingMetrics, PerfectTrackingScoresOne) {
  std::vector<FrameDetections> gt, pred;
  for (int t = 0; t < 5; ++t) {
    gt.push_back(Points({0, 1}, {{t, 0}, {t, 10}}));
    pred.push_back(Points({1, 0}, {{t, 0}, {t, 10}}));
  }
  nlohmann::json j = ToJson(EvaluateSequence(Make(gt, pred), kLinear2m));
  for (const char* k : {"HOTA", "DetA", "AssA", "LocA", "MOTA", "MOTP", "IDF1"}) EXPECT_DOUBLE_EQ(j[k].get<double>(), 1.0) << k;
  EXPECT_EQ(j["IDSW"].get<double>(), 0);
  EXPECT_EQ(j["MT"].get<double>(), 2);
}

TEST(TrackingMetrics, EmptyPredictionAndEmptyFrames) {
  std::vector<FrameDetections> gt = {Points({0}, {{0, 0}}), FrameDetections{}, Points({0}, {{1, 0}})};
  std::vector<FrameDetections> pred(3);
  nlohmann::json j = ToJson(EvaluateSequence(Make(gt, pred), kLinear2m));
  EXPECT_EQ(j["HOTA"].get<double>(), 0);
  EXPECT_EQ(j["LocA"].get<double>(), 1.0);  // TrackEval's convention with no matches
  EXPECT_EQ(j["CLR_FN"].get<double>(), 2);
  EXPECT_EQ(j["ML"].get<double>(), 1);
  EXPECT_EQ(j["MLR"].get<double>(), 1.0);
  EXPECT_EQ(j["IDFN"].get<double>(), 2);
  EXPECT_EQ(j["MOTA"].get<double>(), 0);
  // A prediction only in a frame without ground truth is a false positive everywhere.
  pred[1] = Points({0}, {{5, 5}});
  j = ToJson(EvaluateSequence(Make(gt, pred), kLinear2m));
  EXPECT_EQ(j["CLR_FP"].get<double>(), 1);
  EXPECT_EQ(j["IDFP"].get<double>(), 1);
  EXPECT_EQ(j["HOTA_FP"].get<double>(), 1);
}

// Similarity exactly at an alpha: the pair matches at that alpha (>= alpha - eps) but
// not at the next one; with linear T = 2 m, d = 1.5 m gives similarity 0.25.
TEST(TrackingMetrics, MatchExactlyAtAlphaBoundary) {
  std::vector<FrameDetections> gt = {Points({0}, {{0, 0}})};
  std::vector<FrameDetections> pred = {Points({0}, {{1.5, 0}})};
  TrackingResult r = EvaluateSequence(Make(gt, pred), kLinear2m);
  // alpha index 4 is 0.25 (computed as 0.05 + 0.2 = 0.25000000000000006 > 0.25, within eps).
  for (int a = 0; a < kNumAlphas; ++a) {
    EXPECT_EQ(r.hota.tp[a], a <= 4 ? 1 : 0) << "alpha " << Alpha(a);
  }
  EXPECT_EQ(r.clear.tp, 0);  // CLEAR needs similarity >= 0.5
}

TEST(TrackingMetrics, SingleIdSwitch) {
  std::vector<FrameDetections> gt, pred;
  for (int t = 0; t < 6; ++t) {
    gt.push_back(Points({0}, {{t, 0}}));
    pred.push_back(Points({t < 3 ? 0 : 1}, {{t, 0}}));
  }
  TrackingResult r = EvaluateSequence(Make(gt, pred), kLinear2m);
  EXPECT_EQ(r.clear.idsw, 1);
  EXPECT_EQ(r.clear.tp, 6);
  EXPECT_DOUBLE_EQ(r.clear.mota, 5.0 / 6.0);
  EXPECT_EQ(r.identity.idtp, 3);
  EXPECT_DOUBLE_EQ(r.identity.idf1, 3.0 / (3 + 0.5 * 3 + 0.5 * 3));
  // HOTA by hand: every detection matches (DetA = 1); each matched pair (gt 0, pred k)
  // has 3 matches, |gt| = 6, |pred k| = 3: A = 3 / (6 + 3 - 3) = 0.5, AssA = 0.5.
  EXPECT_DOUBLE_EQ(HotaResult::Mean(r.hota.det_a), 1.0);
  EXPECT_DOUBLE_EQ(HotaResult::Mean(r.hota.ass_a), 0.5);
  EXPECT_DOUBLE_EQ(HotaResult::Mean(r.hota.hota), std::sqrt(0.5));
}

TEST(TrackingMetrics, DuplicateIdInAFrameIsAnError) {
  std::vector<TrackRow> gt = {{1, 7, {0, 0, 0, 0}, "", 2}};
  std::vector<TrackRow> pred = {{1, 3, {0, 0, 0, 0}, "", 2}, {1, 3, {1, 0, 0, 0}, "", 3}};
  try {
    BuildSequence("s", gt, pred, "gt.txt", "pred.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pred.txt:3: field 'id': id 3 appears more than once in frame 1"),
              std::string::npos) << e.what();
  }
}

// A random sequence: `frames` timesteps, people who come and go with noisy positions,
// predicted ids that sometimes switch, and some false positives.
Sequence RandomSequence(uint64_t seed, int frames = 40) {
  Rng rng(seed);
  std::vector<FrameDetections> gt(frames), pred(frames);
  const int people = rng.UniformInt(1, 5);
  std::vector<int> track(people);
  for (int k = 0; k < people; ++k) track[k] = k;
  int next_track = people;
  for (int t = 0; t < frames; ++t) {
    for (int k = 0; k < people; ++k) {
      if (rng.Bernoulli(0.2)) continue;  // absent
      const Eigen::Vector2d at(3.0 * k + 0.1 * t, rng.Uniform(0, 1));
      gt[t].ids.push_back(k);
      gt[t].geometry.emplace_back(at.x(), at.y(), 0, 0);
      if (rng.Bernoulli(0.15)) continue;  // missed
      if (rng.Bernoulli(0.05)) track[k] = next_track++;
      pred[t].ids.push_back(track[k]);
      pred[t].geometry.emplace_back(at.x() + rng.Normal(0, 0.6), at.y() + rng.Normal(0, 0.6), 0, 0);
    }
    if (rng.Bernoulli(0.3)) {
      pred[t].ids.push_back(next_track++);
      pred[t].geometry.emplace_back(rng.Uniform(0, 15), rng.Uniform(0, 1), 0, 0);
    }
  }
  return Make(gt, pred);
}

// Identity exactly as identity.py formulates it: the (G + T)^2 min-cost assignment of
// fn + fp with 1e10 forbidden entries (a slow, independent reference for the
// compressed maximisation EvaluateIdentity solves).
IdentityResult TrackEvalIdentity(const Sequence& seq, const SimilarityFn& similarity, double threshold) {
  IdentityResult res;
  if (seq.num_pred_dets == 0 || seq.num_gt_dets == 0) {
    res.idfn = static_cast<double>(seq.num_gt_dets);
    res.idfp = static_cast<double>(seq.num_pred_dets);
    res.Finalize();
    return res;
  }
  const int G = seq.num_gt_ids, T = seq.num_pred_ids;
  Eigen::MatrixXd potential = Eigen::MatrixXd::Zero(G, T);
  Eigen::VectorXd gt_count = Eigen::VectorXd::Zero(G), pred_count = Eigen::VectorXd::Zero(T);
  for (int t = 0; t < seq.num_timesteps(); ++t) {
    const FrameDetections &g = seq.gt[t], &p = seq.pred[t];
    if (g.size() > 0 && p.size() > 0) {
      const Eigen::MatrixXd s = similarity(g, p);
      for (size_t i = 0; i < g.size(); ++i) {
        for (size_t j = 0; j < p.size(); ++j) potential(g.ids[i], p.ids[j]) += s(i, j) >= threshold;
      }
    }
    for (int id : g.ids) gt_count[id] += 1;
    for (int id : p.ids) pred_count[id] += 1;
  }
  Eigen::MatrixXd fp = Eigen::MatrixXd::Zero(G + T, G + T), fn = Eigen::MatrixXd::Zero(G + T, G + T);
  fp.bottomLeftCorner(T, T).setConstant(1e10);
  fn.topRightCorner(G, G).setConstant(1e10);
  for (int g = 0; g < G; ++g) {
    fn.block(g, 0, 1, T).setConstant(gt_count[g]);
    fn(g, T + g) = gt_count[g];
  }
  for (int p = 0; p < T; ++p) {
    fp.block(0, p, G, 1).setConstant(pred_count[p]);
    fp(p + G, p) = pred_count[p];
  }
  fn.topLeftCorner(G, T) -= potential;
  fp.topLeftCorner(G, T) -= potential;
  for (auto [r, c] : LinearSumAssignment(fn + fp)) {
    res.idfn += fn(r, c);
    res.idfp += fp(r, c);
  }
  res.idtp = gt_count.sum() - res.idfn;
  res.Finalize();
  return res;
}

TEST(TrackingMetrics, IdentityEqualsTrackEvalsFullFormulation) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    const Sequence seq = RandomSequence(seed);
    const IdentityResult ours = EvaluateIdentity(seq, kLinear2m);
    const IdentityResult reference = TrackEvalIdentity(seq, kLinear2m, kIdentityThreshold);
    EXPECT_EQ(ours.idtp, reference.idtp) << "seed " << seed;
    EXPECT_EQ(ours.idfn, reference.idfn) << "seed " << seed;
    EXPECT_EQ(ours.idfp, reference.idfp) << "seed " << seed;
  }
}

// EvaluateSequence shares one pass between the metrics: the same values as each alone.
TEST(TrackingMetrics, PerMetricFunctionsEqualEvaluateSequence) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const Sequence seq = RandomSequence(seed);
    const TrackingResult all = EvaluateSequence(seq, kLinear2m);
    EXPECT_EQ(ToJson(TrackingResult{all.name, EvaluateHota(seq, kLinear2m), EvaluateClear(seq, kLinear2m),
                                    EvaluateIdentity(seq, kLinear2m)}),
              ToJson(all))
        << "seed " << seed;
  }
  // Thresholds are the TrackEval ones by default, and used when given.
  const Sequence seq = RandomSequence(3);
  TrackingOptions strict;
  strict.clear_threshold = strict.identity_threshold = 0.9;
  const TrackingResult r = EvaluateSequence(seq, kLinear2m, strict);
  const ClearResult strict_clear = EvaluateClear(seq, kLinear2m, 0.9);
  EXPECT_EQ(r.clear.tp, strict_clear.tp);
  EXPECT_EQ(r.clear.idsw, strict_clear.idsw);
  EXPECT_EQ(r.clear.motp_sum, strict_clear.motp_sum);
  EXPECT_EQ(r.identity.idtp, EvaluateIdentity(seq, kLinear2m, 0.9).idtp);
  EXPECT_LT(r.clear.tp, EvaluateClear(seq, kLinear2m).tp);
  EXPECT_LE(r.identity.idtp, EvaluateIdentity(seq, kLinear2m).idtp);
  TrackingOptions bad;
  bad.clear_threshold = 0;
  EXPECT_THROW(EvaluateSequence(seq, kLinear2m, bad), Error);
}

TEST(TrackingMetrics, AlphaGrid) {
  EXPECT_EQ(Alpha(0), kAlphaStart);
  EXPECT_NEAR(Alpha(kNumAlphas - 1), 0.95, 1e-12);
  EXPECT_EQ(Alpha(4), 0.05 + 0.05 * 4);  // numpy.arange: start + i * step
}

// One row with a huge frame number would size the sequence to it: refused, naming the file.
TEST(Sequence, RefusesFramesPastTheLimit) {
  std::vector<TrackRow> gt = {{1, 7, {0, 0, 0, 0}, "", 2}};
  std::vector<TrackRow> pred = {{limits::kMaxFrames + 1, 3, {0, 0, 0, 0}, "", 5}};
  try {
    BuildSequence("s", gt, pred, "gt.txt", "pred.txt");
    FAIL() << "a frame past limits::kMaxFrames was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pred.txt:5: field 'frame'"), std::string::npos) << e.what();
  }
  // The last allowed frame is fine (the sequence then holds kMaxFrames timesteps).
  pred[0].frame = limits::kMaxFrames;
  EXPECT_EQ(BuildSequence("s", gt, pred, "gt.txt", "pred.txt").num_timesteps(), limits::kMaxFrames);
  // Frame numbers start at 1.
  pred[0].frame = 0;
  try {
    BuildSequence("s", gt, pred, "gt.txt", "pred.txt");
    FAIL() << "frame 0 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pred.txt:5: field 'frame'"), std::string::npos) << e.what();
  }
}

TEST(TrackFiles, BadRowsNameFileLineAndColumn) {
  fs::path dir = fs::temp_directory_path() / ("ipt_eval_files_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto error_of = [&](const std::string& text, Space space) -> std::string {
    std::ofstream(dir / "f.txt") << text;
    try {
      ReadTrackFile(dir / "f.txt", space, true);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of("1,1,2,3,4,5,1\n1,2,x,3,4,5,1\n", Space::kImage).find("f.txt:2: field 'x'"), std::string::npos);
  EXPECT_NE(error_of("1,1,2\n", Space::kPitch).find("f.txt:1: expected at least 4"), std::string::npos);
  EXPECT_NE(error_of("frame,id,x,z\n0,1,2,3\n", Space::kPitch).find("f.txt:2: field 'frame'"), std::string::npos);
  EXPECT_NE(error_of("1,1.5,2,3\n", Space::kPitch).find("field 'id'"), std::string::npos);
  EXPECT_NE(error_of("1,1,nan,3\n", Space::kPitch).find("field 'x'"), std::string::npos);
  std::ofstream(dir / "ok.txt") << "frame,id,x,z\n1,4,2.5,3\n2,4,2.6,3\n";
  auto rows = ReadTrackFile(dir / "ok.txt", Space::kPitch, true);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].frame, 2);
  EXPECT_DOUBLE_EQ(rows[1].geometry.x(), 2.6);
  EXPECT_THROW(ReadTrackFile(dir / "absent.txt", Space::kPitch, true), InputError);
}

}  // namespace
}  // namespace ipt::eval
