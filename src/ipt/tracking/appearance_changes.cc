#include "ipt/tracking/appearance_changes.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "ipt/tracking/number_changes.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {

void AppearanceChangeOptions::Check() const {
  IPT_CHECK(std::isfinite(min_gain_nats) && min_gain_nats >= 0, "min_gain_nats must be >= 0, got {}", min_gain_nats);
  IPT_CHECK(min_windows >= 1, "min_windows must be >= 1, got {}", min_windows);
  // Two cuts one window apart would share that window's frames, and the second could then
  // fall after the first, past their meeting.
  IPT_CHECK(meeting_radius_m == 0 || min_windows >= 2, "min_windows must be >= 2 when cuts need a meeting, got {}",
            min_windows);
  IPT_CHECK(std::isfinite(window_seconds) && window_seconds > 0 && window_seconds <= limits::kMaxMatchSeconds,
            "window_seconds must be in (0, {}], got {}", limits::kMaxMatchSeconds, window_seconds);
  IPT_CHECK(std::isfinite(meeting_radius_m) && meeting_radius_m >= 0, "meeting_radius_m must be >= 0, got {}",
            meeting_radius_m);
  IPT_CHECK(shared_drift_min_tracks >= 1, "shared_drift_min_tracks must be >= 1, got {}", shared_drift_min_tracks);
  IPT_CHECK(std::isfinite(meeting_gap_seconds) && meeting_gap_seconds > 0 &&
                meeting_gap_seconds <= limits::kMaxMatchSeconds,
            "meeting_gap_seconds must be in (0, {}], got {}", limits::kMaxMatchSeconds, meeting_gap_seconds);
}

namespace {

// Alternations of RemoveSharedDrift's two-way fit: in the test's drifting match the
// observations' scatter around their track means was 1.47 x the noise's after one, 1.35
// after five and after ten (windows with too few other tracks keep their drift).
constexpr int kSharedDriftAlternations = 5;

void CheckWindows(const std::vector<AppearanceWindow>& windows, Eigen::Index dim) {
  for (size_t k = 0; k < windows.size(); ++k) {
    const AppearanceWindow& w = windows[k];
    IPT_CHECK(w.mean_embedding.size() == dim, "an appearance observation of {} values, expected {}",
              w.mean_embedding.size(), dim);
    IPT_CHECK(w.mean_embedding.allFinite(), "a non-finite appearance observation (frames {}-{})", w.first_frame,
              w.last_frame);
    IPT_CHECK(w.detections >= 1, "an appearance observation of {} detections", w.detections);
    IPT_CHECK(w.first_frame <= w.last_frame && (k == 0 || w.first_frame > windows[k - 1].last_frame),
              "appearance observations must be by frame, apart: {}-{} after {}", w.first_frame, w.last_frame,
              k == 0 ? 0 : windows[k - 1].last_frame);
  }
}

// Prefix sums of a track's observations and of their squared norms: the cost of a stretch
// with its own mean is sum |o|^2 - |sum o|^2 / n, in O(D).
class StretchCost {
 public:
  StretchCost(const std::vector<AppearanceWindow>& windows, double spread_sq) : scale_(0.5 / spread_sq) {
    const Eigen::Index dim = windows.empty() ? 0 : windows.front().mean_embedding.size();
    CheckWindows(windows, dim);
    sum_ = Eigen::MatrixXd::Zero(dim, static_cast<Eigen::Index>(windows.size()) + 1);
    sum_sq_.assign(windows.size() + 1, 0.0);
    for (size_t k = 0; k < windows.size(); ++k) {
      const Eigen::Index i = static_cast<Eigen::Index>(k);
      sum_.col(i + 1) = sum_.col(i) + windows[k].mean_embedding;
      sum_sq_[k + 1] = sum_sq_[k] + windows[k].mean_embedding.squaredNorm();
    }
  }
  double operator()(size_t begin, size_t end) const {
    const double n = static_cast<double>(end - begin);
    const double sum_norm_sq =
        (sum_.col(static_cast<Eigen::Index>(end)) - sum_.col(static_cast<Eigen::Index>(begin))).squaredNorm();
    // Rounding may leave a stretch of one observation slightly below 0.
    return scale_ * std::max(0.0, sum_sq_[end] - sum_sq_[begin] - sum_norm_sq / n);
  }

