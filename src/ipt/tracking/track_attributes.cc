#include "ipt/tracking/track_attributes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include <spdlog/spdlog.h>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {
namespace {

// Lloyd iterations of the 2-means: it converges in a handful; this only bounds the loop.
constexpr int kMaxKMeansIterations = 100;
constexpr int kNumKits = 2;
// Pairs grow with the square: 256 tracks start 32,640 runs of Lloyd's iterations.
constexpr int kMaxKitInitTracks = 256;
// Float probabilities that sum to 1 before rounding to float sum (in double) to within
// a few float ulps of 1 (~3e-7 for 5 of them).
constexpr double kProbabilitySumTolerance = 1e-5;
// Kit embeddings are unit vectors: no two lie farther apart than this.
constexpr double kMaxKitDistance = 2;
// Bounds kit_outlier_factor only: far beyond any useful limit.
constexpr double kMaxKitOutlierFactor = 100;

void CheckTrackProbabilities(int64_t track_id,
                             const std::optional<std::array<float, io::kNumCategories>>& tracker_category,
                             const std::optional<std::array<float, io::kNumJerseys + 1>>& jersey_probabilities) {
  if (tracker_category) {
    for (float p : *tracker_category) {
      IPT_CHECK(InUnitInterval(p), "track {}: tracker category probability {} outside [0, 1]", track_id, p);
    }
  }
  if (jersey_probabilities) {
    for (float p : *jersey_probabilities) {
      IPT_CHECK(InUnitInterval(p), "track {}: jersey probability {} outside [0, 1]", track_id, p);
    }
  }
}

// Detection k of track `track_id`; *kit_dim: the kit embedding's size (0: not known yet).
void CheckDetection(const DetectionEvidence& e, int64_t track_id, int64_t k, int* kit_dim) {
  const auto where = [&] { return fmt::format("track {} detection {}", track_id, k); };
  IPT_CHECK(e.frame >= 1 && e.frame <= limits::kMaxFrames, "{}: frame {} outside [1, {}]",
            where(), e.frame, limits::kMaxFrames);
  IPT_CHECK(e.foot_in_pitch_m.allFinite() &&
                e.foot_in_pitch_m.cwiseAbs().maxCoeff() <= limits::kMaxAbsCoordinateM,
            "{}: foot-point outside [-{}, {}] m", where(), limits::kMaxAbsCoordinateM,
            limits::kMaxAbsCoordinateM);
  for (float p : e.role_probabilities)
    IPT_CHECK(InUnitInterval(p), "{}: role probability {} outside [0, 1]", where(), p);
  for (float p : e.jersey_presence)
    IPT_CHECK(InUnitInterval(p), "{}: jersey presence probability {} outside [0, 1]", where(), p);
  IPT_CHECK(e.jersey_candidates.size() <= static_cast<size_t>(kMaxJerseyCandidates),
            "{}: {} jersey candidates, more than {}", where(), e.jersey_candidates.size(), kMaxJerseyCandidates);
  JerseySet seen;
  double mass = 0;
  for (size_t c = 0; c < e.jersey_candidates.size(); ++c) {
    const JerseyCandidate& candidate = e.jersey_candidates[c];
    IPT_CHECK(candidate.number >= io::kMinJersey && candidate.number <= io::kMaxJersey,
              "{}: jersey number {} outside [{}, {}]", where(), candidate.number, io::kMinJersey, io::kMaxJersey);
    IPT_CHECK(!seen[candidate.number - io::kMinJersey], "{}: jersey number {} listed twice", where(),
              candidate.number);
    seen.set(candidate.number - io::kMinJersey);
    IPT_CHECK(InUnitInterval(candidate.probability), "{}: jersey number probability {} outside [0, 1]", where(),
              candidate.probability);
    IPT_CHECK(c == 0 || candidate.probability <= e.jersey_candidates[c - 1].probability,
              "{}: jersey candidates not in order of non-increasing probability", where());
    mass += candidate.probability;
  }
  IPT_CHECK(mass <= 1 + kProbabilitySumTolerance, "{}: jersey candidates' probabilities sum to {} > 1", where(),
            mass);
  if (*kit_dim == 0) *kit_dim = static_cast<int>(e.kit_embedding.size());
  IPT_CHECK(!e.kit_embedding.empty() && static_cast<int>(e.kit_embedding.size()) == *kit_dim,
            "{}: kit embedding has {} values, expected {} (>= 1)", where(),
            e.kit_embedding.size(), *kit_dim);
  double norm_sq = 0;
  for (float v : e.kit_embedding) norm_sq += double{v} * v;
  IPT_CHECK(std::isfinite(norm_sq) && norm_sq > 0, "{}: kit embedding has norm {}", where(),
            std::sqrt(norm_sq));
}

// Per track: the quantities the decisions use.
struct TrackSummary {
  Role role = Role::kPlayer;
  Eigen::VectorXd kit;  // mean kit embedding, L2-normalized (zero if the mean is zero)
  double weight = 0;    // detections
  double window_x_sum = 0, all_x_sum = 0;
  int64_t window_count = 0, all_count = 0;
};

TrackSummary Summarize(const TrackEvidenceSummary& track) {
  TrackSummary s;
  // Argmax; a tie goes to the first role.
  s.role = static_cast<Role>(std::max_element(track.role_sum.begin(), track.role_sum.end()) - track.role_sum.begin());
  s.kit = Eigen::Map<const Eigen::VectorXd>(track.kit_sum.data(), static_cast<Eigen::Index>(track.kit_sum.size()));
  const double norm = s.kit.norm();
  if (norm > 0) s.kit /= norm;
  s.weight = static_cast<double>(track.detections);
  s.window_x_sum = track.window_x_sum;
  s.all_x_sum = track.all_x_sum;
  s.window_count = track.window_count;
  s.all_count = track.detections;
  return s;
}

// Mean x over the window's detections of `members`, or over all of them if the window has none.
double MeanX(const std::vector<const TrackSummary*>& members) {
  double window_sum = 0, all_sum = 0;
  int64_t window_count = 0, all_count = 0;
  for (const TrackSummary* s : members) {
    window_sum += s->window_x_sum;
    window_count += s->window_count;
    all_sum += s->all_x_sum;
    all_count += s->all_count;
  }
  IPT_ASSERT(all_count > 0);
  return window_count > 0 ? window_sum / static_cast<double>(window_count) : all_sum / static_cast<double>(all_count);
}

// Lloyd's iterations of weighted 2-means from the centers `points[seed_a]` and
// `points[seed_b]`; returns the cluster (0 or 1) of each point and sets *cost to the
// weighted sum of squared distances to the final centers.
std::vector<int> TwoMeansFrom(const std::vector<Eigen::VectorXd>& points, const std::vector<double>& weights,
                              int seed_a, int seed_b, double* cost) {
  const int n = static_cast<int>(points.size());
  std::array<Eigen::VectorXd, kNumKits> centers = {points[seed_a], points[seed_b]};
  std::vector<int> cluster(n, -1);
  for (int iteration = 0; iteration < kMaxKMeansIterations; ++iteration) {
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      // A tie goes to cluster 0.
      const int c = (points[i] - centers[1]).squaredNorm() < (points[i] - centers[0]).squaredNorm() ? 1 : 0;
      changed |= c != cluster[i];
      cluster[i] = c;
    }
    if (!changed) break;
    for (int c = 0; c < kNumKits; ++c) {
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(points[0].size());
      double weight = 0;
      for (int i = 0; i < n; ++i)
        if (cluster[i] == c) {
          sum += weights[i] * points[i];
          weight += weights[i];
        }
      if (weight > 0) centers[c] = sum / weight;  // an empty cluster keeps its center
    }
  }
  *cost = 0;
  for (int i = 0; i < n; ++i) *cost += weights[i] * (points[i] - centers[cluster[i]]).squaredNorm();
  return cluster;
}

