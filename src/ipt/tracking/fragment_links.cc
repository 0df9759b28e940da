#include "ipt/tracking/fragment_links.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "ipt/tracking/embedding_distance.h"
#include "ipt/tracking/gated_assignment.h"
#include "ipt/tracking/velocity_fit.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {
namespace {

// Bounds that only refuse nonsense.
constexpr double kMaxSpeedMps = 50.0;
constexpr double kMaxSlackM = 100.0;
constexpr double kMaxEndSeconds = 60.0;
constexpr double kMaxLinkCostM = 1e6;

// The unit mean of the embeddings of `rows`, or empty.
std::vector<float> MeanEmbedding(const std::vector<float>& embeddings, int dim, const std::vector<size_t>& rows) {
  if (embeddings.empty() || rows.empty()) return {};
  std::vector<double> sum(dim, 0.0);
  for (size_t r : rows)
    for (int k = 0; k < dim; ++k) sum[k] += embeddings[r * dim + k];
  double norm_sq = 0;
  for (double v : sum) norm_sq += v * v;
  if (!(norm_sq > 0)) return {};
  const double norm = std::sqrt(norm_sq);
  std::vector<float> mean(dim);
  for (int k = 0; k < dim; ++k) mean[k] = static_cast<float>(sum[k] / norm);
  return mean;
}

std::optional<Eigen::Vector2d> Velocity(const std::vector<int>& frames, const std::vector<Eigen::Vector2d>& points,
                                        const std::vector<size_t>& rows, double fps) {
  std::vector<int> f;
  std::vector<Eigen::Vector2d> p;
  for (size_t r : rows) {
    f.push_back(frames[r]);
    p.push_back(points[r]);
  }
  Eigen::Vector2d v;
  if (!FitVelocityMps(f, p, fps, &v)) return std::nullopt;
  return v;
}

// The cost of `b` continuing `a` (metres), or +infinity when it cannot.
double LinkCost(const TrackEnds& a, const TrackEnds& b, const FragmentLinkOptions& o, double fps) {
  const int gap_frames = b.first_frame - a.last_frame;
  if (gap_frames < 1 || gap_frames > o.max_gap_seconds * fps) return std::numeric_limits<double>::infinity();
  const double gap_s = gap_frames / fps;
  const double distance = (b.first_foot_in_pitch_m - a.last_foot_in_pitch_m).norm();
  if (distance > o.position_slack_m + o.max_speed_mps * gap_s) return std::numeric_limits<double>::infinity();
  // The better of the two predictions (an end without a velocity predicts standing still).
  const double horizon_s = std::min(gap_s, o.prediction_horizon_seconds);
  const double forward =
      a.end_velocity_mps ? (a.last_foot_in_pitch_m + *a.end_velocity_mps * horizon_s - b.first_foot_in_pitch_m).norm() : distance;
  const double backward =
      b.start_velocity_mps ? (b.first_foot_in_pitch_m - *b.start_velocity_mps * horizon_s - a.last_foot_in_pitch_m).norm() : distance;
  double cost = std::min(forward, backward);
  if (!a.end_embedding.empty() && !b.start_embedding.empty())
    cost += o.appearance_weight_m * CosineDistance(a.end_embedding, b.start_embedding);
  return cost;
}

}  // namespace

