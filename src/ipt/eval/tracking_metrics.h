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
#include <nlohmann/json.hpp>
#include <vector>

#include "ipt/eval/sequence.h"

namespace ipt::eval {

constexpr int kNumAlphas = 19;
// alpha_i = 0.05 + 0.05 i, as numpy.arange(0.05, 0.99, 0.05) produces them.
double Alpha(int i);

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
  double clear_threshold = 0.5;     // CLEAR MOT: a match needs similarity >= this
  double identity_threshold = 0.5;  // Identity: a potential match needs similarity >= this
};

// All three metrics for one sequence.
TrackingResult EvaluateSequence(const Sequence& sequence, const SimilarityFn& similarity,
                                const TrackingOptions& options = {});

// TrackEval's combine_sequences: counts summed, AssA/AssRe/AssPr/LocA weighted by HOTA TP.
TrackingResult CombineSequences(const std::vector<TrackingResult>& results, const std::string& name = "COMBINED");

// {"HOTA": .., "DetA": .., ...}: headline values as fractions, plus per-alpha arrays
// under "HOTA_alpha", "DetA_alpha", "AssA_alpha", "LocA_alpha", and "alphas".
nlohmann::json ToJson(const TrackingResult& result);

}  // namespace ipt::eval
