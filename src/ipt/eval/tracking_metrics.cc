#include "ipt/eval/tracking_metrics.h"

#include <fmt/format.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "ipt/eval/assignment.h"
#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

constexpr double kEps = DBL_EPSILON;  // numpy.finfo('float').eps
// CLEAR's matching score: a pair that continues last timestep's match gets this
// bonus, so keeping a track always beats any gain in similarity (clear.py: 1000 *).
constexpr double kClearContinuationBonus = 1000.0;
// HOTA's LocA guard: with no match at an alpha, LocA = 1e-10 / 1e-10 = 1 (hota.py).
constexpr double kLocAGuard = 1e-10;

// x / max(1, y): TrackEval's guard against empty denominators.
double SafeDiv(double a, double b) { return a / std::max(1.0, b); }

// Pairs (gt id, pred id) are sparse over a long match: keyed maps, not dense matrices.
using PairKey = uint64_t;
inline PairKey Key(int gt, int pred) { return (static_cast<uint64_t>(gt) << 32) | static_cast<uint32_t>(pred); }
inline int GtOf(PairKey k) { return static_cast<int>(k >> 32); }
inline int PredOf(PairKey k) { return static_cast<int>(k & 0xffffffffu); }

// Calls visit(gt, pred, similarity) for every timestep in order; the similarity is
// computed only when both sides have detections (else an n x m matrix with n or m = 0).
template <typename Visit>
void ForEachTimestep(const Sequence& seq, const SimilarityFn& similarity_fn, Visit&& visit) {
  for (int t = 0; t < seq.num_timesteps(); ++t) {
    const FrameDetections& g = seq.gt[t];
    const FrameDetections& p = seq.pred[t];
    const Eigen::MatrixXd sim = g.size() == 0 || p.size() == 0
                                    ? Eigen::MatrixXd(static_cast<int>(g.size()), static_cast<int>(p.size()))
                                    : similarity_fn(g, p);
    visit(g, p, sim);
  }
}

// ---- HOTA: trackeval/metrics/hota.py, HOTA.eval_sequence.
//
// Pass 1 (global alignment). For every timestep, the similarity IoU of a pair
//   simIoU(i, j) = S(i, j) / (sum_j' S(i, j') + sum_i' S(i', j) - S(i, j))
// is summed per id pair (potential matches), and detections are counted per id. The
// global alignment score of an id pair is then the Jaccard index
//   A(g, p) = potential(g, p) / (|g| + |p| - potential(g, p)).
// Pass 2 (matching). Per timestep, the assignment maximises A(g, p) * S(i, j); at each
// alpha the assigned pairs with S >= alpha - eps are TPs (the rest FN / FP), LocA sums S.
// Then per alpha, with c(g, p) the TPs of a pair:
//   AssA  = sum c^2 / max(1, |g| + |p| - c) / max(1, TP)
//   AssRe = sum c^2 / max(1, |g|) / max(1, TP),   AssPr = sum c^2 / max(1, |p|) / max(1, TP)
//   LocA  = max(1e-10, sum S) / max(1e-10, TP)
// and HotaResult::Finalize gives DetRe, DetPr, DetA, HOTA = sqrt(DetA AssA), OWTA.
class HotaAccumulator {
 public:
  HotaAccumulator(int num_gt_ids, int num_pred_ids)
      : gt_count_(Eigen::VectorXd::Zero(num_gt_ids)), pred_count_(Eigen::VectorXd::Zero(num_pred_ids)) {}