void FragmentLinkOptions::Check() const {
  IPT_CHECK(InRange(max_gap_seconds, 0, limits::kMaxMatchSeconds), "max_gap_seconds must be in [0, {}], got {}",
            limits::kMaxMatchSeconds, max_gap_seconds);
  IPT_CHECK(InRange(max_speed_mps, 0, kMaxSpeedMps), "max_speed_mps must be in [0, {}], got {}", kMaxSpeedMps,
            max_speed_mps);
  IPT_CHECK(InRange(position_slack_m, 0, kMaxSlackM), "position_slack_m must be in [0, {}], got {}", kMaxSlackM,
            position_slack_m);
  IPT_CHECK(InRange(appearance_weight_m, 0, kMaxAppearanceWeightM), "appearance_weight_m must be in [0, {}], got {}",
            kMaxAppearanceWeightM, appearance_weight_m);
  IPT_CHECK(InRange(max_link_cost_m, 0, kMaxLinkCostM) && max_link_cost_m > 0,
            "max_link_cost_m must be in (0, {}], got {}", kMaxLinkCostM, max_link_cost_m);
  IPT_CHECK(InRange(prediction_horizon_seconds, 0, limits::kMaxMatchSeconds),
            "prediction_horizon_seconds must be in [0, {}], got {}", limits::kMaxMatchSeconds,
            prediction_horizon_seconds);
  IPT_CHECK(InRange(embedding_seconds, 0, kMaxEndSeconds) && embedding_seconds > 0,
            "embedding_seconds must be in (0, {}], got {}", kMaxEndSeconds, embedding_seconds);
  IPT_CHECK(InRange(velocity_seconds, 0, kMaxEndSeconds) && velocity_seconds > 0,
            "velocity_seconds must be in (0, {}], got {}", kMaxEndSeconds, velocity_seconds);
  IPT_CHECK(InRange(max_handover_seconds, 0, kMaxEndSeconds), "max_handover_seconds must be in [0, {}], got {}",
            kMaxEndSeconds, max_handover_seconds);
  IPT_CHECK(InRange(handover_radius_m, 0, kMaxSlackM) && handover_radius_m > 0,
            "handover_radius_m must be in (0, {}], got {}", kMaxSlackM, handover_radius_m);
  IPT_CHECK(InRange(max_duplicate_seconds, 0, kMaxEndSeconds), "max_duplicate_seconds must be in [0, {}], got {}",
            kMaxEndSeconds, max_duplicate_seconds);
  IPT_CHECK(InRange(duplicate_radius_m, 0, kMaxSlackM) && duplicate_radius_m > 0,
            "duplicate_radius_m must be in (0, {}], got {}", kMaxSlackM, duplicate_radius_m);
  IPT_CHECK(InRange(duplicate_min_shared_fraction, 0, 1), "duplicate_min_shared_fraction must be in [0, 1], got {}",
            duplicate_min_shared_fraction);
}

TrackEnds EndsOfTrack(int64_t track_id, const std::vector<int>& frames,
                      const std::vector<Eigen::Vector2d>& foot_in_pitch_m, const std::vector<float>& embeddings,
                      int embedding_dim, const FragmentLinkOptions& options, double fps) {
  IPT_CHECK(!frames.empty() && frames.size() == foot_in_pitch_m.size(), "EndsOfTrack: track {}: {} frames, {} points",
            track_id, frames.size(), foot_in_pitch_m.size());
  IPT_CHECK(embeddings.empty() || (embedding_dim > 0 && embeddings.size() == frames.size() * embedding_dim),
            "EndsOfTrack: track {}: {} embedding values for {} rows of width {}", track_id, embeddings.size(),
            frames.size(), embedding_dim);
  IPT_CHECK(fps > 0, "EndsOfTrack: fps must be > 0");
  for (size_t i = 1; i < frames.size(); ++i)
    IPT_CHECK(frames[i - 1] < frames[i], "EndsOfTrack: track {}: frames must increase", track_id);
  TrackEnds ends;
  ends.track_id = track_id;
  ends.first_frame = frames.front();
  ends.last_frame = frames.back();
  ends.first_foot_in_pitch_m = foot_in_pitch_m.front();
  ends.last_foot_in_pitch_m = foot_in_pitch_m.back();
  std::vector<size_t> head_embedding, tail_embedding, head_velocity, tail_velocity;
  for (size_t i = 0; i < frames.size(); ++i) {
    const double from_first_s = (frames[i] - ends.first_frame) / fps, to_last_s = (ends.last_frame - frames[i]) / fps;
    if (from_first_s <= options.embedding_seconds) head_embedding.push_back(i);
    if (to_last_s <= options.embedding_seconds) tail_embedding.push_back(i);
    if (from_first_s <= options.velocity_seconds) head_velocity.push_back(i);
    if (to_last_s <= options.velocity_seconds) tail_velocity.push_back(i);
  }
  ends.start_velocity_mps = Velocity(frames, foot_in_pitch_m, head_velocity, fps);
  ends.end_velocity_mps = Velocity(frames, foot_in_pitch_m, tail_velocity, fps);
  ends.start_embedding = MeanEmbedding(embeddings, embedding_dim, head_embedding);
  ends.end_embedding = MeanEmbedding(embeddings, embedding_dim, tail_embedding);
  return ends;
}

