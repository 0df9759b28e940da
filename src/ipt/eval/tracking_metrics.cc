#include "ipt/eval/tracking_metrics.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "ipt/eval/assignment.h"
#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

constexpr double kEps = DBL_EPSILON;  // numpy.finfo('float').eps
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double SafeDiv(double a, double b) { return a / std::max(1.0, b); }

// HOTA accumulation over the first pass: potential matches weighted by
// per-frame similarity IoU, and id counts.
// Pairs (gt id, pred id) are sparse over a long match: keyed maps, not dense matrices.
using PairKey = uint64_t;
inline PairKey Key(int gt, int pred) { return (static_cast<uint64_t>(gt) << 32) | static_cast<uint32_t>(pred); }
inline int GtOf(PairKey k) { return static_cast<int>(k >> 32); }
inline int PredOf(PairKey k) { return static_cast<int>(k & 0xffffffffu); }

struct HotaState {
  std::unordered_map<PairKey, double> potential;
  Eigen::VectorXd gt_count, pred_count;
};

void FinishClear(const Sequence& seq, const Eigen::VectorXd& clr_gt_count, const Eigen::VectorXd& clr_matched,
                 const Eigen::VectorXd& frag_count, ClearResult* result) {
  ClearResult& clear = *result;
  const int ng = seq.num_gt_ids;
  for (int k = 0; k < ng; ++k) {
    if (clr_gt_count[k] <= 0) continue;
    double ratio = clr_matched[k] / clr_gt_count[k];
    clear.mt += ratio > 0.8;
    clear.pt += ratio >= 0.2;
  }
  clear.pt -= clear.mt;
  clear.ml = ng - clear.mt - clear.pt;
  for (int k = 0; k < ng; ++k) {
    if (frag_count[k] > 0) clear.frag += frag_count[k] - 1;
  }
  clear.frames = seq.num_timesteps();
  clear.Finalize();
}

}  // namespace

double Alpha(int i) { return 0.05 + 0.05 * i; }

double HotaResult::Mean(const PerAlpha& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / kNumAlphas;
}

void HotaResult::Finalize() {
  for (int a = 0; a < kNumAlphas; ++a) {
    det_re[a] = tp[a] / std::max(1.0, tp[a] + fn[a]);
    det_pr[a] = tp[a] / std::max(1.0, tp[a] + fp[a]);
    det_a[a] = tp[a] / std::max(1.0, tp[a] + fn[a] + fp[a]);
    hota[a] = std::sqrt(det_a[a] * ass_a[a]);
    owta[a] = std::sqrt(det_re[a] * ass_a[a]);
  }
}

void ClearResult::Finalize() {
  const double num_gt_ids = mt + ml + pt;
  mtr = SafeDiv(mt, num_gt_ids);
  mlr = SafeDiv(ml, num_gt_ids);
  ptr = SafeDiv(pt, num_gt_ids);
  recall = SafeDiv(tp, tp + fn);
  precision = SafeDiv(tp, tp + fp);
  moda = SafeDiv(tp - fp, tp + fn);
  mota = SafeDiv(tp - fp - idsw, tp + fn);
  motp = SafeDiv(motp_sum, tp);
  smota = SafeDiv(motp_sum - fp - idsw, tp + fn);
  f1 = SafeDiv(tp, tp + 0.5 * fn + 0.5 * fp);
  fp_per_frame = SafeDiv(fp, frames);
  double safe_log_idsw = idsw > 0 ? std::log10(idsw) : idsw;
  motal = SafeDiv(tp - fp - safe_log_idsw, tp + fn);
}

void IdentityResult::Finalize() {
  idr = SafeDiv(idtp, idtp + idfn);
  idp = SafeDiv(idtp, idtp + idfp);
  idf1 = SafeDiv(idtp, idtp + 0.5 * idfp + 0.5 * idfn);
}