  // Pass 1: potential matches and detections per id.
  void AddPotentialMatches(const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    const int n = static_cast<int>(g.size()), m = static_cast<int>(p.size());
    if (n > 0 && m > 0) {
      const Eigen::VectorXd row_sum = sim.rowwise().sum();
      const Eigen::RowVectorXd col_sum = sim.colwise().sum();
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < m; ++j) {
          const double denom = col_sum[j] + row_sum[i] - sim(i, j);
          if (denom > 0 + kEps && sim(i, j) != 0) potential_[Key(g.ids[i], p.ids[j])] += sim(i, j) / denom;
        }
      }
    }
    for (int i = 0; i < n; ++i) gt_count_[g.ids[i]] += 1;
    for (int j = 0; j < m; ++j) pred_count_[p.ids[j]] += 1;
  }

  // Pass 2: the matches of one timestep at every alpha.
  void MatchTimestep(const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    const int n = static_cast<int>(g.size()), m = static_cast<int>(p.size());
    if (n == 0) {
      for (int a = 0; a < kNumAlphas; ++a) result_.fp[a] += m;
      return;
    }
    if (m == 0) {
      for (int a = 0; a < kNumAlphas; ++a) result_.fn[a] += n;
      return;
    }
    Eigen::MatrixXd score(n, m);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) score(i, j) = sim(i, j) == 0 ? 0.0 : GlobalAlignment(g.ids[i], p.ids[j]) * sim(i, j);
    }
    const auto assignment = LinearSumAssignment(score, /*maximize=*/true);
    for (int a = 0; a < kNumAlphas; ++a) {
      int num_matches = 0;
      for (auto [r, c] : assignment) {
        if (sim(r, c) >= Alpha(a) - kEps) {
          ++num_matches;
          result_.loc_a[a] += sim(r, c);
          matches_[Key(g.ids[r], p.ids[c])][a] += 1;
        }
      }
      result_.tp[a] += num_matches;
      result_.fn[a] += n - num_matches;
      result_.fp[a] += m - num_matches;
    }
  }

  // Association scores from the per-pair match counts, then the derived fields.
  HotaResult Finish() {
    HotaResult::PerAlpha ass_a_sum{}, ass_re_sum{}, ass_pr_sum{};
    for (const auto& [key, per_alpha] : matches_) {
      const int i = GtOf(key), j = PredOf(key);
      for (int a = 0; a < kNumAlphas; ++a) {
        const double c = per_alpha[a];
        if (c == 0) continue;
        ass_a_sum[a] += c * c / std::max(1.0, gt_count_[i] + pred_count_[j] - c);
        ass_re_sum[a] += c * c / std::max(1.0, gt_count_[i]);
        ass_pr_sum[a] += c * c / std::max(1.0, pred_count_[j]);
      }
    }
    HotaResult& h = result_;
    for (int a = 0; a < kNumAlphas; ++a) {
      h.ass_a[a] = ass_a_sum[a] / std::max(1.0, h.tp[a]);
      h.ass_re[a] = ass_re_sum[a] / std::max(1.0, h.tp[a]);
      h.ass_pr[a] = ass_pr_sum[a] / std::max(1.0, h.tp[a]);
      h.loc_a[a] = std::max(kLocAGuard, h.loc_a[a]) / std::max(kLocAGuard, h.tp[a]);
    }
    h.Finalize();
    return h;
  }

 private:
  double GlobalAlignment(int gt, int pred) const {
    auto it = potential_.find(Key(gt, pred));
    if (it == potential_.end()) return 0.0;
    return it->second / (gt_count_[gt] + pred_count_[pred] - it->second);
  }

  std::unordered_map<PairKey, double> potential_;                 // pass 1: sum of simIoU per pair
  Eigen::VectorXd gt_count_, pred_count_;                         // detections per id
  std::unordered_map<PairKey, HotaResult::PerAlpha> matches_;     // pass 2: TPs per pair and alpha
  HotaResult result_;
};

// ---- CLEAR MOT: trackeval/metrics/clear.py, CLEAR.eval_sequence.
//
// Per timestep, pairs with S < threshold - eps score 0, others
//   score = 1000 * [pred continues this gt's match of the previous timestep] + S,
// and the assignment maximising the score gives the matches (score > eps): TP, FN, FP,
// MOTP_sum += S. An IDSW is a matched gt whose predicted id differs from the one it
// was last matched to (any earlier timestep). A fragment starts each time a gt goes
// from unmatched to matched. Track-level: ratio = matched / present timesteps per gt id,
// MT: ratio > 0.8, PT: ratio >= 0.2 (and not MT), ML: the rest; Frag = sum(fragments - 1).
// ClearResult::Finalize: MOTA = (TP - FP - IDSW) / max(1, TP + FN), MOTP = MOTP_sum / TP, ...
class ClearAccumulator {
 public:
  ClearAccumulator(int num_gt_ids, double threshold)
      : threshold_(threshold),
        present_(Eigen::VectorXd::Zero(num_gt_ids)),
        matched_(Eigen::VectorXd::Zero(num_gt_ids)),
        fragments_(Eigen::VectorXd::Zero(num_gt_ids)),
        last_matched_pred_(num_gt_ids, kNaN),
        prev_step_pred_(num_gt_ids, kNaN) {}