// Weighted 2-means of `points` (unit vectors); returns the cluster (0 or 1) of each point.
// Lloyd's iterations from every pair of `seeds` (indices into points, >= 2) as the
// initial centers. The split of lowest cost wins among those whose smaller cluster holds
// at least `min_share` of the total weight (among all when none does; the first pair on a
// tie). One farthest pair is not enough, nor is the lowest cost alone: a track whose kit
// stands apart from both teams (a goalkeeper taken for a player) would keep a cluster to
// itself, with both teams in the other.
std::vector<int> TwoMeans(const std::vector<Eigen::VectorXd>& points, const std::vector<double>& weights,
                          const std::vector<int>& seeds, double min_share) {
  const int n = static_cast<int>(points.size());
  if (n < kNumKits) return std::vector<int>(n, 0);
  IPT_ASSERT(seeds.size() >= kNumKits);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<int> best;
  double best_cost = std::numeric_limits<double>::infinity();
  bool best_balanced = false;
  for (size_t i = 0; i < seeds.size(); ++i)
    for (size_t j = i + 1; j < seeds.size(); ++j) {
      double cost = 0;
      std::vector<int> cluster = TwoMeansFrom(points, weights, seeds[i], seeds[j], &cost);
      double weight_1 = 0;
      for (int k = 0; k < n; ++k) weight_1 += cluster[k] == 1 ? weights[k] : 0.0;
      const bool balanced = std::min(weight_1, total - weight_1) >= min_share * total;
      if ((balanced && !best_balanced) || (balanced == best_balanced && cost < best_cost)) {
        best_cost = cost;
        best_balanced = balanced;
        best = std::move(cluster);
      }
    }
  IPT_ASSERT(!best.empty());
  return best;
}