TrackingResult EvaluateSequence(const Sequence& seq, const SimilarityFn& similarity_fn,
                                const TrackingOptions& options) {
  TrackingResult result;
  result.name = seq.name;
  const int ng = seq.num_gt_ids, np = seq.num_pred_ids;
  HotaResult& hota = result.hota;
  ClearResult& clear = result.clear;

  // ---- Pass 1: HOTA potential matches, CLEAR, Identity potential matches.
  HotaState hs{{}, Eigen::VectorXd::Zero(ng), Eigen::VectorXd::Zero(np)};
  std::unordered_map<PairKey, double> id_potential;
  Eigen::VectorXd id_gt_count = Eigen::VectorXd::Zero(ng), id_pred_count = Eigen::VectorXd::Zero(np);
  // CLEAR state.
  Eigen::VectorXd clr_gt_count = Eigen::VectorXd::Zero(ng), clr_matched = Eigen::VectorXd::Zero(ng),
                  frag_count = Eigen::VectorXd::Zero(ng);
  std::vector<double> prev_pred(ng, kNaN), prev_step_pred(ng, kNaN);

  for (int t = 0; t < seq.num_timesteps(); ++t) {
    const FrameDetections& g = seq.gt[t];
    const FrameDetections& p = seq.pred[t];
    const int n = static_cast<int>(g.size()), m = static_cast<int>(p.size());
    // Identity counts every detection, also in frames where the other side is empty.
    for (int i = 0; i < n; ++i) id_gt_count[g.ids[i]] += 1;
    for (int j = 0; j < m; ++j) id_pred_count[p.ids[j]] += 1;
    if (n == 0) {
      clear.fp += m;
      for (int j = 0; j < m; ++j) hs.pred_count[p.ids[j]] += 1;
      continue;
    }
    if (m == 0) {
      clear.fn += n;
      for (int i = 0; i < n; ++i) {
        clr_gt_count[g.ids[i]] += 1;
        hs.gt_count[g.ids[i]] += 1;
      }
      continue;
    }
    const Eigen::MatrixXd sim = similarity_fn(g, p);
    // HOTA: similarity IoU for the global alignment score.
    const Eigen::VectorXd row_sum = sim.rowwise().sum();
    const Eigen::RowVectorXd col_sum = sim.colwise().sum();
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) {
        double denom = col_sum[j] + row_sum[i] - sim(i, j);
        if (denom > 0 + kEps && sim(i, j) != 0) hs.potential[Key(g.ids[i], p.ids[j])] += sim(i, j) / denom;
        if (sim(i, j) >= options.identity_threshold) id_potential[Key(g.ids[i], p.ids[j])] += 1;
      }
    }
    for (int i = 0; i < n; ++i) hs.gt_count[g.ids[i]] += 1;
    for (int j = 0; j < m; ++j) hs.pred_count[p.ids[j]] += 1;

    // CLEAR: prefer continuing last frame's matches, then similarity.
    Eigen::MatrixXd score(n, m);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) {
        bool continues = prev_step_pred[g.ids[i]] == static_cast<double>(p.ids[j]);
        score(i, j) = sim(i, j) < options.clear_threshold - kEps ? 0.0 : 1000.0 * continues + sim(i, j);
      }
    }
    std::vector<int> matched_gt, matched_pred;
    for (auto [r, c] : LinearSumAssignment(score, /*maximize=*/true)) {
      if (score(r, c) > 0 + kEps) {
        matched_gt.push_back(g.ids[r]);
        matched_pred.push_back(p.ids[c]);
        clear.motp_sum += sim(r, c);
      }
    }
    for (size_t k = 0; k < matched_gt.size(); ++k) {
      double prev = prev_pred[matched_gt[k]];
      if (!std::isnan(prev) && prev != matched_pred[k]) clear.idsw += 1;
    }
    for (int i = 0; i < n; ++i) clr_gt_count[g.ids[i]] += 1;
    std::vector<char> not_previously_tracked(ng);
    for (int k = 0; k < ng; ++k) not_previously_tracked[k] = std::isnan(prev_step_pred[k]);
    std::fill(prev_step_pred.begin(), prev_step_pred.end(), kNaN);
    for (size_t k = 0; k < matched_gt.size(); ++k) {
      clr_matched[matched_gt[k]] += 1;
      prev_pred[matched_gt[k]] = matched_pred[k];
      prev_step_pred[matched_gt[k]] = matched_pred[k];
    }
    for (int k = 0; k < ng; ++k) {
      if (not_previously_tracked[k] && !std::isnan(prev_step_pred[k])) frag_count[k] += 1;
    }
    const double num_matches = static_cast<double>(matched_gt.size());
    clear.tp += num_matches;
    clear.fn += n - num_matches;
    clear.fp += m - num_matches;
  }

  // ---- CLEAR track-level fields. An empty side returns TrackEval's early result
  // (its final fields are not computed then, and CLR_Frames stays 0).
  if (seq.num_pred_dets == 0 || seq.num_gt_dets == 0) {
    clear = ClearResult{};
    clear.fn = static_cast<double>(seq.num_gt_dets);
    clear.fp = static_cast<double>(seq.num_pred_dets);
    clear.ml = seq.num_pred_dets == 0 ? ng : 0;
    clear.mlr = 1.0;
  } else {
    FinishClear(seq, clr_gt_count, clr_matched, frag_count, &clear);
  }


  // ---- Identity: the one-to-one id matching maximising matched detections (the
  // optimum of TrackEval's (G+T)^2 min-cost formulation, fn + fp = const - 2 matches).
  IdentityResult& id = result.identity;
  // Only predicted ids with some potential match can add to IDTP: compress to those columns.
  double idtp = 0;
  if (!id_potential.empty()) {
    std::unordered_map<int, int> column;
    for (const auto& [key, count] : id_potential) column.emplace(PredOf(key), static_cast<int>(column.size()));
    Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(ng, static_cast<int>(column.size()));
    for (const auto& [key, count] : id_potential) dense(GtOf(key), column[PredOf(key)]) = count;
    for (auto [r, c] : LinearSumAssignment(dense, /*maximize=*/true)) idtp += dense(r, c);
  }
  id.idtp = idtp;
  id.idfn = id_gt_count.sum() - idtp;
  id.idfp = id_pred_count.sum() - idtp;
  id.Finalize();

  // ---- Pass 2: HOTA matching at every alpha.
  auto global_alignment = [&](int i, int j) {
    auto it = hs.potential.find(Key(i, j));
    if (it == hs.potential.end()) return 0.0;
    return it->second / (hs.gt_count[i] + hs.pred_count[j] - it->second);
  };
  std::unordered_map<PairKey, HotaResult::PerAlpha> matches;  // pair -> matches per alpha
  for (int t = 0; t < seq.num_timesteps(); ++t) {
    const FrameDetections& g = seq.gt[t];
    const FrameDetections& p = seq.pred[t];
    const int n = static_cast<int>(g.size()), m = static_cast<int>(p.size());
    if (n == 0) {
      for (int a = 0; a < kNumAlphas; ++a) hota.fp[a] += m;
      continue;
    }
    if (m == 0) {
      for (int a = 0; a < kNumAlphas; ++a) hota.fn[a] += n;
      continue;
    }
    const Eigen::MatrixXd sim = similarity_fn(g, p);
    Eigen::MatrixXd score(n, m);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) score(i, j) = sim(i, j) == 0 ? 0.0 : global_alignment(g.ids[i], p.ids[j]) * sim(i, j);
    }
    const auto assignment = LinearSumAssignment(score, /*maximize=*/true);
    for (int a = 0; a < kNumAlphas; ++a) {
      int num_matches = 0;
      for (auto [r, c] : assignment) {
        if (sim(r, c) >= Alpha(a) - kEps) {
          ++num_matches;
          hota.loc_a[a] += sim(r, c);
          matches[Key(g.ids[r], p.ids[c])][a] += 1;
        }
      }
      hota.tp[a] += num_matches;
      hota.fn[a] += n - num_matches;
      hota.fp[a] += m - num_matches;
    }
  }
  HotaResult::PerAlpha ass_a_sum{}, ass_re_sum{}, ass_pr_sum{};
  for (const auto& [key, per_alpha] : matches) {
    const int i = GtOf(key), j = PredOf(key);
    for (int a = 0; a < kNumAlphas; ++a) {
      double c = per_alpha[a];
      if (c == 0) continue;
      ass_a_sum[a] += c * c / std::max(1.0, hs.gt_count[i] + hs.pred_count[j] - c);
      ass_re_sum[a] += c * c / std::max(1.0, hs.gt_count[i]);
      ass_pr_sum[a] += c * c / std::max(1.0, hs.pred_count[j]);
    }
  }
  for (int a = 0; a < kNumAlphas; ++a) {
    const double ass_a = ass_a_sum[a], ass_re = ass_re_sum[a], ass_pr = ass_pr_sum[a];
    hota.ass_a[a] = ass_a / std::max(1.0, hota.tp[a]);
    hota.ass_re[a] = ass_re / std::max(1.0, hota.tp[a]);
    hota.ass_pr[a] = ass_pr / std::max(1.0, hota.tp[a]);
    hota.loc_a[a] = std::max(1e-10, hota.loc_a[a]) / std::max(1e-10, hota.tp[a]);
  }
  hota.Finalize();
  return result;
}