std::vector<FragmentLink> LinkFragments(const std::vector<TrackEnds>& tracks, const FragmentLinkOptions& options,
                                        double fps, const std::function<bool(int64_t from, int64_t to)>& may_link) {
  options.Check();
  IPT_CHECK(fps > 0, "LinkFragments: fps must be > 0");
  std::vector<FragmentLink> links;
  {
    std::set<int64_t> ids;
    for (const TrackEnds& t : tracks) IPT_CHECK(ids.insert(t.track_id).second, "LinkFragments: track {} twice", t.track_id);
  }
  if (!options.enabled() || tracks.size() < 2) return links;
  // Only tracks with a possible partner enter the assignment (a 90-minute match has
  // thousands of tracks, each with a few candidates).
  const int n = static_cast<int>(tracks.size());
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return tracks[a].first_frame < tracks[b].first_frame; });
  std::vector<std::tuple<int, int, double>> pairs;  // (from, to, cost)
  const double max_gap_frames = options.max_gap_seconds * fps;
  for (int a = 0; a < n; ++a) {
    // Successors start in (a's last frame, a's last frame + max gap].
    auto it = std::upper_bound(order.begin(), order.end(), tracks[a].last_frame,
                               [&](int frame, int b) { return frame < tracks[b].first_frame; });
    for (; it != order.end() && tracks[*it].first_frame - tracks[a].last_frame <= max_gap_frames; ++it) {
      const double cost = LinkCost(tracks[a], tracks[*it], options, fps);
      if (cost < options.max_link_cost_m && (!may_link || may_link(tracks[a].track_id, tracks[*it].track_id)))
        pairs.emplace_back(a, *it, cost);
    }
  }
  // The assignment decomposes into the connected parts of the pair graph (ends and starts
  // as nodes): one small matrix each, as a match's tracks meet only their neighbours in time.
  std::vector<int> parent(2 * n);  // end of track i: i; start of track i: n + i
  for (int i = 0; i < 2 * n; ++i) parent[i] = i;
  const auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const auto& [a, b, cost] : pairs) parent[find(a)] = find(n + b);
  std::map<int, std::vector<size_t>> pairs_of_part;
  for (size_t k = 0; k < pairs.size(); ++k) pairs_of_part[find(std::get<0>(pairs[k]))].push_back(k);
  for (const auto& [part, ks] : pairs_of_part) {
    std::map<int, int> row_of, col_of;
    for (size_t k : ks) {
      row_of.emplace(std::get<0>(pairs[k]), static_cast<int>(row_of.size()));
      col_of.emplace(std::get<1>(pairs[k]), static_cast<int>(col_of.size()));
    }
    std::vector<int> from_of_row(row_of.size()), to_of_col(col_of.size());
    for (auto [a, i] : row_of) from_of_row[i] = a;
    for (auto [b, j] : col_of) to_of_col[j] = b;
    Eigen::MatrixXd cost = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(row_of.size()),
                                                     static_cast<Eigen::Index>(col_of.size()),
                                                     std::numeric_limits<double>::infinity());
    for (size_t k : ks) cost(row_of[std::get<0>(pairs[k])], col_of[std::get<1>(pairs[k])]) = std::get<2>(pairs[k]);
    for (auto [i, j] : AssignInsideGates(cost, options.max_link_cost_m))
      links.push_back({tracks[from_of_row[i]].track_id, tracks[to_of_col[j]].track_id, cost(i, j)});
  }
  std::sort(links.begin(), links.end(),
            [](const FragmentLink& x, const FragmentLink& y) { return x.from_track < y.from_track; });
  return links;
}