  void AddTimestep(const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    ClearResult& clear = result_;
    const int n = static_cast<int>(g.size()), m = static_cast<int>(p.size());
    if (n == 0) {
      clear.fp += m;
      return;
    }
    if (m == 0) {
      clear.fn += n;
      for (int i = 0; i < n; ++i) present_[g.ids[i]] += 1;
      return;
    }
    // Prefer continuing last timestep's matches, then similarity.
    Eigen::MatrixXd score(n, m);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) {
        const bool continues = prev_step_pred_[g.ids[i]] == static_cast<double>(p.ids[j]);
        score(i, j) = sim(i, j) < threshold_ - kEps ? 0.0 : kClearContinuationBonus * continues + sim(i, j);
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
      const double last = last_matched_pred_[matched_gt[k]];
      if (!std::isnan(last) && last != matched_pred[k]) clear.idsw += 1;
    }
    for (int i = 0; i < n; ++i) present_[g.ids[i]] += 1;
    const int ng = static_cast<int>(prev_step_pred_.size());
    std::vector<char> not_previously_tracked(ng);
    for (int k = 0; k < ng; ++k) not_previously_tracked[k] = std::isnan(prev_step_pred_[k]);
    std::fill(prev_step_pred_.begin(), prev_step_pred_.end(), kNaN);
    for (size_t k = 0; k < matched_gt.size(); ++k) {
      matched_[matched_gt[k]] += 1;
      last_matched_pred_[matched_gt[k]] = matched_pred[k];
      prev_step_pred_[matched_gt[k]] = matched_pred[k];
    }
    for (int k = 0; k < ng; ++k) {
      if (not_previously_tracked[k] && !std::isnan(prev_step_pred_[k])) fragments_[k] += 1;
    }
    const double num_matches = static_cast<double>(matched_gt.size());
    clear.tp += num_matches;
    clear.fn += n - num_matches;
    clear.fp += m - num_matches;
  }

  ClearResult Finish(const Sequence& seq) {
    ClearResult& clear = result_;
    const int ng = seq.num_gt_ids;
    // An empty side returns TrackEval's early result (its final fields are not
    // computed then, and CLR_Frames stays 0).
    if (seq.num_pred_dets == 0 || seq.num_gt_dets == 0) {
      clear = ClearResult{};
      clear.fn = static_cast<double>(seq.num_gt_dets);
      clear.fp = static_cast<double>(seq.num_pred_dets);
      clear.ml = seq.num_pred_dets == 0 ? ng : 0;
      clear.mlr = 1.0;
      return clear;
    }
    for (int k = 0; k < ng; ++k) {
      if (present_[k] <= 0) continue;
      const double ratio = matched_[k] / present_[k];
      clear.mt += ratio > kMostlyTrackedRatio;
      clear.pt += ratio >= kPartiallyTrackedRatio;
    }
    clear.pt -= clear.mt;
    clear.ml = ng - clear.mt - clear.pt;
    for (int k = 0; k < ng; ++k) {
      if (fragments_[k] > 0) clear.frag += fragments_[k] - 1;
    }
    clear.frames = seq.num_timesteps();
    clear.Finalize();
    return clear;
  }

 private:
  double threshold_;
  Eigen::VectorXd present_, matched_, fragments_;  // per gt id: timesteps present, matched; fragments
  // Per gt id: the predicted id it was last matched to (any timestep; for IDSW), and
  // the one of the previous timestep only (for the continuation bonus and fragments).
  std::vector<double> last_matched_pred_, prev_step_pred_;
  ClearResult result_;
};

