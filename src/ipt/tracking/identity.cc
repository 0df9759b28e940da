#include "ipt/tracking/identity.h"

#include <algorithm>
#include <bitset>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include <spdlog/spdlog.h>

#include "ipt/eval/assignment.h"
#include "ipt/util/check.h"

namespace ipt::tracking {

void IdentityOptions::Check() const {
  IPT_CHECK(max_speed_mps > 0 && max_speed_mps <= 100, "max_speed_mps must be in (0, 100]");
  IPT_CHECK(position_slack_m >= 0 && position_slack_m <= 100, "position_slack_m must be in [0, 100]");
  IPT_CHECK(max_handover_seconds >= 0 && max_handover_seconds <= 10, "max_handover_seconds must be in [0, 10]");
  IPT_CHECK(min_link_probability > 0 && min_link_probability < 1, "min_link_probability must be in (0, 1)");
  IPT_CHECK(min_player_probability > 0 && min_player_probability <= 1, "min_player_probability must be in (0, 1]");
  IPT_CHECK(min_name_probability > 0 && min_name_probability <= 1, "min_name_probability must be in (0, 1]");
  IPT_CHECK(max_candidates >= 1 && max_candidates <= 100000, "max_candidates must be in [1, 100000]");
  IPT_CHECK(jersey_veto_probability > 0 && jersey_veto_probability <= 1, "jersey_veto_probability must be in (0, 1]");
  IPT_CHECK(roster_veto_probability > 0 && roster_veto_probability <= 1, "roster_veto_probability must be in (0, 1]");
  IPT_CHECK(min_roster_evidence >= 0 && min_roster_evidence <= 1, "min_roster_evidence must be in [0, 1]");
  IPT_CHECK(std::isfinite(touchline_margin_m) && touchline_margin_m >= 0, "touchline_margin_m must be >= 0");
  IPT_CHECK(std::isfinite(substitution_likelihood_ratio) && substitution_likelihood_ratio >= 1,
            "substitution_likelihood_ratio must be >= 1 (1 = off)");
  IPT_CHECK(std::isfinite(substitution_seconds) && substitution_seconds >= 0 && substitution_seconds <= 600,
            "substitution_seconds must be in [0, 600]");
  IPT_CHECK(station_error > 0 && station_error < 1, "station_error must be in (0, 1)");
  IPT_CHECK(std::isfinite(evict_reading_tolerance_nats) && evict_reading_tolerance_nats >= 0,
            "evict_reading_tolerance_nats must be >= 0");
  IPT_CHECK(pooled_reading_weight >= 0 && pooled_reading_weight <= 100, "pooled_reading_weight must be in [0, 100]");
  IPT_CHECK(pooled_reading_max_crops >= 0 && pooled_reading_max_crops <= 1e6,
            "pooled_reading_max_crops must be in [0, 1e6]");
}

double AddPooledReading(double shown, const std::array<float, io::kNumJerseys>& number,
                        std::array<double, io::kNumJerseys>* sum) {
  if (!(shown >= kPooledReadingMinShown)) return 0;
  const double chance = std::log(kPooledReadingFloor + 1.0 / io::kNumJerseys);
  for (int n = 0; n < io::kNumJerseys; ++n) (*sum)[n] += shown * (std::log(kPooledReadingFloor + number[n]) - chance);
  return shown;
}

bool Reachable(const IdentityTrack& a, const IdentityTrack& b, double fps, const IdentityOptions& options) {
  const double distance_m = (b.first_position_m - a.last_position_m).norm();
  if (a.last_frame >= b.first_frame) {  // overlapping: a hand-over or two people
    const int overlap_frames = a.last_frame - b.first_frame + 1;
    if (b.first_frame <= a.first_frame || b.last_frame <= a.last_frame ||
        overlap_frames > options.max_handover_seconds * fps)
      return false;
    return distance_m <= options.max_speed_mps * overlap_frames / fps + options.position_slack_m;
  }
  const double gap_s = (b.first_frame - a.last_frame) / fps;
  return distance_m <= options.max_speed_mps * gap_s + options.position_slack_m;
}

std::vector<std::pair<int, int>> CandidatePairs(const std::vector<IdentityTrack>& tracks, double fps,
                                                const IdentityOptions& options) {
  const int n = static_cast<int>(tracks.size());
  std::vector<int> by_start(n);
  std::iota(by_start.begin(), by_start.end(), 0);
  std::stable_sort(by_start.begin(), by_start.end(),
                   [&](int a, int b) { return tracks[a].first_frame < tracks[b].first_frame; });
  std::vector<std::pair<int, int>> pairs;
  for (int a = 0; a < n; ++a) {
    // Tracks starting after a ends, in order of start: the earliest reachable ones.
    auto it = std::upper_bound(by_start.begin(), by_start.end(), tracks[a].last_frame,
                               [&](int frame, int t) { return frame < tracks[t].first_frame; });
    // Every reachable later track of the category, then the max_candidates that look most
    // alike (appearance distance; the earliest first without embeddings), in order of start.
    std::vector<std::pair<double, int>> reachable;  // (rank key, position in by_start)
    for (; it != by_start.end(); ++it) {
      const int b = *it;
      if (tracks[b].category != tracks[a].category || !Reachable(tracks[a], tracks[b], fps, options)) continue;
      double distance = 0;
      for (size_t k = 0; k < tracks[a].embedding.size(); ++k) distance -= double(tracks[a].embedding[k]) * tracks[b].embedding[k];
      reachable.push_back({distance, static_cast<int>(it - by_start.begin())});
    }
    const size_t kept = std::min(reachable.size(), static_cast<size_t>(options.max_candidates));
    std::partial_sort(reachable.begin(), reachable.begin() + kept, reachable.end());
    reachable.resize(kept);
    std::sort(reachable.begin(), reachable.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
    for (const auto& [key, position] : reachable) pairs.push_back({a, by_start[position]});
  }
  return pairs;
}

const std::vector<std::string>& PairFeatureNames() {
  static const std::vector<std::string> names = {"gap_s",         "log_gap_s",        "distance_m",
                                                 "speed_mps",     "embedding_distance", "jersey_agreement",
                                                 "jersey_weight", "log_detections_a", "log_detections_b"};
  return names;
}

std::array<float, kPairFeatureCount> PairFeatures(const IdentityTrack& a, const IdentityTrack& b, double fps) {
  IPT_ASSERT(a.embedding.size() == b.embedding.size());
  const double gap_s = (b.first_frame - a.last_frame) / fps;
  const double distance = (b.first_position_m - a.last_position_m).norm();
  double cosine = 0;
  for (size_t k = 0; k < a.embedding.size(); ++k) cosine += double(a.embedding[k]) * b.embedding[k];
  double agreement = 0;
  for (int k = 0; k < io::kNumJerseys; ++k) agreement += double(a.crop_jersey[k]) * b.crop_jersey[k];
  return {static_cast<float>(gap_s),
          static_cast<float>(std::log1p(std::max(0.0, gap_s))),
          static_cast<float>(distance),
          static_cast<float>(std::min(kMaxPairSpeedMps, gap_s > 0 ? distance / gap_s : kMaxPairSpeedMps)),
          static_cast<float>(a.embedding.empty() ? 1.0 : 1.0 - cosine),
          static_cast<float>(agreement),
          std::min(a.legible, b.legible),
          static_cast<float>(std::log(double(a.detections))),
          static_cast<float>(std::log(double(b.detections)))};
}

namespace {

void CheckTracks(const std::vector<IdentityTrack>& tracks) {
  for (const IdentityTrack& t : tracks) {
    IPT_CHECK(t.first_frame >= 1 && t.first_frame <= t.last_frame, "track {}: frames {}..{}", t.track_id, t.first_frame,
              t.last_frame);
    IPT_CHECK(t.detections >= 1, "track {}: {} detections", t.track_id, t.detections);
    IPT_CHECK(t.first_position_m.allFinite() && t.last_position_m.allFinite() && t.mean_position_m.allFinite(), "track {}: non-finite position", t.track_id);
    for (float p : t.jersey) IPT_CHECK(p >= 0 && p <= 1, "track {}: jersey probability {} outside [0, 1]", t.track_id, p);
    for (float p : t.crop_jersey) IPT_CHECK(p >= 0 && p <= 1, "track {}: crop jersey probability {} outside [0, 1]", t.track_id, p);
    IPT_CHECK(t.legible >= 0 && t.legible <= 1, "track {}: P(legible) {} outside [0, 1]", t.track_id, t.legible);
    for (float v : t.pooled_reading) IPT_CHECK(std::isfinite(v), "track {}: non-finite pooled reading", t.track_id);
    IPT_CHECK(std::isfinite(t.pooled_crops) && t.pooled_crops >= 0, "track {}: pooled crops {}", t.track_id,
              t.pooled_crops);
    IPT_CHECK(t.embedding.size() == tracks.front().embedding.size(), "track {}: embedding of width {}, not {}",
              t.track_id, t.embedding.size(), tracks.front().embedding.size());
    for (float v : t.embedding) IPT_CHECK(std::isfinite(v), "track {}: non-finite embedding", t.track_id);
  }
}

// log P(a track's reading | its number is n), up to a constant: the JN classifier's
// P(n) + P(unknown) / 100 (its P(unknown) spread evenly over the numbers), and the pooled
// reading, weighed and capped (3. in the header).
double PooledWeight(const IdentityTrack& t, const IdentityOptions& options) {
  const bool capped = options.pooled_reading_max_crops > 0 && t.pooled_crops > options.pooled_reading_max_crops;
  return options.pooled_reading_weight * (capped ? options.pooled_reading_max_crops / t.pooled_crops : 1.0);
}
double NumberLogLikelihood(const IdentityTrack& t, int n, const IdentityOptions& options) {
  return std::log(std::max(1e-30, double(t.jersey[n]) + t.jersey[io::kNumJerseys] / io::kNumJerseys)) +
         PooledWeight(t, options) * t.pooled_reading[n];
}
// Summed over tracks, n = 0..99.
using NumberEvidence = std::array<double, io::kNumJerseys>;
using JerseySetLike = std::bitset<io::kNumJerseys>;
void AddEvidence(const IdentityTrack& t, const IdentityOptions& options, NumberEvidence* e) {
  for (int k = 0; k < io::kNumJerseys; ++k) (*e)[k] += NumberLogLikelihood(t, k, options);
}
// How much a track's reading favours `number` over chance: NumberLogLikelihood + log 100
// (the JN part at most log 100, 0 for a track that reads nothing; the pooled part as
// weighed), computed so that weight 0 gives the JN part's bits exactly.
double ReadingOfNumber(const IdentityTrack& t, int number, const IdentityOptions& options) {
  return std::log(std::max(1e-30, double(t.jersey[number]) + t.jersey[io::kNumJerseys] / io::kNumJerseys) *
                  io::kNumJerseys) +
         PooledWeight(t, options) * t.pooled_reading[number];
}
// The most likely number and its probability (uniform prior over 0..99).
std::pair<int, double> MostLikelyNumber(const NumberEvidence& e) {
  const int best = static_cast<int>(std::max_element(e.begin(), e.end()) - e.begin());
  double sum = 0;
  for (double v : e) sum += std::exp(v - e[best]);
  return {best, 1.0 / sum};
}

// The frames an identity's tracks (by first frame) span.
io::FrameSpan FramesOf(const std::vector<int>& members, const std::vector<IdentityTrack>& tracks) {
  io::FrameSpan frames{tracks[members.front()].first_frame, 0};
  for (int t : members) frames.last_frame = std::max(frames.last_frame, tracks[t].last_frame);
  return frames;
}

// An identity's tracks by first frame form a valid path: no overlap, each reachable.
bool ValidPath(const std::vector<int>& members, const std::vector<IdentityTrack>& tracks, double fps,
               const IdentityOptions& options) {
  for (size_t i = 0; i + 1 < members.size(); ++i) {
    if (!Reachable(tracks[members[i]], tracks[members[i + 1]], fps, options)) return false;
  }
  return true;
}

}  // namespace

IdentityResult ResolveIdentities(const std::vector<IdentityTrack>& tracks, const io::MatchInfo& match,
                                 const PairAffinity& affinity, const IdentityOptions& options) {
  options.Check();
  CheckTracks(tracks);
  IPT_CHECK(match.fps > 0, "fps must be > 0");
  const int n = static_cast<int>(tracks.size());
  IdentityResult result;

  // 1. Candidate links.
  const std::vector<std::pair<int, int>> pairs = CandidatePairs(tracks, match.fps, options);
  result.candidate_links = static_cast<int64_t>(pairs.size());
  std::vector<float> p = pairs.empty() ? std::vector<float>{} : affinity(pairs);
  IPT_CHECK(p.size() == pairs.size(), "the affinity gave {} values for {} pairs", p.size(), pairs.size());
  for (float v : p) IPT_CHECK(v >= 0 && v <= 1, "affinity {} outside [0, 1]", v);

  // 2. Identities: merge in order of decreasing affinity while the merged path is valid.
  std::vector<int> order(pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return p[x] > p[y]; });
  std::vector<int> owner(n);
  std::vector<std::vector<int>> members(n);  // by first frame
  std::vector<NumberEvidence> evidence(n);
  for (int t = 0; t < n; ++t) {
    owner[t] = t, members[t] = {t};
    evidence[t].fill(0.0);
    AddEvidence(tracks[t], options, &evidence[t]);
  }
  // Whether a roster entry of the tracks' category plays throughout their frames (the
  // line-up): the player going off and the one coming on are never one identity.
  auto someone_plays = [&](const std::vector<int>& by_first_frame) {
    const io::FrameSpan frames = FramesOf(by_first_frame, tracks);
    const io::Category category = tracks[by_first_frame.front()].category;
    return std::any_of(match.roster.begin(), match.roster.end(), [&](const io::RosterEntry& e) {
      return e.category == category && match.PlaysThroughout(e, frames);
    });
  };
  // Whether merging `identity` into `merged` loses the player its numbers name (at least
  // min_player_probability): he plays throughout the identity's frames
  // but not the merged ones. An outfield player going off and his substitute are told
  // apart so, since their team-mates play throughout both.
  auto loses_its_player = [&](int identity, const std::vector<int>& merged) {
    // (Not a structured binding: a lambda below reads the number, which C++17 forbids.)
    const std::pair<int, double> likeliest = MostLikelyNumber(evidence[identity]);
    const int number = likeliest.first;
    if (likeliest.second < options.min_player_probability) return false;
    const io::Category category = tracks[members[identity].front()].category;
    return std::any_of(match.roster.begin(), match.roster.end(), [&](const io::RosterEntry& e) {
      return e.category == category && e.jersey == number &&
             match.PlaysThroughout(e, FramesOf(members[identity], tracks)) &&
             !match.PlaysThroughout(e, FramesOf(merged, tracks));
    });
  };
  // The roster number step 3 would name an identity after (its likeliest among the numbered
  // entries of its category who play throughout its frames), when at least
  // roster_veto_probability likely there; -1 otherwise. Entries without a number and the
  // referees' stations, which naming also weighs, are left out: referees carry no number.
  auto named_number = [&](int identity) {
    if (options.roster_veto_probability >= 1) return -1;  // off
    const io::FrameSpan frames = FramesOf(members[identity], tracks);
    const io::Category category = tracks[members[identity].front()].category;
    const NumberEvidence& e = evidence[identity];
    std::vector<int> numbers;
    for (const io::RosterEntry& entry : match.roster) {
      if (entry.category == category && entry.jersey && match.PlaysThroughout(entry, frames)) numbers.push_back(*entry.jersey);
    }
    if (numbers.empty()) return -1;
    const int best = *std::max_element(numbers.begin(), numbers.end(), [&](int a, int b) { return e[a] < e[b]; });
    double sum = 0;
    for (int n : numbers) sum += std::exp(e[n] - e[best]);
    return 1.0 / sum >= options.roster_veto_probability ? best : -1;
  };
  auto sure_number = [&](int identity) {
    const auto [number, p] = MostLikelyNumber(evidence[identity]);
    return p > options.jersey_veto_probability ? number : -1;
  };
  // Each decision at trace level (`ipt --log-level trace run`): why two tracks were not joined.
  auto log_pair = [&](int k, const char* outcome) {
    spdlog::trace("identity link {} -> {}: affinity {:.3f}, {}", tracks[pairs[k].first].track_id,
                  tracks[pairs[k].second].track_id, p[k], outcome);
  };
  for (int k : order) {
    if (p[k] < options.min_link_probability) {
      log_pair(k, "below min_link_probability");
      continue;
    }
    const int x = owner[pairs[k].first], y = owner[pairs[k].second];
    if (x == y) {
      log_pair(k, "already one identity");
      continue;
    }
    std::vector<int> merged;
    std::merge(members[x].begin(), members[x].end(), members[y].begin(), members[y].end(), std::back_inserter(merged),
               [&](int a, int b) { return tracks[a].first_frame < tracks[b].first_frame; });
    if (!ValidPath(merged, tracks, match.fps, options)) {
      log_pair(k, "the joined identity would overlap or move too fast");
      continue;
    }
    if (someone_plays(members[x]) && someone_plays(members[y]) && !someone_plays(merged)) {
      log_pair(k, "no one plays throughout the joined identity (a substitution)");
      continue;
    }
    if (loses_its_player(x, merged) || loses_its_player(y, merged)) {
      log_pair(k, "the player one side's numbers name does not play throughout the joined identity (a substitution)");
      continue;
    }
    const int number_x = sure_number(x), number_y = sure_number(y);
    if (number_x >= 0 && number_y >= 0 && number_x != number_y) {
      if (spdlog::should_log(spdlog::level::trace))
        log_pair(k, fmt::format("sure of different numbers ({}, {})", number_x, number_y).c_str());
      continue;
    }
    const int named_x = named_number(x), named_y = named_number(y);
    if (named_x >= 0 && named_y >= 0 && named_x != named_y) {
      if (spdlog::should_log(spdlog::level::trace))
        log_pair(k, fmt::format("each would be named after another player (#{}, #{})", named_x, named_y).c_str());
      continue;
    }
    log_pair(k, "joined");
    for (int k = 0; k < io::kNumJerseys; ++k) evidence[x][k] += evidence[y][k];
    for (int t : members[y]) owner[t] = x;
    members[x] = std::move(merged);
    members[y].clear();
    ++result.links;
  }
  std::vector<int> identity_of_owner(n, -1);
  std::vector<std::vector<int>> identities;
  for (int t = 0; t < n; ++t) {
    if (identity_of_owner[owner[t]] < 0) {
      identity_of_owner[owner[t]] = static_cast<int>(identities.size());
      identities.push_back(members[owner[t]]);
    }
  }
  result.player_id.assign(n, std::nullopt);
  result.jersey.assign(n, std::nullopt);

  // 3. Names, per category: identities x (roster entries + one "unnamed" column each).
  // Naming goes down to min_name_probability (the second assignment below).
  const double name_cost = -std::log(options.min_name_probability);
  // Steps 4 and 5 change who is one person: they ask for min_player_probability.
  const double join_cost = -std::log(options.min_player_probability);
  const bool near_is_far_side = match.NearTouchlineIsFarSide();
  auto station_of = [&](const IdentityTrack& t) {
    const double z = t.mean_position_m.y();
    // Neither line near (or a pitch too narrow to tell them apart): the pitch.
    if (match.pitch.TouchlineDistanceM(z) > options.touchline_margin_m ||
        match.pitch.width_m <= 2 * options.touchline_margin_m)
      return io::RefereeStation::kPitch;
    const bool at_width = z > match.pitch.width_m / 2;
    return at_width == near_is_far_side ? io::RefereeStation::kNearTouchline : io::RefereeStation::kFarTouchline;
  };
  for (int c = 0; c < io::kNumCategories; ++c) {
    const auto category = static_cast<io::Category>(c);
    std::vector<const io::RosterEntry*> entries;
    for (const auto& e : match.roster) {
      if (e.category == category) entries.push_back(&e);
    }
    std::vector<int> ids;
    for (int i = 0; i < static_cast<int>(identities.size()); ++i) {
      // Identities joined into another one (step 4, earlier categories) are empty.
      if (!identities[i].empty() && tracks[identities[i].front()].category == category) ids.push_back(i);
    }
    if (entries.empty() || ids.empty()) continue;
    const int k = static_cast<int>(entries.size()), m = static_cast<int>(ids.size());
    // Never chosen when anything else is possible; finite for the solver.
    constexpr double kForbidden = 1e9;
    // Costs are sums of a few logs: 1e-9 is far below what evidence changes, and far above
    // the rounding of equal costs (~1e-15).
    constexpr double kTieBreak = 1e-9;
    bool every_entry_numbered = true;
    const bool any_station =
        std::any_of(entries.begin(), entries.end(), [](const io::RosterEntry* e) { return e->station.has_value(); });
    for (const auto* e : entries) every_entry_numbered &= e->jersey.has_value();
    // The line-up's times at the identity's ends (substitution_likelihood_ratio): log of
    // the ratio added for the player going off where it ends by a touchline at his
    // substitution, and for the player coming on where it starts so (entries who do not play
    // throughout the identity's frames are left out by the caller).
    auto add_substitution_evidence = [&](const std::vector<int>& members, std::vector<double>* log_p) {
      if (options.substitution_likelihood_ratio == 1 || match.substitutions.empty()) return;
      const IdentityTrack* first = &tracks[members.front()];
      const IdentityTrack* last = first;
      for (int t : members) {
        if (tracks[t].first_frame < first->first_frame) first = &tracks[t];
        if (tracks[t].last_frame > last->last_frame) last = &tracks[t];
      }
      const double window_frames =
          (options.substitution_seconds + match.substitution_tolerance_seconds) * match.fps;
      auto by_touchline = [&](const Eigen::Vector2d& foot_m) {
        return match.pitch.TouchlineDistanceM(foot_m.y()) <= options.touchline_margin_m;
      };
      const bool ends_by_touchline = by_touchline(last->last_position_m);
      const bool starts_by_touchline = by_touchline(first->first_position_m);
      for (const io::Substitution& s : match.substitutions) {
        const bool off = ends_by_touchline && std::abs(last->last_frame - s.frame) <= window_frames;
        const bool on = s.player_in && starts_by_touchline && std::abs(first->first_frame - s.frame) <= window_frames;
        for (int e = 0; e < k; ++e) {
          if ((off && entries[e]->player_id == s.player_out) || (on && entries[e]->player_id == *s.player_in))
            (*log_p)[e] += std::log(options.substitution_likelihood_ratio);
        }
      }
    };
    // -log P(entry | identity) for each entry; kForbidden for an entry who does not play
    // throughout the identity's frames, and for all when it may not be named.
    auto entry_costs = [&](const std::vector<int>& members) {
      std::vector<double> costs(k, kForbidden);
      // The entries who play throughout the identity's frames (the line-up): no one else
      // can be named, nor share the probability.
      const io::FrameSpan frames = FramesOf(members, tracks);
      std::vector<bool> plays(k);
      JerseySetLike numbers;  // the roster's numbers of those entries
      for (int e = 0; e < k; ++e) {
        plays[e] = match.PlaysThroughout(*entries[e], frames);
        if (plays[e] && entries[e]->jersey) numbers.set(*entries[e]->jersey);
      }
      if (std::none_of(plays.begin(), plays.end(), [](bool b) { return b; })) return costs;
      // Readings that make the roster's numbers far less likely than before reading (a sure
      // number the team does not wear) name nobody: the likelihood-ratio test of the header.
      if (every_entry_numbered) {
        NumberEvidence e{};
        for (int t : members) AddEvidence(tracks[t], options, &e);
        const double top = *std::max_element(e.begin(), e.end());
        double all = 0, roster = 0;
        for (int n = 0; n < io::kNumJerseys; ++n) {
          all += std::exp(e[n] - top);
          if (numbers[n]) roster += std::exp(e[n] - top);
        }
        const double prior = static_cast<double>(numbers.count()) / io::kNumJerseys;
        if (roster / all < options.min_roster_evidence * prior) return costs;
      }
      std::vector<double> log_p(k, 0.0);
      // The station is one observation per identity, however many tracks it holds: each
      // track's station weighs its share of the identity's detections. (Counted per track,
      // an identity of three short pieces near the pitch's middle outweighed the referee's
      // one whole track.)
      double identity_detections = 0;
      for (int t : members) identity_detections += tracks[t].detections;
      for (int t : members) {
        for (int e = 0; e < k; ++e) {
          if (!plays[e]) continue;
          // An entry without a number: any reading is as likely as under "unknown".
          log_p[e] += entries[e]->jersey ? NumberLogLikelihood(tracks[t], *entries[e]->jersey, options)
                                         : std::log(1.0 / io::kNumJerseys);
          if (any_station) {  // an entry without a station: any of the three alike
            const double p_station = !entries[e]->station ? 1.0 / 3
                                     : station_of(tracks[t]) == *entries[e]->station ? 1 - options.station_error
                                                                                      : options.station_error / 2;
            log_p[e] += tracks[t].detections / identity_detections * std::log(p_station);
          }
        }
      }
      add_substitution_evidence(members, &log_p);
      double top = -std::numeric_limits<double>::infinity();
      for (int e = 0; e < k; ++e) top = plays[e] ? std::max(top, log_p[e]) : top;
      double sum = 0;
      for (int e = 0; e < k; ++e) sum += plays[e] ? std::exp(log_p[e] - top) : 0.0;
      for (int e = 0; e < k; ++e) {
        if (plays[e]) costs[e] = -(log_p[e] - top - std::log(sum));
      }
      return costs;
    };
    Eigen::MatrixXd cost(m, k);  // identity row x entry
    for (int r = 0; r < m; ++r) {
      const std::vector<double> costs = entry_costs(identities[ids[r]]);
      for (int e = 0; e < k; ++e) cost(r, e) = costs[e];
    }
    std::vector<int> entry_of(m, -1), named_by(k, -1);  // row -> entry, entry -> row
    // A linear sum assignment of `rows` to the entries `columns`, each row with its own
    // "unnamed" column at `unnamed`; the names go into entry_of / named_by. Ties
    // (name_ties_by_detections): of identities whose costs for an entry are equal, the one
    // with more detections is named. Its cost is lowered by kTieBreak x its share of the
    // rows' most detections: below any difference in evidence but the smallest.
    auto assign = [&](const std::vector<int>& rows, const std::vector<int>& columns, double unnamed) {
      const int a = static_cast<int>(rows.size()), b = static_cast<int>(columns.size());
      if (a == 0 || b == 0) return;
      std::vector<double> detections(a, 0.0);
      for (int i = 0; i < a; ++i) {
        for (int t : identities[ids[rows[i]]]) detections[i] += tracks[t].detections;
      }
      const double most = *std::max_element(detections.begin(), detections.end());
      Eigen::MatrixXd solved = Eigen::MatrixXd::Constant(a, b + a, kForbidden);
      for (int i = 0; i < a; ++i) {
        solved(i, b + i) = unnamed;
        for (int j = 0; j < b; ++j) {
          const double c = cost(rows[i], columns[j]);
          solved(i, j) = c < kForbidden && options.name_ties_by_detections ? c - kTieBreak * detections[i] / most : c;
        }
      }
      for (const auto& [i, j] : eval::LinearSumAssignment(solved)) {
        if (j >= b || cost(rows[i], columns[j]) > unnamed) continue;
        entry_of[rows[i]] = columns[j], named_by[columns[j]] = rows[i];
      }
    };
    // First the names the evidence makes at least min_player_probability likely (or
    // min_name_probability, when higher): steps 4 and 5 then join and evict by them.
    {
      std::vector<int> all_rows(m), all_entries(k);
      std::iota(all_rows.begin(), all_rows.end(), 0);
      std::iota(all_entries.begin(), all_entries.end(), 0);
      assign(all_rows, all_entries, std::min(name_cost, join_cost));
    }
    // 4. Joining by name: an unnamed identity whose most likely entry, named after another
    // identity, passes min_player_probability joins that identity when the joined path is
    // valid (surest first).
    if (options.join_by_name) {
      std::vector<std::pair<double, int>> unnamed;  // (cost of the best entry, row)
      for (int r = 0; r < m; ++r) {
        if (entry_of[r] >= 0) continue;
        int best = 0;
        for (int e = 1; e < k; ++e) best = cost(r, e) < cost(r, best) ? e : best;
        if (cost(r, best) <= join_cost && named_by[best] >= 0) unnamed.push_back({cost(r, best), r});
      }
      std::stable_sort(unnamed.begin(), unnamed.end());
      for (const auto& [unused, r] : unnamed) {
        int best = 0;
        for (int e = 1; e < k; ++e) best = cost(r, e) < cost(r, best) ? e : best;
        std::vector<int>& into = identities[ids[named_by[best]]];
        std::vector<int> merged;
        std::merge(into.begin(), into.end(), identities[ids[r]].begin(), identities[ids[r]].end(),
                   std::back_inserter(merged),
                   [&](int a, int b) { return tracks[a].first_frame < tracks[b].first_frame; });
        const int64_t from_track = tracks[identities[ids[r]].front()].track_id;
        if (ValidPath(merged, tracks, match.fps, options)) {
          spdlog::trace("identity of track {} joined by name to player {} (track {})", from_track,
                        entries[best]->player_id, tracks[into.front()].track_id);
          into = std::move(merged);
          identities[ids[r]].clear();
          ++result.joined_by_name;
          continue;
        }
        // 5. Evicting by name: the named identity's tracks that overlap this one in time
        // leave it, when they read the player's number no surer than this one does (within
        // the tolerance) and hold fewer detections, and the rest joins this one validly.
        if (options.evict_by_name && entries[best]->jersey) {
          std::vector<int> kept, evicted;
          for (int t : into) {
            // Overlapping in time, and not by a hand-over either way.
            const bool in_the_way = std::any_of(identities[ids[r]].begin(), identities[ids[r]].end(), [&](int u) {
              return tracks[t].first_frame <= tracks[u].last_frame && tracks[u].first_frame <= tracks[t].last_frame &&
                     !Reachable(tracks[t], tracks[u], match.fps, options) &&
                     !Reachable(tracks[u], tracks[t], match.fps, options);
            });
            (in_the_way ? evicted : kept).push_back(t);
          }
          const int number = *entries[best]->jersey;
          double evicted_reading = 0;
          int64_t evicted_detections = 0, joining_detections = 0;
          for (int t : evicted) {
            evicted_reading += ReadingOfNumber(tracks[t], number, options);
            evicted_detections += tracks[t].detections;
          }
          double joining_reading = 0;
          for (int u : identities[ids[r]]) {
            joining_detections += tracks[u].detections;
            joining_reading += ReadingOfNumber(tracks[u], number, options);
          }
          std::vector<int> rejoined;
          std::merge(kept.begin(), kept.end(), identities[ids[r]].begin(), identities[ids[r]].end(),
                     std::back_inserter(rejoined),
                     [&](int a, int b) { return tracks[a].first_frame < tracks[b].first_frame; });
          // The evicted tracks become one identity: they must form a valid path too.
          if (!evicted.empty() && evicted_reading <= joining_reading + options.evict_reading_tolerance_nats &&
              evicted_detections < joining_detections && ValidPath(rejoined, tracks, match.fps, options) &&
              ValidPath(evicted, tracks, match.fps, options)) {
            spdlog::trace("identity of track {} joined by name to player {} (track {}), {} of its tracks evicted",
                          from_track, entries[best]->player_id, tracks[into.front()].track_id, evicted.size());
            into = std::move(rejoined);
            identities[ids[r]] = std::move(evicted);  // unnamed (entry_of[r] < 0)
            ++result.joined_by_name;
            result.tracks_evicted_by_name += static_cast<int64_t>(identities[ids[r]].size());
            continue;
          }
          std::string in_the_way;  // each: track id (frames, nats of the number)
          if (spdlog::should_log(spdlog::level::trace))
            for (int t : evicted)
              in_the_way += fmt::format(" {} ({}-{}, {:.2f})", tracks[t].track_id, tracks[t].first_frame,
                                        tracks[t].last_frame, ReadingOfNumber(tracks[t], number, options));
          spdlog::trace("identity of track {} evicts nothing: {} tracks of player {} in the way ({}), reading his number "
                        "{:.2f} nats against {:.2f}, {} detections against {}; the rest {} join validly, they {} "
                        "form a valid path",
                        from_track, evicted.size(), entries[best]->player_id, in_the_way, evicted_reading, joining_reading,
                        evicted_detections, joining_detections,
                        ValidPath(rejoined, tracks, match.fps, options) ? "would" : "would not",
                        ValidPath(evicted, tracks, match.fps, options) ? "would" : "would not");
        }
        spdlog::trace("identity of track {} not joined by name to player {} (track {}): the joined identity would "
                      "overlap or move too fast",
                      from_track, entries[best]->player_id, tracks[into.front()].track_id);
      }
    }
    // Then, when min_name_probability is lower, the identities still unnamed (their tracks
    // as steps 4 and 5 left them) are named after the entries still free, down to it.
    std::vector<bool> guessed(m, false);
    if (name_cost > join_cost) {
      std::vector<int> rows, free_entries;
      for (int r = 0; r < m; ++r) {
        if (entry_of[r] >= 0 || identities[ids[r]].empty()) continue;
        rows.push_back(r);
        const std::vector<double> costs = entry_costs(identities[ids[r]]);
        for (int e = 0; e < k; ++e) cost(r, e) = costs[e];
      }
      for (int e = 0; e < k; ++e) {
        if (named_by[e] < 0) free_entries.push_back(e);
      }
      assign(rows, free_entries, name_cost);
      for (int r : rows) {
        // Not counted for a tie at the threshold (rounding).
        if (entry_of[r] < 0 || cost(r, entry_of[r]) <= join_cost + kTieBreak) continue;
        result.guessed_player_ids.push_back(entries[entry_of[r]]->player_id);
        guessed[r] = true;
      }
    }
    for (int r = 0; r < m; ++r) {
      if (entry_of[r] < 0) continue;
      if (spdlog::should_log(spdlog::level::trace)) {  // P as the identity stands now (after 4. and 5.)
        spdlog::trace("identity of track {} ({} tracks) named after player {}{} (P {:.3f})",
                      tracks[identities[ids[r]].front()].track_id, identities[ids[r]].size(),
                      entries[entry_of[r]]->player_id, guessed[r] ? " as a best guess" : "",
                      std::exp(-entry_costs(identities[ids[r]])[entry_of[r]]));
      }
      for (int t : identities[ids[r]]) {
        result.player_id[t] = entries[entry_of[r]]->player_id;
        result.jersey[t] = entries[entry_of[r]]->jersey;
      }
    }
  }
  // Identities numbered in the order of their lowest track index before joining, the
  // joined ones gone (the tracks evicted by an identity take its place in that order).
  result.identity.assign(n, -1);
  for (const std::vector<int>& members_of : identities) {
    if (members_of.empty()) continue;
    for (int t : members_of) result.identity[t] = result.identities;
    ++result.identities;
  }
  std::sort(result.guessed_player_ids.begin(), result.guessed_player_ids.end());
  return result;
}

}  // namespace ipt::tracking
