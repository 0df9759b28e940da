#include "ipt/tracking/kit_changes.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ipt/tracking/number_changes.h"
#include "ipt/tracking/track_attributes.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {

void KitChangeOptions::Check() const {
  IPT_CHECK(std::isfinite(min_gain_nats) && min_gain_nats >= 0, "min_gain_nats must be >= 0, got {}", min_gain_nats);
  IPT_CHECK(std::isfinite(max_window_nats) && max_window_nats > 0, "max_window_nats must be > 0, got {}",
            max_window_nats);
  IPT_CHECK(min_windows >= 1, "min_windows must be >= 1, got {}", min_windows);
  IPT_CHECK(std::isfinite(window_seconds) && window_seconds > 0 && window_seconds <= limits::kMaxMatchSeconds,
            "window_seconds must be in (0, {}], got {}", limits::kMaxMatchSeconds, window_seconds);
}

std::optional<TeamKits> FitTeamKits(const std::vector<std::vector<KitWindow>>& tracks,
                                    const std::vector<bool>& is_player,
                                    const TrackAttributesOptions& attribute_options) {
  attribute_options.Check();
  IPT_CHECK(is_player.size() == tracks.size(), "{} roles for {} tracks", is_player.size(), tracks.size());
  // Each track's mean kit, as the category rule's: L2-normalised, weighted by detections.
  std::vector<Eigen::VectorXd> points, others;
  std::vector<double> weights;
  std::vector<int64_t> detections;
  for (size_t t = 0; t < tracks.size(); ++t) {
    const std::vector<KitWindow>& windows = tracks[t];
    if (windows.empty()) continue;
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(windows.front().mean_kit.size());
    int64_t count = 0;
    for (const KitWindow& w : windows) {
      IPT_CHECK(w.mean_kit.size() == sum.size(), "kit observations of {} values, expected {}", w.mean_kit.size(),
                sum.size());
      IPT_CHECK(w.mean_kit.allFinite(), "a non-finite kit observation (frames {}-{})", w.first_frame, w.last_frame);
      IPT_CHECK(w.detections >= 1, "a kit observation of {} detections", w.detections);
      sum += w.detections * w.mean_kit;
      count += w.detections;
    }
    if (!(sum.norm() > 0)) continue;
    if (!is_player[t]) {
      if (count >= attribute_options.kit_init_min_detections) others.push_back(sum / sum.norm());
      continue;
    }
    points.push_back(sum / sum.norm());
    weights.push_back(static_cast<double>(count));
    detections.push_back(count);
  }
  if (points.size() < 2) return std::nullopt;
  const KitSplit split = SplitKits(points, weights, detections, attribute_options);
  if (!split.centers[0] || !split.centers[1]) return std::nullopt;
  TeamKits kits{{*split.centers[0], *split.centers[1]}, {}, 0.0};
  auto nearest = [](const Eigen::VectorXd& kit, const std::vector<Eigen::VectorXd>& centers) {
    double d = std::numeric_limits<double>::infinity();
    for (const Eigen::VectorXd& c : centers) d = std::min(d, (kit - c).norm());
    return d;
  };
  auto spread_around = [&](const std::vector<Eigen::VectorXd>& centers) {
    std::vector<double> distances;
    for (const std::vector<KitWindow>& windows : tracks)
      for (const KitWindow& w : windows) distances.push_back(nearest(w.mean_kit, centers));
    return WeightedMedian(distances, std::vector<double>(distances.size(), 1.0));
  };
  // The goalkeepers' and referees' kits: one per kit, a kit within the teams' spread of one
  // kept being the same.
  std::vector<Eigen::VectorXd> all = {kits.center[0], kits.center[1]};
  const double same_kit = spread_around(all);
  for (const Eigen::VectorXd& kit : others) {
    if (nearest(kit, all) <= same_kit) continue;
    kits.other.push_back(kit);
    all.push_back(kit);
  }
  kits.spread = spread_around(all);
  if (!(kits.spread > 0)) return std::nullopt;
  return kits;
}

namespace {
// Each observation's log-likelihood under each kit (the teams', then kits.other's).
std::vector<NumberRead> KitObservations(const std::vector<KitWindow>& windows, const TeamKits& kits,
                                        const KitChangeOptions& options) {
  IPT_CHECK(kits.spread > 0 && std::isfinite(kits.spread), "the kits' spread must be > 0, got {}", kits.spread);
  std::vector<NumberRead> observations;
  observations.reserve(windows.size());
  for (const KitWindow& w : windows) {
    IPT_CHECK(w.mean_kit.allFinite(), "a non-finite kit observation (frames {}-{})", w.first_frame, w.last_frame);
    NumberRead o{w.first_frame, w.last_frame, {}};
    auto add = [&](const Eigen::VectorXd& center) {
      IPT_CHECK(w.mean_kit.size() == center.size(), "a kit observation of {} values, the match's kits {}",
                w.mean_kit.size(), center.size());
      const double z = (w.mean_kit - center).norm() / kits.spread;
      o.log_likelihood.push_back(-std::min(0.5 * z * z, options.max_window_nats));
    };
    for (const Eigen::VectorXd& center : kits.center) add(center);
    for (const Eigen::VectorXd& center : kits.other) add(center);
    observations.push_back(std::move(o));
  }
  return observations;
}
}  // namespace

std::vector<size_t> KitChangeWindows(const std::vector<KitWindow>& windows, const TeamKits& kits,
                                     const KitChangeOptions& options) {
  options.Check();
  IPT_CHECK(kits.spread > 0 && std::isfinite(kits.spread), "the kits' spread must be > 0, got {}", kits.spread);
  if (!options.enabled()) return {};
  const std::vector<NumberRead> observations = KitObservations(windows, kits, options);
  return PartitionObservations(observations, options.min_gain_nats, options.min_windows);
}

std::optional<int> LikeliestKit(const std::vector<KitWindow>& windows, const TeamKits& kits,
                                const KitChangeOptions& options) {
  options.Check();
  const std::vector<NumberRead> observations = KitObservations(windows, kits, options);
  if (observations.empty()) return std::nullopt;
  std::vector<double> sum(observations[0].log_likelihood.size(), 0.0);
  for (const NumberRead& o : observations)
    for (size_t k = 0; k < sum.size(); ++k) sum[k] += o.log_likelihood[k];
  return static_cast<int>(std::max_element(sum.begin(), sum.end()) - sum.begin());
}

}  // namespace ipt::tracking