// The weighted mean of each cluster's points; none for a cluster without points.
std::vector<std::optional<Eigen::VectorXd>> KitCenters(const std::vector<Eigen::VectorXd>& points,
                                                       const std::vector<double>& weights,
                                                       const std::vector<int>& cluster) {
  std::vector<std::optional<Eigen::VectorXd>> centers(kNumKits);
  std::array<double, kNumKits> total{};
  for (size_t p = 0; p < points.size(); ++p) {
    std::optional<Eigen::VectorXd>& center = centers[cluster[p]];
    if (!center) center = Eigen::VectorXd::Zero(points[p].size());
    *center += weights[p] * points[p];
    total[cluster[p]] += weights[p];
  }
  for (int c = 0; c < kNumKits; ++c) {
    if (centers[c] && total[c] > 0) *centers[c] /= total[c];
  }
  return centers;
}

// The center nearest `kit` (a tie: the first); none when there is none.
std::optional<int> NearestCenter(const Eigen::VectorXd& kit, const std::vector<std::optional<Eigen::VectorXd>>& centers) {
  std::optional<int> nearest;
  for (int c = 0; c < static_cast<int>(centers.size()); ++c) {
    if (centers[c] && (!nearest || (kit - *centers[c]).norm() < (kit - *centers[*nearest]).norm())) nearest = c;
  }
  return nearest;
}

double DistanceToNearest(const Eigen::VectorXd& kit, const std::vector<std::optional<Eigen::VectorXd>>& centers) {
  const std::optional<int> nearest = NearestCenter(kit, centers);
  IPT_ASSERT(nearest.has_value());
  return (kit - *centers[*nearest]).norm();
}

}  // namespace

KitSplit SplitKits(const std::vector<Eigen::VectorXd>& points, const std::vector<double>& weights,
                   const std::vector<int64_t>& detections, const TrackAttributesOptions& options) {
  IPT_ASSERT(points.size() == weights.size() && points.size() == detections.size());
  std::vector<int> seeds;  // the longest tracks, longest first (ties: input order)
  for (size_t p = 0; p < points.size(); ++p) {
    if (detections[p] >= options.kit_init_min_detections) seeds.push_back(static_cast<int>(p));
  }
  if (seeds.size() < kNumKits) {  // too few long tracks: any track may start a run
    seeds.resize(points.size());
    std::iota(seeds.begin(), seeds.end(), 0);
  }
  std::stable_sort(seeds.begin(), seeds.end(), [&](int a, int b) { return weights[a] > weights[b]; });
  if (seeds.size() > static_cast<size_t>(options.kit_init_max_tracks)) seeds.resize(options.kit_init_max_tracks);
  KitSplit split;
  split.kit = TwoMeans(points, weights, seeds, options.kit_min_cluster_share);
  split.centers = KitCenters(points, weights, split.kit);
  return split;
}

