#include "ipt/tracking/number_changes.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {

void NumberChangeOptions::Check() const {
  IPT_CHECK(std::isfinite(min_gain_nats) && min_gain_nats >= 0, "min_gain_nats must be >= 0, got {}", min_gain_nats);
  IPT_CHECK(min_legible_probability > 0 && min_legible_probability <= 1,
            "min_legible_probability must be in (0, 1], got {}", min_legible_probability);
  IPT_CHECK(probability_floor > 0 && probability_floor <= 1, "probability_floor must be in (0, 1], got {}",
            probability_floor);
  IPT_CHECK(min_reads >= 1, "min_reads must be >= 1, got {}", min_reads);
  IPT_CHECK(std::isfinite(window_seconds) && window_seconds > 0 && window_seconds <= limits::kMaxMatchSeconds,
            "window_seconds must be in (0, {}], got {}", limits::kMaxMatchSeconds, window_seconds);
}

namespace {

// prefix[k][m]: the log-likelihood of observations [0, k) under candidate m.
using Prefix = std::vector<std::vector<double>>;

// -(log-likelihood of observations [begin, end) under their best candidate).
double SegmentCost(const Prefix& prefix, size_t begin, size_t end) {
  double best = -std::numeric_limits<double>::infinity();
  for (size_t m = 0; m < prefix[0].size(); ++m) best = std::max(best, prefix[end][m] - prefix[begin][m]);
  return -best;
}

}  // namespace

std::vector<size_t> NumberChangeReads(const std::vector<NumberRead>& reads, const NumberChangeOptions& options) {
  options.Check();
  if (!options.enabled()) return {};
  return PartitionObservations(reads, options.min_gain_nats, options.min_reads);
}

std::vector<size_t> PartitionObservations(const std::vector<NumberRead>& reads, double min_gain_nats,
                                          int min_observations) {
  IPT_CHECK(std::isfinite(min_gain_nats) && min_gain_nats > 0, "min_gain_nats must be > 0, got {}", min_gain_nats);
  IPT_CHECK(min_observations >= 1, "min_observations must be >= 1, got {}", min_observations);
  std::vector<size_t> cuts;
  if (reads.empty()) return cuts;
  const size_t candidates = reads[0].log_likelihood.size();
  if (candidates == 0) return cuts;
  Prefix prefix(reads.size() + 1, std::vector<double>(candidates, 0.0));
  for (size_t k = 0; k < reads.size(); ++k) {
    IPT_CHECK(reads[k].log_likelihood.size() == candidates, "read {} has {} candidates, the first {}", k,
              reads[k].log_likelihood.size(), candidates);
    IPT_CHECK(reads[k].first_frame <= reads[k].last_frame && (k == 0 || reads[k].first_frame > reads[k - 1].last_frame),
              "observations must be by frame, apart: {}-{} after {}", reads[k].first_frame, reads[k].last_frame,
              k == 0 ? 0 : reads[k - 1].last_frame);
    for (size_t m = 0; m < candidates; ++m) {
      IPT_CHECK(std::isfinite(reads[k].log_likelihood[m]), "read {} has a non-finite log-likelihood", k);
      prefix[k + 1][m] = prefix[k][m] + reads[k].log_likelihood[m];
    }
  }
  return PartitionByStretchCost(
      reads.size(), [&](size_t begin, size_t end) { return SegmentCost(prefix, begin, end); }, min_gain_nats,
      min_observations);
}

std::vector<size_t> PartitionByStretchCost(size_t n, const std::function<double(size_t, size_t)>& stretch_cost,
                                           double min_gain_nats, int min_observations,
                                           const std::vector<bool>& may_cut) {
  IPT_CHECK(std::isfinite(min_gain_nats) && min_gain_nats > 0, "min_gain_nats must be > 0, got {}", min_gain_nats);
  IPT_CHECK(min_observations >= 1, "min_observations must be >= 1, got {}", min_observations);
  IPT_CHECK(may_cut.empty() || may_cut.size() == n, "may_cut has {} entries for {} observations", may_cut.size(), n);
  std::vector<size_t> cuts;
  if (n == 0) return cuts;
  // Optimal partitioning (Jackson et al. 2005) with PELT's pruning (Killick et al. 2012):
  // cost[t] = min over s of cost[s] + stretch_cost(s, t) + penalty, stretches of >= min_reads.
  // A cut never costs likelihood (stretch_cost(a, c) >= stretch_cost(a, b) + stretch_cost(b, c)),
  // so once cost[s] + stretch_cost(s, u) > cost[u] for a u that is a legal start of every
  // later stretch end (u = t - min_reads), s can never start the last stretch again.
  const size_t min_reads = static_cast<size_t>(min_observations);
  const double penalty = min_gain_nats;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> cost(n + 1, inf);
  std::vector<size_t> start(n + 1, 0);
  cost[0] = 0;
  std::vector<size_t> starts = {0};  // candidate starts of the last stretch, finite cost
  for (size_t t = 1; t <= n; ++t) {
    if (t >= min_reads && std::isfinite(cost[t - min_reads])) {
      const size_t u = t - min_reads;
      starts.erase(std::remove_if(starts.begin(), starts.end(),
                                  [&](size_t s) { return s < u && cost[s] + stretch_cost(s, u) > cost[u]; }),
                   starts.end());
    }
    for (size_t s : starts) {
      if (t - s < min_reads) continue;
      const double c = cost[s] + stretch_cost(s, t) + penalty;
      if (c < cost[t]) {  // ties: the earliest start
        cost[t] = c;
        start[t] = s;
      }
    }
    // A boundary no cut may fall on starts no stretch (nor prunes, above: it is no legal start).
    if (t < n && !may_cut.empty() && !may_cut[t]) cost[t] = inf;
    if (std::isfinite(cost[t])) starts.push_back(t);
  }
  if (!std::isfinite(cost[n])) return cuts;  // fewer than min_reads observations
  for (size_t t = n; t > 0; t = start[t])
    if (start[t] > 0) cuts.push_back(start[t]);
  std::reverse(cuts.begin(), cuts.end());
  return cuts;
}

int CutFrame(const std::vector<int>& frames, const std::vector<double>& nearest_other_m, int frame_before,
             int frame_after) {
  IPT_ASSERT(frames.size() == nearest_other_m.size() && frame_before < frame_after);
  int best_frame = frame_after;
  double best = std::numeric_limits<double>::infinity();
  const auto first = std::upper_bound(frames.begin(), frames.end(), frame_before);
  for (auto it = first; it != frames.end() && *it <= frame_after; ++it) {
    const double d = nearest_other_m[it - frames.begin()];
    if (d < best) {
      best = d;
      best_frame = *it;
    }
  }
  return best_frame;
}

}  // namespace ipt::tracking