TrackingResult CombineSequences(const std::vector<TrackingResult>& results, const std::string& name) {
  TrackingResult out;
  out.name = name;
  HotaResult& h = out.hota;
  for (const auto& r : results) {
    for (int a = 0; a < kNumAlphas; ++a) {
      h.tp[a] += r.hota.tp[a];
      h.fn[a] += r.hota.fn[a];
      h.fp[a] += r.hota.fp[a];
      h.ass_a[a] += r.hota.ass_a[a] * r.hota.tp[a];
      h.ass_re[a] += r.hota.ass_re[a] * r.hota.tp[a];
      h.ass_pr[a] += r.hota.ass_pr[a] * r.hota.tp[a];
      h.loc_a[a] += r.hota.loc_a[a] * r.hota.tp[a];
    }
    ClearResult& c = out.clear;
    c.tp += r.clear.tp;
    c.fn += r.clear.fn;
    c.fp += r.clear.fp;
    c.idsw += r.clear.idsw;
    c.mt += r.clear.mt;
    c.pt += r.clear.pt;
    c.ml += r.clear.ml;
    c.frag += r.clear.frag;
    c.motp_sum += r.clear.motp_sum;
    c.frames += r.clear.frames;
    out.identity.idtp += r.identity.idtp;
    out.identity.idfn += r.identity.idfn;
    out.identity.idfp += r.identity.idfp;
  }
  for (int a = 0; a < kNumAlphas; ++a) {
    double w = std::max(1.0, h.tp[a]);
    h.ass_a[a] /= w;
    h.ass_re[a] /= w;
    h.ass_pr[a] /= w;
    // LocA uses 1e-10 guards, not 1: with no matches at an alpha it is 1 (TrackEval).
    h.loc_a[a] = std::max(1e-10, h.loc_a[a]) / std::max(1e-10, h.tp[a]);
  }
  h.Finalize();
  out.clear.Finalize();
  out.identity.Finalize();
  return out;
}