double WeightedMedian(const std::vector<double>& values, const std::vector<double>& weights) {
  IPT_CHECK(values.size() == weights.size() && !values.empty(), "weighted median of {} values with {} weights",
            values.size(), weights.size());
  double total = 0;
  for (size_t k = 0; k < values.size(); ++k) {
    IPT_CHECK(std::isfinite(values[k]) && std::isfinite(weights[k]) && weights[k] >= 0,
              "weighted median: value {} with weight {}", values[k], weights[k]);
    total += weights[k];
  }
  IPT_CHECK(total > 0, "weighted median: the weights sum to 0");
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  double below = 0;
  for (size_t k : order) {
    below += weights[k];
    if (below >= total / 2) return values[k];
  }
  return values[order.back()];  // rounding: below fell short of total / 2 by an ulp
}

void TrackAttributesOptions::Check() const {
  IPT_CHECK(std::isfinite(side_window_seconds) && side_window_seconds > 0 &&
                side_window_seconds <= limits::kMaxMatchSeconds,
            "side_window_seconds must be in (0, {}], got {}", limits::kMaxMatchSeconds,
            side_window_seconds);
  IPT_CHECK(kit_init_min_detections >= 1 && kit_init_min_detections <= limits::kMaxFrames,
            "kit_init_min_detections must be in [1, {}], got {}", limits::kMaxFrames,
            kit_init_min_detections);
  IPT_CHECK(std::isfinite(kit_min_cluster_share) && kit_min_cluster_share >= 0 && kit_min_cluster_share <= 0.5,
            "kit_min_cluster_share must be in [0, 0.5], got {}", kit_min_cluster_share);
  IPT_CHECK(kit_init_max_tracks >= kNumKits && kit_init_max_tracks <= kMaxKitInitTracks,
            "kit_init_max_tracks must be in [{}, {}], got {}", kNumKits, kMaxKitInitTracks, kit_init_max_tracks);
  IPT_CHECK(InUnitInterval(min_legible_probability),
            "min_legible_probability must be in [0, 1], got {}", min_legible_probability);
  IPT_CHECK(InUnitInterval(min_number_probability),
            "min_number_probability must be in [0, 1], got {}", min_number_probability);
  IPT_CHECK(min_jersey_probability >= 0 && min_jersey_probability < 1, "min_jersey_probability must be in [0, 1), got {}",
            min_jersey_probability);
  IPT_CHECK(InUnitInterval(min_allowed_probability) && min_allowed_probability > 0,
            "min_allowed_probability must be in (0, 1], got {}", min_allowed_probability);
  IPT_CHECK(min_jersey_votes >= 1 && min_jersey_votes <= limits::kMaxFrames,
            "min_jersey_votes must be in [1, {}], got {}", limits::kMaxFrames, min_jersey_votes);
  IPT_CHECK(std::isfinite(min_jersey_vote_share) && min_jersey_vote_share > 0 &&
                min_jersey_vote_share <= 1,
            "min_jersey_vote_share must be in (0, 1], got {}", min_jersey_vote_share);
  IPT_CHECK(std::isfinite(goalkeeper_overlap_seconds) && goalkeeper_overlap_seconds >= 0 &&
                goalkeeper_overlap_seconds <= limits::kMaxMatchSeconds,
            "goalkeeper_overlap_seconds must be in [0, {}], got {}", limits::kMaxMatchSeconds,
            goalkeeper_overlap_seconds);
  IPT_CHECK(std::isfinite(kit_outlier_min_distance) && kit_outlier_min_distance >= 0 &&
                kit_outlier_min_distance <= kMaxKitDistance,
            "kit_outlier_min_distance must be in [0, {}], got {}", kMaxKitDistance, kit_outlier_min_distance);
  IPT_CHECK(std::isfinite(kit_outlier_factor) && kit_outlier_factor >= 0 && kit_outlier_factor <= kMaxKitOutlierFactor,
            "kit_outlier_factor must be in [0, {}], got {}", kMaxKitOutlierFactor, kit_outlier_factor);
  IPT_CHECK(min_confident_detections >= 0 && min_confident_detections <= limits::kMaxFrames,
            "min_confident_detections must be in [0, {}], got {}", limits::kMaxFrames, min_confident_detections);
  IPT_CHECK(InUnitInterval(confident_score), "confident_score must be in [0, 1], got {}", confident_score);
  substitution_gaps.Check();
  number_changes.Check();
  kit_changes.Check();
  appearance_changes.Check();
  exchanges.Check();
  name_splices.Check();
  name_elimination.Check();
  fragment_links.Check();
  smoothing.Check();
  stray_ends.Check();
}