std::vector<size_t> HandoverRows(const std::vector<eval::PipelineRow>& rows, const FragmentLinkOptions& options,
                                 double fps) {
  options.Check();
  IPT_CHECK(fps > 0, "HandoverRows: fps must be > 0");
  std::vector<size_t> dropped;
  const int max_handover_frames = static_cast<int>(std::floor(options.max_handover_seconds * fps));
  const int max_duplicate_frames = static_cast<int>(std::floor(options.max_duplicate_seconds * fps));
  const int max_overlap_frames = std::max(max_handover_frames, max_duplicate_frames);
  if (max_overlap_frames <= 0) return dropped;
  // Each track's rows by frame.
  std::map<int64_t, std::map<int, size_t>> rows_of;
  for (size_t i = 0; i < rows.size(); ++i) {
    IPT_CHECK(rows_of[rows[i].track_id].emplace(rows[i].frame, i).second, "HandoverRows: track {} has two rows in "
              "frame {}", rows[i].track_id, rows[i].frame);
  }
  // Tracks by last frame: the A's a B starting at frame f may continue end in
  // [f, f + max_overlap_frames - 1].
  std::multimap<int, int64_t> by_last_frame;
  for (const auto& [id, by_frame] : rows_of) by_last_frame.emplace(by_frame.rbegin()->first, id);
  for (const auto& [b, b_rows] : rows_of) {
    const int b_first = b_rows.begin()->first, b_last = b_rows.rbegin()->first;
    std::optional<std::pair<double, int64_t>> best;  // (mean distance, A)
    for (auto it = by_last_frame.lower_bound(b_first);
         it != by_last_frame.end() && it->first - b_first + 1 <= max_overlap_frames; ++it) {
      const int64_t a = it->second;
      const std::map<int, size_t>& a_rows = rows_of.at(a);
      const int a_last = it->first;
      if (a == b || a_rows.begin()->first >= b_first || b_last <= a_last) continue;
      if (!NamesAgree(rows[a_rows.begin()->second], rows[b_rows.begin()->second])) continue;
      double sum = 0, farthest = 0;
      int shared = 0, b_overlap_rows = 0;
      for (auto r = b_rows.begin(); r != b_rows.end() && r->first <= a_last; ++r) {
        ++b_overlap_rows;
        const auto at = a_rows.find(r->first);
        if (at == a_rows.end()) continue;
        const double d = std::hypot(rows[at->second].x_m - rows[r->second].x_m, rows[at->second].z_m - rows[r->second].z_m);
        farthest = std::max(farthest, d);
        sum += d, ++shared;
      }
      if (shared == 0) continue;
      const int overlap_frames = a_last - b_first + 1;
      const bool handover = overlap_frames <= max_handover_frames && farthest <= options.handover_radius_m;
      const bool duplicate = overlap_frames <= max_duplicate_frames && farthest <= options.duplicate_radius_m &&
                             shared >= options.duplicate_min_shared_fraction * b_overlap_rows;
      if (!handover && !duplicate) continue;
      if (!best || sum / shared < best->first) best = std::make_pair(sum / shared, a);
    }
    if (!best) continue;
    const int a_last = rows_of.at(best->second).rbegin()->first;
    for (auto r = b_rows.begin(); r != b_rows.end() && r->first <= a_last; ++r) dropped.push_back(r->second);
  }
  std::sort(dropped.begin(), dropped.end());
  return dropped;
}

bool NamesAgree(const eval::PipelineRow& a, const eval::PipelineRow& b) {
  const auto differ = [](const auto& x, const auto& y) { return x && y && *x != *y; };
  return a.category == b.category && !differ(a.player_id, b.player_id) && !differ(a.jersey, b.jersey);
}

namespace {

struct RowsOfTrack {
  std::vector<size_t> rows;
  std::vector<int> frames;  // ascending
};

// Whether two tracks' spans (first to last row) meet: a track's short gaps are filled
// afterwards (track_smoothing.h), so a track lying in another's gap would share frames then
// (held-out 9400: a splice's cut-off head, rejoined inside the first track's gap).
bool SpansMeet(const RowsOfTrack& x, const RowsOfTrack& y) {
  return x.frames.front() <= y.frames.back() && y.frames.front() <= x.frames.back();
}

}  // namespace