// ---- Identity: trackeval/metrics/identity.py, Identity.eval_sequence.
//
// potential(g, p) counts the timesteps where S(g, p) >= threshold. TrackEval solves a
// (G + T)^2 min-cost assignment of fn + fp with 1e10 forbidden entries; since
// fn + fp = |gt dets| + |pred dets| - 2 sum(matched potential), its optimum is the
// one-to-one id matching maximising IDTP = sum potential(g, p) over matched pairs, and
//   IDFN = |gt dets| - IDTP,  IDFP = |pred dets| - IDTP,  IDF1 = IDTP / (IDTP + (IDFN + IDFP) / 2).
class IdentityAccumulator {
 public:
  explicit IdentityAccumulator(double threshold) : threshold_(threshold) {}

  void AddTimestep(const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    // Every detection counts, also in timesteps where the other side is empty.
    gt_dets_ += static_cast<double>(g.size());
    pred_dets_ += static_cast<double>(p.size());
    for (int i = 0; i < sim.rows(); ++i) {
      for (int j = 0; j < sim.cols(); ++j) {
        if (sim(i, j) >= threshold_) potential_[Key(g.ids[i], p.ids[j])] += 1;
      }
    }
  }

  IdentityResult Finish(int num_gt_ids) const {
    // Only predicted ids with some potential match can add to IDTP: compress to those columns.
    double idtp = 0;
    if (!potential_.empty()) {
      std::unordered_map<int, int> column;
      for (const auto& [key, count] : potential_) column.emplace(PredOf(key), static_cast<int>(column.size()));
      Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(num_gt_ids, static_cast<int>(column.size()));
      for (const auto& [key, count] : potential_) dense(GtOf(key), column[PredOf(key)]) = count;
      for (auto [r, c] : LinearSumAssignment(dense, /*maximize=*/true)) idtp += dense(r, c);
    }
    IdentityResult id;
    id.idtp = idtp;
    id.idfn = gt_dets_ - idtp;
    id.idfp = pred_dets_ - idtp;
    id.Finalize();
    return id;
  }

 private:
  double threshold_;
  std::unordered_map<PairKey, double> potential_;  // timesteps with S >= threshold per id pair
  double gt_dets_ = 0, pred_dets_ = 0;
};

// HOTA's second pass over the sequence (the first fed `hota` its potential matches).
HotaResult FinishHota(const Sequence& seq, const SimilarityFn& similarity_fn, HotaAccumulator* hota) {
  ForEachTimestep(seq, similarity_fn, [&](const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    hota->MatchTimestep(g, p, sim);
  });
  return hota->Finish();
}

}  // namespace

double Alpha(int i) { return kAlphaStart + kAlphaStep * i; }

double HotaResult::Mean(const PerAlpha& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / kNumAlphas;
}

// hota.py, _compute_final_fields (OWTA is TrackEval's RHOTA).
void HotaResult::Finalize() {
  for (int a = 0; a < kNumAlphas; ++a) {
    det_re[a] = tp[a] / std::max(1.0, tp[a] + fn[a]);
    det_pr[a] = tp[a] / std::max(1.0, tp[a] + fp[a]);
    det_a[a] = tp[a] / std::max(1.0, tp[a] + fn[a] + fp[a]);
    hota[a] = std::sqrt(det_a[a] * ass_a[a]);
    owta[a] = std::sqrt(det_re[a] * ass_a[a]);
  }
}

// clear.py, _compute_final_fields.
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
  const double safe_log_idsw = idsw > 0 ? std::log10(idsw) : idsw;
  motal = SafeDiv(tp - fp - safe_log_idsw, tp + fn);
}

// identity.py, _compute_final_fields.
void IdentityResult::Finalize() {
  idr = SafeDiv(idtp, idtp + idfn);
  idp = SafeDiv(idtp, idtp + idfp);
  idf1 = SafeDiv(idtp, idtp + 0.5 * idfp + 0.5 * idfn);
}

void TrackingOptions::Check() const {
  IPT_CHECK(clear_threshold > 0 && clear_threshold <= 1, "clear_threshold must be in (0, 1], got {}", clear_threshold);
  IPT_CHECK(identity_threshold > 0 && identity_threshold <= 1, "identity_threshold must be in (0, 1], got {}",
            identity_threshold);
}