JerseySet TeamJerseys(const io::MatchInfo& match, io::Category category, const io::FrameSpan& frames) {
  const int team = io::CategoryTeam(category);
  JerseySet out;
  bool listed = false;
  for (const io::RosterEntry& entry : match.roster) {
    if (team < 0 || io::CategoryTeam(entry.category) != team) continue;
    if (!entry.jersey) return JerseySet().set();  // a partial sheet
    listed = true;
    if (match.PlaysThroughout(entry, frames)) out.set(*entry.jersey - io::kMinJersey);
  }
  return listed ? out : JerseySet().set();
}

std::optional<int> JerseyFromProbabilities(const std::array<float, io::kNumJerseys + 1>& probabilities,
                                           const JerseySet& allowed, double min_probability) {
  std::optional<int> best;
  for (int n = 0; n < io::kNumJerseys; ++n) {
    if (allowed[n] && (!best || probabilities[n] > probabilities[*best])) best = n;
  }
  if (!best || !(probabilities[*best] > probabilities[io::kNumJerseys]) || probabilities[*best] < min_probability) {
    return std::nullopt;
  }
  return io::kMinJersey + *best;
}

JerseyVoteCounts JerseyVotes(const std::vector<DetectionEvidence>& detections, const TrackAttributesOptions& options,
                             const JerseySet& allowed) {
  JerseyVoteCounts votes{};
  for (const DetectionEvidence& e : detections) {
    if (e.jersey_presence[static_cast<int>(JerseyPresence::kLegible)] < options.min_legible_probability) continue;
    double listed_mass = 0, allowed_mass = 0;
    const JerseyCandidate* best = nullptr;
    for (const JerseyCandidate& c : e.jersey_candidates) {
      IPT_ASSERT(c.number >= io::kMinJersey && c.number <= io::kMaxJersey);
      listed_mass += c.probability;
      if (!allowed[c.number - io::kMinJersey]) continue;
      allowed_mass += c.probability;
      if (best == nullptr || c.probability > best->probability) best = &c;
    }
    if (best == nullptr || !(allowed_mass >= options.min_allowed_probability)) continue;
    // The allowed numbers not listed hold at most the mass no candidate holds.
    const double given_allowed = best->probability / (allowed_mass + std::max(0.0, 1.0 - listed_mass));
    if (!(given_allowed >= options.min_number_probability)) continue;
    ++votes[best->number - io::kMinJersey];
  }
  return votes;
}

std::optional<int> VoteWinner(const JerseyVoteCounts& votes, const TrackAttributesOptions& options) {
  const int total = std::accumulate(votes.begin(), votes.end(), 0);
  if (total == 0) return std::nullopt;
  const int winner = static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
  const int winner_votes = votes[winner];
  if (std::count(votes.begin(), votes.end(), winner_votes) > 1) return std::nullopt;  // a tie
  if (winner_votes < options.min_jersey_votes) return std::nullopt;
  if (winner_votes < options.min_jersey_vote_share * total) return std::nullopt;
  return winner + io::kMinJersey;
}

std::optional<int> VoteJersey(const std::vector<DetectionEvidence>& detections,
                              const TrackAttributesOptions& options, const JerseySet& allowed) {
  return VoteWinner(JerseyVotes(detections, options, allowed), options);
}

std::optional<int> LookUpPlayerId(const io::MatchInfo& match, io::Category category, int jersey,
                                  const io::FrameSpan& frames) {
  const int team = io::CategoryTeam(category);
  if (team < 0) return std::nullopt;
  std::optional<int> found;
  for (const io::RosterEntry& entry : match.roster) {
    if (io::CategoryTeam(entry.category) != team || entry.jersey != jersey) continue;
    if (!match.PlaysThroughout(entry, frames)) continue;
    if (found) return std::nullopt;  // ambiguous
    found = entry.player_id;
  }
  return found;
}