nlohmann::json ToJson(const TrackingResult& r) {
  const HotaResult& h = r.hota;
  auto arr = [](const HotaResult::PerAlpha& v) { return std::vector<double>(v.begin(), v.end()); };
  nlohmann::json j;
  j["HOTA"] = HotaResult::Mean(h.hota);
  j["DetA"] = HotaResult::Mean(h.det_a);
  j["AssA"] = HotaResult::Mean(h.ass_a);
  j["LocA"] = HotaResult::Mean(h.loc_a);
  j["DetRe"] = HotaResult::Mean(h.det_re);
  j["DetPr"] = HotaResult::Mean(h.det_pr);
  j["AssRe"] = HotaResult::Mean(h.ass_re);
  j["AssPr"] = HotaResult::Mean(h.ass_pr);
  j["OWTA"] = HotaResult::Mean(h.owta);
  j["HOTA(0)"] = h.hota[0];
  j["LocA(0)"] = h.loc_a[0];
  j["HOTALocA(0)"] = h.hota[0] * h.loc_a[0];
  j["HOTA_TP"] = HotaResult::Mean(h.tp);
  j["HOTA_FN"] = HotaResult::Mean(h.fn);
  j["HOTA_FP"] = HotaResult::Mean(h.fp);
  const ClearResult& c = r.clear;
  j["MOTA"] = c.mota;
  j["MOTP"] = c.motp;
  j["MODA"] = c.moda;
  j["CLR_Re"] = c.recall;
  j["CLR_Pr"] = c.precision;
  j["MTR"] = c.mtr;
  j["PTR"] = c.ptr;
  j["MLR"] = c.mlr;
  j["sMOTA"] = c.smota;
  j["CLR_F1"] = c.f1;
  j["FP_per_frame"] = c.fp_per_frame;
  j["MOTAL"] = c.motal;
  j["IDSW"] = c.idsw;
  j["CLR_TP"] = c.tp;
  j["CLR_FP"] = c.fp;
  j["CLR_FN"] = c.fn;
  j["MT"] = c.mt;
  j["PT"] = c.pt;
  j["ML"] = c.ml;
  j["Frag"] = c.frag;
  j["CLR_Frames"] = c.frames;
  const IdentityResult& id = r.identity;
  j["IDF1"] = id.idf1;
  j["IDP"] = id.idp;
  j["IDR"] = id.idr;
  j["IDTP"] = id.idtp;
  j["IDFN"] = id.idfn;
  j["IDFP"] = id.idfp;
  j["alphas"] = [] {
    std::vector<double> a;
    for (int i = 0; i < kNumAlphas; ++i) a.push_back(Alpha(i));
    return a;
  }();
  j["HOTA_alpha"] = arr(h.hota);
  j["DetA_alpha"] = arr(h.det_a);
  j["AssA_alpha"] = arr(h.ass_a);
  j["LocA_alpha"] = arr(h.loc_a);
  j["DetRe_alpha"] = arr(h.det_re);
  j["DetPr_alpha"] = arr(h.det_pr);
  j["AssRe_alpha"] = arr(h.ass_re);
  j["AssPr_alpha"] = arr(h.ass_pr);
  j["OWTA_alpha"] = arr(h.owta);
  return j;
}

}  // namespace ipt::eval