 private:
  double scale_;
  Eigen::MatrixXd sum_;  // D x (n + 1): column k sums observations [0, k)
  std::vector<double> sum_sq_;
};

}  // namespace

std::optional<double> AppearanceSpread(const std::vector<std::vector<AppearanceWindow>>& tracks) {
  std::vector<double> squared;
  Eigen::Index dim = -1;  // the first track's
  for (const std::vector<AppearanceWindow>& windows : tracks) {
    if (windows.empty()) continue;
    if (dim < 0) dim = windows.front().mean_embedding.size();
    CheckWindows(windows, dim);
    for (size_t k = 1; k < windows.size(); ++k)
      squared.push_back((windows[k].mean_embedding - windows[k - 1].mean_embedding).squaredNorm());
  }
  if (squared.empty()) return std::nullopt;
  const auto middle = squared.begin() + static_cast<std::ptrdiff_t>(squared.size() / 2);
  std::nth_element(squared.begin(), middle, squared.end());
  const double spread_sq = 0.5 * *middle;
  if (!(spread_sq > 0)) return std::nullopt;
  return spread_sq;
}

void RemoveSharedDrift(int window_frames, int min_other_tracks, std::vector<std::vector<AppearanceWindow>>* tracks) {
  IPT_CHECK(window_frames >= 1, "window_frames must be >= 1, got {}", window_frames);
  IPT_CHECK(min_other_tracks >= 1, "min_other_tracks must be >= 1, got {}", min_other_tracks);
  Eigen::Index dim = -1;
  for (const std::vector<AppearanceWindow>& windows : *tracks) {
    if (windows.empty()) continue;
    if (dim < 0) dim = windows.front().mean_embedding.size();
    CheckWindows(windows, dim);
  }
  if (dim < 0) return;
  // The two-way fit o = mean_t + drift_w + noise, by alternation: each track's mean with
  // the drift taken out, then each window's drift as the detection-weighted mean of the
  // tracks' deviations from their means (tracks of >= 2 observations); a track's mean first
  // holds the mean drift over its span, and each alternation takes most of that out.
  struct Shared {
    Eigen::VectorXd sum;
    double detections = 0;
    int tracks = 0;
  };
  std::map<int, Shared> shared;  // window index -> the deviations' weighted sum, weight, tracks
  const auto index_of = [&](const AppearanceWindow& w) { return (w.first_frame - 1) / window_frames; };
  const auto drift_of = [&](const AppearanceWindow& w) -> Eigen::VectorXd {
    auto it = shared.find(index_of(w));
    if (it == shared.end() || it->second.detections <= 0) return Eigen::VectorXd::Zero(dim);
    return it->second.sum / it->second.detections;
  };
  std::vector<std::vector<Eigen::VectorXd>> deviation(tracks->size());
  for (int pass = 0; pass < kSharedDriftAlternations; ++pass) {
    std::map<int, Shared> next;
    for (size_t t = 0; t < tracks->size(); ++t) {
      const std::vector<AppearanceWindow>& windows = (*tracks)[t];
      if (windows.size() < 2) continue;
      Eigen::VectorXd mean = Eigen::VectorXd::Zero(dim);
      double detections = 0;
      for (const AppearanceWindow& w : windows) {
        mean += w.detections * (w.mean_embedding - drift_of(w));
        detections += w.detections;
      }
      mean /= detections;
      deviation[t].clear();
      for (const AppearanceWindow& w : windows) {
        deviation[t].push_back(w.mean_embedding - mean);
        Shared& s = next.try_emplace(index_of(w), Shared{Eigen::VectorXd::Zero(dim)}).first->second;
        s.sum += w.detections * deviation[t].back();
        s.detections += w.detections;
        ++s.tracks;
      }
    }
    shared = std::move(next);
  }
  // Each observation less the drift of the other tracks alone (its own change not shrunk).
  for (size_t t = 0; t < tracks->size(); ++t) {
    for (size_t k = 0; k < (*tracks)[t].size(); ++k) {
      AppearanceWindow& w = (*tracks)[t][k];
      auto it = shared.find(index_of(w));
      if (it == shared.end()) continue;
      Shared others = it->second;
      if (!deviation[t].empty()) {
        others.sum -= w.detections * deviation[t][k];
        others.detections -= w.detections;
        --others.tracks;
      }
      if (others.tracks < min_other_tracks) continue;
      w.mean_embedding -= others.sum / others.detections;
    }
  }
}