namespace {

// The last frame of the side window (TrackAttributesOptions::side_window_seconds).
int SideWindowLastFrame(const io::MatchInfo& match, const TrackAttributesOptions& options) {
  IPT_CHECK(std::isfinite(match.fps) && match.fps > 0 && match.fps <= limits::kMaxFps,
            "match fps must be in (0, {}], got {}", limits::kMaxFps, match.fps);
  const double window_frames =
      std::min<double>(std::ceil(options.side_window_seconds * match.fps - limits::kFrameRoundingTolerance),
                       limits::kMaxFrames);
  return static_cast<int>(window_frames);
}

}  // namespace

TrackEvidenceSummary::TrackEvidenceSummary(int64_t id, const io::MatchInfo& match, const TrackAttributesOptions& options,
                                           bool keep)
    : track_id(id), keep_voters(keep), window_last_frame(SideWindowLastFrame(match, options)),
      min_legible_probability(options.min_legible_probability) {
  options.Check();
}

void TrackEvidenceSummary::Add(const DetectionEvidence& e) {
  int kit_dim = static_cast<int>(kit_sum.size());
  CheckDetection(e, track_id, detections, &kit_dim);
  if (kit_sum.empty()) kit_sum.assign(kit_dim, 0.0);
  for (int r = 0; r < kNumRoles; ++r) role_sum[r] += e.role_probabilities[r];
  for (int c = 0; c < kit_dim; ++c) kit_sum[c] += e.kit_embedding[c];
  all_x_sum += e.foot_in_pitch_m.x();
  first_frame = detections == 0 ? e.frame : std::min(first_frame, e.frame);
  last_frame = std::max(last_frame, e.frame);
  if (e.frame <= window_last_frame) {
    window_x_sum += e.foot_in_pitch_m.x();
    ++window_count;
  }
  // VoteJersey skips the others.
  if (keep_voters && e.jersey_presence[static_cast<int>(JerseyPresence::kLegible)] >= min_legible_probability) {
    voters.push_back(e);
  }
  ++detections;
}

std::vector<TrackAttributes> ResolveTrackAttributes(const std::vector<TrackEvidence>& tracks,
                                                    const io::MatchInfo& match,
                                                    const TrackAttributesOptions& options) {
  options.Check();
  std::vector<TrackEvidenceSummary> summaries;
  summaries.reserve(tracks.size());
  for (const TrackEvidence& t : tracks) {
    TrackEvidenceSummary s(t.track_id, match, options);
    s.tracker_category = t.tracker_category;
    s.jersey_probabilities = t.jersey_probabilities;
    for (const DetectionEvidence& e : t.detections) s.Add(e);
    summaries.push_back(std::move(s));
  }
  return ResolveSummarizedTrackAttributes(summaries, match, options);
}

