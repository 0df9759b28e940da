// HOTA, CLEAR and Identity metrics, computed exactly as TrackEval
// (JonathonLuiten/TrackEval: metrics/hota.py, clear.py, identity.py) computes them:
// same 19 alphas (0.05 + 0.05 i), same matching (linear sum assignment with the same
// scores), same epsilon rules, same combination of several sequences.
//
// References: Luiten et al., "HOTA: A Higher Order Metric for Evaluating
// Multi-Object Tracking", IJCV 2020; Bernardin & Stiefelhagen, "Evaluating multiple
// object tracking performance: the CLEAR MOT metrics", 2008; Ristani et al.,
// "Performance measures and a data set for multi-target, multi-camera tracking", 2016.
#pragma once

#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "ipt/eval/sequence.h"

namespace ipt::eval {

// A metric over nothing (no people, no frames), and an id not yet seen.
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// HOTA's localization thresholds (hota.py: np.arange(0.05, 0.99, 0.05)):
// alpha_i = kAlphaStart + kAlphaStep * i for i = 0..kNumAlphas-1, i.e. 0.05 .. 0.95.
constexpr double kAlphaStart = 0.05;
constexpr double kAlphaStep = 0.05;
constexpr int kNumAlphas = 19;
// alpha_i computed as numpy.arange computes it (start + i * step, not a running sum).
double Alpha(int i);

// CLEAR MOT and Identity count a pair as matchable when its similarity is at least
// this (clear.py and identity.py: self.threshold = 0.5).
constexpr double kClearThreshold = 0.5;
constexpr double kIdentityThreshold = 0.5;
// CLEAR's mostly tracked / partially tracked split: a ground-truth track matched in
// more than 80 % of its frames is MT, in at least 20 % PT, else ML (clear.py).
constexpr double kMostlyTrackedRatio = 0.8;
constexpr double kPartiallyTrackedRatio = 0.2;

struct HotaResult {
  using PerAlpha = std::array<double, kNumAlphas>;
  // Accumulated (summed over sequences when combined).
  PerAlpha tp{}, fn{}, fp{};
  // Per alpha; combined as TP-weighted averages.
  PerAlpha ass_a{}, ass_re{}, ass_pr{}, loc_a{};
  // Derived by Finalize().
  PerAlpha det_re{}, det_pr{}, det_a{}, hota{}, owta{};
  void Finalize();
  // Headline values are means over the alphas, as TrackEval reports them.
  static double Mean(const PerAlpha& values);
};

struct ClearResult {
  double tp = 0, fn = 0, fp = 0, idsw = 0, mt = 0, pt = 0, ml = 0, frag = 0, motp_sum = 0, frames = 0;
  // Derived by Finalize().
  double mota = 0, motp = 0, moda = 0, recall = 0, precision = 0, mtr = 0, ptr = 0, mlr = 0, smota = 0,
         f1 = 0, fp_per_frame = 0, motal = 0;
  void Finalize();
};

struct IdentityResult {
  double idtp = 0, idfn = 0, idfp = 0;
  double idf1 = 0, idr = 0, idp = 0;  // derived by Finalize()
  void Finalize();
};

struct TrackingResult {
  std::string name;
  HotaResult hota;
  ClearResult clear;
  IdentityResult identity;
};

struct TrackingOptions {
  double clear_threshold = kClearThreshold;        // CLEAR MOT: a match needs similarity >= this
  double identity_threshold = kIdentityThreshold;  // Identity: a potential match needs similarity >= this
  void Check() const;                              // both in (0, 1]
};

// One metric each, for one sequence. `similarity` gives the gt x pred matrix of a
// timestep, in [0, 1]; it is called only for timesteps where both sides have detections.
//
// HOTA (hota.py): per alpha, TP/FN/FP of a per-timestep assignment that maximises
// global-alignment-weighted similarity, DetA = TP / (TP + FN + FP), AssA = mean over
// TPs of |TPA| / (|TPA| + |FNA| + |FPA|), HOTA = sqrt(DetA * AssA).
HotaResult EvaluateHota(const Sequence& sequence, const SimilarityFn& similarity);
// CLEAR MOT (clear.py): per-timestep matching that keeps last timestep's matches,
// MOTA = 1 - (FN + FP + IDSW) / |gt|, MOTP = mean similarity of matches, MT/PT/ML, Frag.
ClearResult EvaluateClear(const Sequence& sequence, const SimilarityFn& similarity,
                          double threshold = kClearThreshold);
// Identity (identity.py): one global id-to-id matching maximising IDTP,
// IDF1 = IDTP / (IDTP + (IDFN + IDFP) / 2).
IdentityResult EvaluateIdentity(const Sequence& sequence, const SimilarityFn& similarity,
                                double threshold = kIdentityThreshold);

// All three metrics for one sequence: the values of the three functions above,
// computing the similarity of each timestep twice instead of four times.
TrackingResult EvaluateSequence(const Sequence& sequence, const SimilarityFn& similarity,
                                const TrackingOptions& options = {});

// TrackEval's combine_sequences: counts summed, AssA/AssRe/AssPr/LocA weighted by HOTA TP.
TrackingResult CombineSequences(const std::vector<TrackingResult>& results, const std::string& name = "COMBINED");

// {"HOTA": .., "DetA": .., ...}: headline values as fractions, plus per-alpha arrays
// under "HOTA_alpha", "DetA_alpha", "AssA_alpha", "LocA_alpha", and "alphas".
nlohmann::json ToJson(const TrackingResult& result);

// A column of the tracking-metrics table: a key of ToJson(), shown either as a
// percentage (a fraction) or as a count.
struct TrackingColumn {
  const char* key;
  bool percent;
};
// The columns of `ipt eval tracks`: HOTA DetA AssA LocA DetRe DetPr MOTA MOTP IDF1 IDP IDR
// as percentages, then IDSW CLR_TP CLR_FP CLR_FN MT PT ML Frag as counts.
const std::vector<TrackingColumn>& TrackingTableColumns();
// One row per result (names cut to 19 characters) under a header row, and a last line
// saying the units.
std::string FormatTrackingTable(const std::vector<TrackingResult>& results,
                                const std::vector<TrackingColumn>& columns = TrackingTableColumns());

}  // namespace ipt::eval