std::vector<double> MeetingDistancesM(const std::vector<int>& frames, const std::vector<double>& nearest_other_m,
                                      int max_unseen_frames) {
  IPT_CHECK(frames.size() == nearest_other_m.size(), "{} frames but {} distances", frames.size(),
            nearest_other_m.size());
  IPT_CHECK(max_unseen_frames >= 0, "max_unseen_frames must be >= 0, got {}", max_unseen_frames);
  std::vector<double> meeting_m = nearest_other_m;
  for (size_t i = 1; i < frames.size(); ++i) {
    IPT_CHECK(frames[i] > frames[i - 1], "a track's frames must increase: {} after {}", frames[i], frames[i - 1]);
    if (frames[i] - frames[i - 1] - 1 > max_unseen_frames) meeting_m[i] = 0;
  }
  return meeting_m;
}

std::vector<bool> BoundariesAtMeetings(const std::vector<AppearanceWindow>& windows, const std::vector<int>& frames,
                                       const std::vector<double>& meeting_m, double radius_m) {
  IPT_CHECK(frames.size() == meeting_m.size(), "{} frames but {} distances", frames.size(), meeting_m.size());
  IPT_CHECK(radius_m >= 0, "the meeting radius must be >= 0, got {}", radius_m);
  std::vector<bool> at_meeting(windows.size(), false);
  for (size_t k = 1; k < windows.size(); ++k) {
    const auto first = std::lower_bound(frames.begin(), frames.end(), windows[k - 1].first_frame);
    for (auto it = first; it != frames.end() && *it <= windows[k].last_frame; ++it) {
      if (meeting_m[static_cast<size_t>(it - frames.begin())] <= radius_m) {
        at_meeting[k] = true;
        break;
      }
    }
  }
  return at_meeting;
}

std::vector<size_t> AppearanceChangeWindows(const std::vector<AppearanceWindow>& windows, double spread_sq,
                                            const AppearanceChangeOptions& options, const std::vector<bool>& may_cut) {
  options.Check();
  IPT_CHECK(std::isfinite(spread_sq) && spread_sq > 0, "the appearance spread must be > 0, got {}", spread_sq);
  if (!options.enabled()) return {};
  const StretchCost cost(windows, spread_sq);
  return PartitionByStretchCost(windows.size(), cost, options.min_gain_nats, options.min_windows, may_cut);
}

double LargestSingleAppearanceCutGain(const std::vector<AppearanceWindow>& windows, double spread_sq, int min_windows) {
  IPT_CHECK(std::isfinite(spread_sq) && spread_sq > 0, "the appearance spread must be > 0, got {}", spread_sq);
  IPT_CHECK(min_windows >= 1, "min_windows must be >= 1, got {}", min_windows);
  const StretchCost cost(windows, spread_sq);
  const size_t n = windows.size(), m = static_cast<size_t>(min_windows);
  double best = 0;
  for (size_t k = m; k + m <= n; ++k) best = std::max(best, cost(0, n) - cost(0, k) - cost(k, n));
  return best;
}

}  // namespace ipt::tracking