std::vector<TrackAttributes> ResolveSummarizedTrackAttributes(const std::vector<TrackEvidenceSummary>& tracks,
                                                    const io::MatchInfo& match,
                                                    const TrackAttributesOptions& options) {
  options.Check();
  match.pitch.Check();
  const int window_last_frame = SideWindowLastFrame(match, options);
  size_t kit_dim = 0;
  std::set<int64_t> ids;
  for (const TrackEvidenceSummary& t : tracks) {
    IPT_CHECK(ids.insert(t.track_id).second, "track id {} given twice", t.track_id);
    IPT_CHECK(t.window_last_frame == window_last_frame && t.min_legible_probability == options.min_legible_probability,
              "track {} was summarized with another match fps or other options", t.track_id);
    CheckTrackProbabilities(t.track_id, t.tracker_category, t.jersey_probabilities);
    IPT_CHECK(t.keep_voters || t.jersey_probabilities, "track {}: summarized without the vote's detections, and given "
              "no jersey probabilities", t.track_id);
    if (kit_dim == 0) kit_dim = t.kit_sum.size();
    IPT_CHECK(t.kit_sum.empty() || t.kit_sum.size() == kit_dim, "track {}: kit embeddings have {} values, expected {}",
              t.track_id, t.kit_sum.size(), kit_dim);
  }
  const double half_length_m = match.pitch.length_m / 2;

  // Work in track id order so that the result does not depend on the order given.
  std::vector<int> order(tracks.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return tracks[a].track_id < tracks[b].track_id; });

  std::vector<TrackAttributes> result(tracks.size());
  std::vector<TrackSummary> summaries(tracks.size());
  std::vector<int> players;  // indices into tracks, by track id
  for (int i : order) {
    result[i].track_id = tracks[i].track_id;
    if (tracks[i].detections == 0) continue;
    summaries[i] = Summarize(tracks[i]);
    result[i].role = summaries[i].role;
    switch (summaries[i].role) {
      case Role::kReferee:
        result[i].category = io::Category::kReferee;
        break;
      case Role::kGoalkeeper:
        result[i].category = MeanX({&summaries[i]}) < half_length_m ? io::Category::kGoalkeeperA
                                                                    : io::Category::kGoalkeeperB;
        break;
      case Role::kPlayer:
        players.push_back(i);
        break;
    }
  }
  // Kits of the player tracks, then which kit defends x = 0.
  std::vector<Eigen::VectorXd> points;
  std::vector<double> weights;
  std::vector<int64_t> detections;
  for (int i : players) {
    points.push_back(summaries[i].kit);
    weights.push_back(summaries[i].weight);
    detections.push_back(tracks[i].detections);
  }
  const KitSplit split = SplitKits(points, weights, detections, options);
  const std::vector<int>& kit = split.kit;
  const std::vector<std::optional<Eigen::VectorXd>>& centers = split.centers;

  // Kits of neither team: goalkeepers and referees the role head took for players. One
  // pass, from the centers of all player tracks. Leaving the outliers out and testing again
  // (sigma clipping) shrinks the median with every pass: on a held-out match it took 7 of
  // the GNN's fragments of one player for referees (5 in one pass), his longest among them.
  std::vector<bool> wears_neither_kit(tracks.size(), false);  // by index into tracks
  std::vector<Role> neither_kit_role(tracks.size(), Role::kPlayer);
  if (options.kit_outlier_factor > 0 && !players.empty()) {
    std::vector<double> distances(players.size());
    for (size_t p = 0; p < players.size(); ++p) distances[p] = DistanceToNearest(points[p], centers);
    const double limit = std::max(options.kit_outlier_factor * WeightedMedian(distances, weights),
                                  options.kit_outlier_min_distance);
    for (size_t p = 0; p < players.size(); ++p) {
      const int i = players[p];
      const TrackEvidenceSummary& t = tracks[i];
      if (t.detections < options.kit_init_min_detections || !(distances[p] > limit)) continue;
      wears_neither_kit[i] = true;
      // The likelier of the two roles that wear their own kit (a tie: goalkeeper).
      neither_kit_role[i] = t.role_sum[static_cast<int>(Role::kReferee)] >
                                    t.role_sum[static_cast<int>(Role::kGoalkeeper)]
                                ? Role::kReferee
                                : Role::kGoalkeeper;
      spdlog::debug("track {}: its kit, {:.3f} from the nearest team's (limit {:.3f}), is neither team's: a {}",
                    t.track_id, distances[p], limit, neither_kit_role[i] == Role::kReferee ? "referee" : "goalkeeper");
    }
  }

  // Which kit defends x = 0, from the tracks that wear one.
  std::array<std::vector<const TrackSummary*>, kNumKits> members;
  for (size_t p = 0; p < players.size(); ++p) {
    if (!wears_neither_kit[players[p]]) members[kit[p]].push_back(&summaries[players[p]]);
  }
  int team_a_kit = 0;
  if (!members[0].empty() && !members[1].empty()) {
    team_a_kit = MeanX(members[1]) < MeanX(members[0]) ? 1 : 0;  // a tie keeps kit 0
  } else if (!members[0].empty()) {
    team_a_kit = MeanX(members[0]) < half_length_m ? 0 : 1;
  } else if (!members[1].empty()) {
    team_a_kit = MeanX(members[1]) < half_length_m ? 1 : 0;
  }
  const auto set_team = [&](int i, int kit_index) {
    const bool team_a = kit_index == team_a_kit;
    result[i].role = Role::kPlayer;
    result[i].kit_cluster = team_a ? 0 : 1;
    result[i].category = team_a ? io::Category::kTeamA : io::Category::kTeamB;
  };
  const auto set_keeper_or_referee = [&](int i, Role role) {
    result[i].role = role;
    result[i].kit_cluster.reset();
    result[i].category = role == Role::kReferee ? io::Category::kReferee
                         : MeanX({&summaries[i]}) < half_length_m ? io::Category::kGoalkeeperA
                                                                  : io::Category::kGoalkeeperB;
  };
  for (size_t p = 0; p < players.size(); ++p) {
    const int i = players[p];
    if (wears_neither_kit[i]) {
      set_keeper_or_referee(i, neither_kit_role[i]);
    } else {
      set_team(i, kit[p]);
    }
  }

  // One goalkeeper per side at a time: the most goalkeeper evidence first (summed over
  // detections, so that a short sure fragment does not unseat a keeper tracked for minutes;
  // ties: the lower track id), each kept unless it overlaps one kept before it; the others
  // are players of the team whose kit is nearest theirs, or referees when they wear
  // neither team's kit.
  if (options.goalkeeper_overlap_seconds > 0) {
    const int min_overlap_frames =
        static_cast<int>(std::min<double>(std::ceil(options.goalkeeper_overlap_seconds * match.fps -
                                                    limits::kFrameRoundingTolerance),
                                          limits::kMaxFrames));
    for (io::Category side : {io::Category::kGoalkeeperA, io::Category::kGoalkeeperB}) {
      std::vector<int> keepers;
      for (int i : order) {
        if (result[i].category == side) keepers.push_back(i);
      }
      auto evidence = [&](int i) { return tracks[i].role_sum[static_cast<int>(Role::kGoalkeeper)]; };
      std::stable_sort(keepers.begin(), keepers.end(), [&](int a, int b) { return evidence(a) > evidence(b); });
      std::vector<int> kept;
      for (int i : keepers) {
        const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](int k) {
          const int overlap = std::min(tracks[i].last_frame, tracks[k].last_frame) -
                              std::max(tracks[i].first_frame, tracks[k].first_frame) + 1;
          return overlap >= min_overlap_frames;
        });
        if (!overlaps) {
          kept.push_back(i);
          continue;
        }
        const std::optional<int> nearest = NearestCenter(summaries[i].kit, centers);
        if (wears_neither_kit[i]) {  // not a keeper, and no team's kit: an official
          set_keeper_or_referee(i, Role::kReferee);
        } else if (nearest) {
          set_team(i, *nearest);
        } else {  // no player track: the side convention on the track itself
          set_team(i, MeanX({&summaries[i]}) < half_length_m ? team_a_kit : 1 - team_a_kit);
        }
      }
    }
  }

  if (options.category_from_tracker) {
    for (size_t i = 0; i < tracks.size(); ++i) {
      if (!tracks[i].tracker_category || tracks[i].detections == 0) continue;
      const auto& p = *tracks[i].tracker_category;
      result[i].category = static_cast<io::Category>(std::max_element(p.begin(), p.end()) - p.begin());
    }
  }

  for (size_t i = 0; i < tracks.size(); ++i) {
    TrackAttributes& r = result[i];
    if (!r.category || *r.category == io::Category::kReferee) continue;
    const JerseySet allowed = options.roster_numbers_only
                                  ? TeamJerseys(match, *r.category, {tracks[i].first_frame, tracks[i].last_frame})
                                  : JerseySet().set();
    r.jersey = tracks[i].jersey_probabilities
                   ? JerseyFromProbabilities(*tracks[i].jersey_probabilities, allowed, options.min_jersey_probability)
                   : VoteJersey(tracks[i].voters, options, allowed);
    if (r.jersey)
      r.player_id = LookUpPlayerId(match, *r.category, *r.jersey, {tracks[i].first_frame, tracks[i].last_frame});
  }
  return result;
}

}  // namespace ipt::tracking