HotaResult EvaluateHota(const Sequence& seq, const SimilarityFn& similarity_fn) {
  HotaAccumulator hota(seq.num_gt_ids, seq.num_pred_ids);
  ForEachTimestep(seq, similarity_fn, [&](const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    hota.AddPotentialMatches(g, p, sim);
  });
  return FinishHota(seq, similarity_fn, &hota);
}

ClearResult EvaluateClear(const Sequence& seq, const SimilarityFn& similarity_fn, double threshold) {
  ClearAccumulator clear(seq.num_gt_ids, threshold);
  ForEachTimestep(seq, similarity_fn, [&](const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    clear.AddTimestep(g, p, sim);
  });
  return clear.Finish(seq);
}

IdentityResult EvaluateIdentity(const Sequence& seq, const SimilarityFn& similarity_fn, double threshold) {
  IdentityAccumulator identity(threshold);
  ForEachTimestep(seq, similarity_fn, [&](const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    identity.AddTimestep(g, p, sim);
  });
  return identity.Finish(seq.num_gt_ids);
}

TrackingResult EvaluateSequence(const Sequence& seq, const SimilarityFn& similarity_fn,
                                const TrackingOptions& options) {
  options.Check();
  // One pass feeds CLEAR, Identity and HOTA's potential matches; HOTA's matching needs
  // the global alignment of the whole sequence, hence its second pass.
  HotaAccumulator hota(seq.num_gt_ids, seq.num_pred_ids);
  ClearAccumulator clear(seq.num_gt_ids, options.clear_threshold);
  IdentityAccumulator identity(options.identity_threshold);
  ForEachTimestep(seq, similarity_fn, [&](const FrameDetections& g, const FrameDetections& p, const Eigen::MatrixXd& sim) {
    hota.AddPotentialMatches(g, p, sim);
    clear.AddTimestep(g, p, sim);
    identity.AddTimestep(g, p, sim);
  });
  TrackingResult result;
  result.name = seq.name;
  result.clear = clear.Finish(seq);
  result.identity = identity.Finish(seq.num_gt_ids);
  result.hota = FinishHota(seq, similarity_fn, &hota);
  return result;
}

// TrackEval's combine_sequences of the three metrics.
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
    const double w = std::max(1.0, h.tp[a]);
    h.ass_a[a] /= w;
    h.ass_re[a] /= w;
    h.ass_pr[a] /= w;
    // LocA uses 1e-10 guards, not 1: with no matches at an alpha it is 1 (TrackEval).
    h.loc_a[a] = std::max(kLocAGuard, h.loc_a[a]) / std::max(kLocAGuard, h.tp[a]);
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

const std::vector<TrackingColumn>& TrackingTableColumns() {
  static const std::vector<TrackingColumn> kColumns = {
      {"HOTA", true},  {"DetA", true},   {"AssA", true},   {"LocA", true},   {"DetRe", true}, {"DetPr", true},
      {"MOTA", true},  {"MOTP", true},   {"IDF1", true},   {"IDP", true},    {"IDR", true},   {"IDSW", false},
      {"CLR_TP", false}, {"CLR_FP", false}, {"CLR_FN", false}, {"MT", false}, {"PT", false}, {"ML", false},
      {"Frag", false}};
  return kColumns;
}

std::string FormatTrackingTable(const std::vector<TrackingResult>& results,
                                const std::vector<TrackingColumn>& columns) {
  constexpr int kNameWidth = 20, kColumnWidth = 8;
  std::string out = fmt::format("{:<{}}", "sequence", kNameWidth);
  for (const auto& c : columns) out += fmt::format("{:>{}}", c.key, kColumnWidth);
  out += "\n";
  for (const auto& r : results) {
    const nlohmann::json j = ToJson(r);
    out += fmt::format("{:<{}}", r.name.substr(0, kNameWidth - 1), kNameWidth);
    for (const auto& c : columns) {
      const double v = j.at(c.key).get<double>();
      out += c.percent ? fmt::format("{:>{}.2f}", 100 * v, kColumnWidth) : fmt::format("{:>{}.0f}", v, kColumnWidth);
    }
    out += "\n";
  }
  return out + "(metric values in %, counts as numbers)\n";
}

}  // namespace ipt::eval