int64_t JoinLinkedRows(std::vector<eval::PipelineRow>& rows, const std::vector<FragmentLink>& links,
                       const io::MatchInfo* lineup, std::vector<FragmentLink>* refused) {
  std::map<int64_t, RowsOfTrack> tracks;
  for (size_t i = 0; i < rows.size(); ++i) {
    RowsOfTrack& t = tracks[rows[i].track_id];
    t.rows.push_back(i);
    t.frames.push_back(rows[i].frame);
  }
  for (auto& [id, t] : tracks) std::sort(t.frames.begin(), t.frames.end());
  // The tracks that carry each name (names carried over included, as they are).
  std::map<int, std::set<int64_t>> named;
  for (const auto& [id, t] : tracks)
    if (const auto& p = rows[t.rows.front()].player_id) named[*p].insert(id);
  struct Chain {
    eval::PipelineRow attributes;  // category, jersey, player_id
    std::vector<int64_t> members;
  };
  std::map<int64_t, Chain> chains;     // by first track
  std::map<int64_t, int64_t> chain_of;  // track -> its chain's first track
  std::vector<FragmentLink> ordered = links;
  std::set<int64_t> froms, tos;
  for (const FragmentLink& l : ordered) {
    IPT_CHECK(tracks.count(l.from_track) && tracks.count(l.to_track), "JoinLinkedRows: link {} -> {} names a track "
              "without rows", l.from_track, l.to_track);
    IPT_CHECK(froms.insert(l.from_track).second, "JoinLinkedRows: track {} has two successors", l.from_track);
    IPT_CHECK(tos.insert(l.to_track).second, "JoinLinkedRows: track {} has two predecessors", l.to_track);
  }
  std::sort(ordered.begin(), ordered.end(), [&](const FragmentLink& x, const FragmentLink& y) {
    return std::make_pair(tracks.at(x.to_track).frames.front(), x.to_track) <
           std::make_pair(tracks.at(y.to_track).frames.front(), y.to_track);
  });
  int64_t kept = 0;
  for (const FragmentLink& l : ordered) {
    const RowsOfTrack& later = tracks.at(l.to_track);
    IPT_CHECK(tracks.at(l.from_track).frames.back() < later.frames.front(),
              "JoinLinkedRows: track {} does not end before track {} starts", l.from_track, l.to_track);
    const int64_t first = chain_of.count(l.from_track) ? chain_of.at(l.from_track) : l.from_track;
    auto [it, added] = chains.try_emplace(first);
    Chain& chain = it->second;
    if (added) {
      chain.attributes = rows[tracks.at(first).rows.front()];
      chain.members = {first};
      chain_of[first] = first;
    }
    const eval::PipelineRow& next = rows[later.rows.front()];
    if (!NamesAgree(chain.attributes, next)) {
      if (refused) refused->push_back({first, l.to_track, l.cost_m});
      continue;
    }
    // A name carried over to the side without one must not meet another track of that name.
    std::vector<int64_t> receivers;
    std::optional<int> name = chain.attributes.player_id ? chain.attributes.player_id : next.player_id;
    if (chain.attributes.player_id && !next.player_id) receivers = {l.to_track};
    if (!chain.attributes.player_id && next.player_id) receivers = chain.members;
    bool clash = false;
    const io::RosterEntry* entry = lineup && name ? lineup->FindPerson(*name) : nullptr;
    for (int64_t receiver : receivers) {
      const RowsOfTrack& r = tracks.at(receiver);
      clash = clash || (entry && !lineup->PlaysThroughout(*entry, {r.frames.front(), r.frames.back()}));
      for (int64_t other : named[*name]) {
        if (other == l.to_track || (chain_of.count(other) && chain_of.at(other) == first)) continue;
        clash = clash || SpansMeet(tracks.at(receiver), tracks.at(other));
      }
    }
    if (clash) {
      if (refused) refused->push_back({first, l.to_track, l.cost_m});
      continue;
    }
    for (int64_t receiver : receivers) named[*name].insert(receiver);
    // A named side's number is the chain's (the name's number); of two unnamed sides, either's.
    if (!chain.attributes.player_id && (next.player_id || !chain.attributes.jersey))
      chain.attributes.jersey = next.jersey;
    chain.attributes.player_id = name;
    chain.members.push_back(l.to_track);
    chain_of[l.to_track] = first;
    ++kept;
  }
  for (const auto& [first, chain] : chains) {
    for (int64_t member : chain.members) {
      for (size_t i : tracks.at(member).rows) {
        rows[i].track_id = first;
        rows[i].player_id = chain.attributes.player_id;
        rows[i].jersey = chain.attributes.jersey;
      }
    }
  }
  return kept;
}

}  // namespace ipt::tracking
