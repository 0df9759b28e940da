#include "ipt/tracking/tracklet_graph.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ipt/tracking/embedding_distance.h"
#include "ipt/tracking/velocity_fit.h"
#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// What the features read of one tracklet.
struct Summary {
  int first_frame = 0, last_frame = 0, count = 0;
  Eigen::Vector2f first_pos{0, 0}, last_pos{0, 0}, mean_pos{0, 0};
  Eigen::Vector2f start_velocity{0, 0}, end_velocity{0, 0};  // m/s
  bool has_start_velocity = false, has_end_velocity = false;
  std::vector<float> embedding, kit, role;  // means (embedding and kit L2-normalised)
  float score = 0, legible = 0;
  // Same-frame context, means over the detections (DetectionContext).
  float nearest_m = 0, nearby = 0, score_margin = 0;
  std::vector<float> jersey;  // sum over detections of P(legible) * P(number), normalised
  float jersey_weight = 0;    // sum of P(legible)
};

void Normalize(std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += double(x) * x;
  if (n > 0) {
    const float inv = static_cast<float>(1 / std::sqrt(n));
    for (float& x : v) x *= inv;
  }
}

// Least-squares slope (m/s) of the foot-points of rows `rows` against time.
bool FitVelocity(const ChunkDetections& d, const std::vector<int>& rows, double fps, Eigen::Vector2f* velocity) {
  std::vector<int> frames;
  std::vector<Eigen::Vector2d> points;
  for (int r : rows) {
    frames.push_back(d.frame[r]);
    points.push_back(d.foot_in_pitch_m[r].cast<double>());
  }
  Eigen::Vector2d v;
  if (!FitVelocityMps(frames, points, fps, &v)) return false;
  *velocity = v.cast<float>();
  return true;
}

// One detection among the others of its frame (score >= min_detection_score): the
// distance to the nearest (clipped at kMaxContextDistanceM), how many lie within
// kContextRadiusM, and its score minus the best of those (its own score when alone).
// The graph has no same-frame edges: this is how the network tells a person from the
// detector's second peak on them.
// Rivals are all detections above min_detection_score, also those that duplicate
// suppression (duplicate_radius_m) keeps out of the graph: they were seen.
struct DetectionContext {
  float nearest_m = 0, nearby = 0, score_margin = 0;
};
constexpr double kContextRadiusM = 1.0;  // PTFE's match radius: two detections closer are rivals
constexpr double kMaxContextDistanceM = 3.0;

DetectionContext ContextOf(const ChunkDetections& d, int r, const TrackletGraphOptions& o) {
  int begin = r, end = r + 1;
  while (begin > 0 && d.frame[begin - 1] == d.frame[r]) --begin;
  while (end < d.size() && d.frame[end] == d.frame[r]) ++end;
  DetectionContext c;
  double nearest = kMaxContextDistanceM;
  float best_rival = 0;
  for (int k = begin; k < end; ++k) {
    if (k == r || d.score[k] < o.min_detection_score) continue;
    const double distance = (d.foot_in_pitch_m[k] - d.foot_in_pitch_m[r]).norm();
    nearest = std::min(nearest, distance);
    if (distance < kContextRadiusM) {
      c.nearby += 1;
      best_rival = std::max(best_rival, d.score[k]);
    }
  }
  c.nearest_m = static_cast<float>(nearest);
  c.score_margin = d.score[r] - best_rival;
  return c;
}

Summary Summarize(const ChunkDetections& d, const Tracklet& t, const TrackletGraphOptions& o, const MatchScale& scale) {
  IPT_ASSERT(!t.empty());
  Summary s;
  s.first_frame = d.frame[t.front()];
  s.last_frame = d.frame[t.back()];
  s.count = static_cast<int>(t.size());
  s.first_pos = d.foot_in_pitch_m[t.front()];
  s.last_pos = d.foot_in_pitch_m[t.back()];
  s.embedding.assign(d.embedding_dim, 0);
  s.kit.assign(d.kit_dim, 0);
  s.role.assign(d.role_dim, 0);
  s.jersey.assign(io::kNumJerseys, 0);
  for (int r : t) {
    s.mean_pos += d.foot_in_pitch_m[r];
    for (int k = 0; k < d.embedding_dim; ++k) s.embedding[k] += d.embedding[size_t(r) * d.embedding_dim + k];
    for (int k = 0; k < d.kit_dim; ++k) s.kit[k] += d.kit[size_t(r) * d.kit_dim + k];
    for (int k = 0; k < d.role_dim; ++k) s.role[k] += d.role[size_t(r) * d.role_dim + k] / s.count;
    s.score += d.score[r] / s.count;
    s.legible += d.legible[r] / s.count;
    const DetectionContext c = ContextOf(d, r, o);
    s.nearest_m += c.nearest_m / s.count;
    s.nearby += c.nearby / s.count;
    s.score_margin += c.score_margin / s.count;
    s.jersey_weight += d.legible[r];
    for (int k = 0; k < io::kNumJerseys; ++k) s.jersey[k] += d.legible[r] * d.jersey[size_t(r) * io::kNumJerseys + k];
  }
  s.mean_pos /= static_cast<float>(s.count);
  Normalize(s.embedding);
  Normalize(s.kit);
  if (s.jersey_weight > 0) {
    for (float& p : s.jersey) p /= s.jersey_weight;
  }
  const double window_frames = o.velocity_window_s * scale.fps;
  std::vector<int> head, tail;
  for (int r : t) {
    if (d.frame[r] - s.first_frame <= window_frames) head.push_back(r);
    if (s.last_frame - d.frame[r] <= window_frames) tail.push_back(r);
  }
  s.has_start_velocity = FitVelocity(d, head, scale.fps, &s.start_velocity);
  s.has_end_velocity = FitVelocity(d, tail, scale.fps, &s.end_velocity);
  return s;
}

float Clip(double v, double limit) { return static_cast<float>(std::clamp(v, -limit, limit)); }

// Distance after constant-velocity prediction: forward from a's end, backward from b's
// start (each without a velocity: the plain distance).
std::pair<double, double> PredictedDistances(const Summary& a, const Summary& b, double gap_s) {
  const Eigen::Vector2f forward = a.last_pos + a.end_velocity * static_cast<float>(gap_s);
  const Eigen::Vector2f backward = b.first_pos - b.start_velocity * static_cast<float>(gap_s);
  return {(forward - b.first_pos).norm(), (backward - a.last_pos).norm()};
}

}  // namespace

void ChunkDetections::Check() const {
  const size_t n = frame.size();
  IPT_CHECK(embedding_dim >= 0 && kit_dim >= 0 && role_dim >= 0, "ChunkDetections: negative width");
  IPT_CHECK(foot_in_pitch_m.size() == n && score.size() == n && legible.size() == n &&
                embedding.size() == n * embedding_dim && kit.size() == n * kit_dim && role.size() == n * role_dim &&
                jersey.size() == n * io::kNumJerseys,
            "ChunkDetections: per-detection vectors of different lengths");
  for (size_t i = 0; i < n; ++i) {
    IPT_CHECK(frame[i] >= 1 && (i == 0 || frame[i] >= frame[i - 1]), "ChunkDetections: row {}: frame {} out of order", i,
              frame[i]);
    IPT_CHECK(foot_in_pitch_m[i].allFinite() && std::isfinite(score[i]) && std::isfinite(legible[i]),
              "ChunkDetections: row {}: non-finite value", i);
  }
  for (const auto* v : {&embedding, &kit, &role, &jersey}) {
    for (float x : *v) IPT_CHECK(std::isfinite(x), "ChunkDetections: non-finite feature");
  }
}

ChunkDetections ChunkDetections::Slice(int begin, int end) const {
  IPT_ASSERT(0 <= begin && begin <= end && end <= size());
  ChunkDetections c;
  c.embedding_dim = embedding_dim;
  c.kit_dim = kit_dim;
  c.role_dim = role_dim;
  auto copy = [&](const auto& from, auto& to, size_t width) {
    to.assign(from.begin() + begin * width, from.begin() + end * width);
  };
  copy(frame, c.frame, 1);
  copy(foot_in_pitch_m, c.foot_in_pitch_m, 1);
  copy(score, c.score, 1);
  copy(legible, c.legible, 1);
  copy(embedding, c.embedding, embedding_dim);
  copy(kit, c.kit, kit_dim);
  copy(role, c.role, role_dim);
  copy(jersey, c.jersey, io::kNumJerseys);
  return c;
}

int TrackletGraphOptions::levels() const {
  int levels = 0;
  while ((1 << levels) < chunk_frames) ++levels;
  return levels;
}

void TrackletGraphOptions::Check() const {
  IPT_CHECK(chunk_frames >= 2 && chunk_frames <= 4096 && (chunk_frames & (chunk_frames - 1)) == 0,
            "chunk_frames must be a power of two in [2, 4096] (got {})", chunk_frames);
  IPT_CHECK(top_k >= 1 && top_k <= 64, "top_k must be in [1, 64] (got {})", top_k);
  IPT_CHECK(min_detection_score >= 0 && min_detection_score <= 1, "min_detection_score must be in [0, 1]");
  IPT_CHECK(duplicate_radius_m >= 0 && duplicate_radius_m <= 5, "duplicate_radius_m must be in [0, 5]");
  IPT_CHECK(max_speed_mps > 0 && max_speed_mps <= 100, "max_speed_mps must be in (0, 100]");
  IPT_CHECK(position_slack_m >= 0 && position_slack_m <= 50, "position_slack_m must be in [0, 50]");
  IPT_CHECK(appearance_weight_m >= 0 && appearance_weight_m <= 100, "appearance_weight_m must be in [0, 100]");
  IPT_CHECK(velocity_window_s > 0 && velocity_window_s <= 10, "velocity_window_s must be in (0, 10]");
  IPT_CHECK(min_link_probability > 0 && min_link_probability < 1, "min_link_probability must be in (0, 1)");
}

void MatchScale::Check() const {
  IPT_CHECK(fps > 0 && fps <= 1000 && pitch_length_m > 0 && pitch_length_m <= 1000 && pitch_width_m > 0 &&
                pitch_width_m <= 1000,
            "MatchScale: fps and pitch size must be positive and sane");
}

const std::vector<std::string>& EdgeFeatureNames() {
  static const std::vector<std::string> names = {
      "gap_s",          "dx_m",           "dz_m",          "distance_m",          "forward_prediction_m",
      "backward_prediction_m", "speed_mps", "embedding_distance", "kit_distance", "role_agreement",
      "jersey_agreement", "jersey_weight", "log_detections_from", "log_detections_to", "from_has_velocity",
      "to_has_velocity", "min_score"};
  IPT_ASSERT(names.size() == kEdgeFeatureCount);
  return names;
}

int NodeFeatureCount(int embedding_dim, int kit_dim, int role_dim) { return embedding_dim + kit_dim + role_dim + 8; }

std::vector<std::string> NodeFeatureNames(int embedding_dim, int kit_dim, int role_dim) {
  std::vector<std::string> names;
  for (int k = 0; k < embedding_dim; ++k) names.push_back("embedding." + std::to_string(k));
  for (int k = 0; k < kit_dim; ++k) names.push_back("kit." + std::to_string(k));
  for (int k = 0; k < role_dim; ++k) names.push_back("role." + std::to_string(k));
  for (const char* n : {"score", "log_detections", "legible", "x", "z", "nearest_detection_m", "detections_within_1m",
                        "score_margin_within_1m"}) {
    names.push_back(n);
  }
  IPT_ASSERT(static_cast<int>(names.size()) == NodeFeatureCount(embedding_dim, kit_dim, role_dim));
  return names;
}

std::vector<Tracklet> SingleDetectionTracklets(const ChunkDetections& d, const TrackletGraphOptions& o) {
  std::vector<Tracklet> nodes;
  std::vector<int> kept_in_frame;  // this frame's kept rows, by decreasing score
  for (int begin = 0, end = 0; begin < d.size(); begin = end) {
    while (end < d.size() && d.frame[end] == d.frame[begin]) ++end;
    std::vector<int> by_score;
    for (int r = begin; r < end; ++r) {
      if (d.score[r] >= o.min_detection_score) by_score.push_back(r);
    }
    // Greedy non-maximum suppression in pitch metres; ties keep the earlier row.
    std::stable_sort(by_score.begin(), by_score.end(), [&](int a, int b) { return d.score[a] > d.score[b]; });
    kept_in_frame.clear();
    for (int r : by_score) {
      const bool duplicate = std::any_of(kept_in_frame.begin(), kept_in_frame.end(), [&](int k) {
        return (d.foot_in_pitch_m[r] - d.foot_in_pitch_m[k]).norm() < o.duplicate_radius_m;
      });
      if (!duplicate) kept_in_frame.push_back(r);
    }
    std::sort(kept_in_frame.begin(), kept_in_frame.end());
    for (int r : kept_in_frame) nodes.push_back({r});
  }
  return nodes;
}

LevelGraph BuildLevelGraph(const ChunkDetections& d, std::vector<Tracklet> nodes, int level, int chunk_first_frame,
                           const TrackletGraphOptions& o, const MatchScale& scale) {
  IPT_ASSERT(level >= 1 && level <= 30);
  LevelGraph g;
  g.level = level;
  g.window_frames = 1 << level;
  g.nodes = std::move(nodes);
  const int n = g.num_nodes();
  const int half = g.window_frames / 2;
  std::vector<Summary> s;
  s.reserve(n);
  for (const Tracklet& t : g.nodes) s.push_back(Summarize(d, t, o, scale));

  // Node features.
  const int nf = NodeFeatureCount(d.embedding_dim, d.kit_dim, d.role_dim);
  g.node_features.reserve(size_t(n) * nf);
  for (const Summary& a : s) {
    auto& f = g.node_features;
    f.insert(f.end(), a.embedding.begin(), a.embedding.end());
    f.insert(f.end(), a.kit.begin(), a.kit.end());
    f.insert(f.end(), a.role.begin(), a.role.end());
    f.push_back(a.score);
    f.push_back(std::log(static_cast<float>(a.count)));
    f.push_back(a.legible);
    f.push_back(static_cast<float>(a.mean_pos.x() / scale.pitch_length_m - 0.5));
    f.push_back(static_cast<float>(a.mean_pos.y() / scale.pitch_width_m - 0.5));
    f.push_back(a.nearest_m);
    f.push_back(a.nearby);
    f.push_back(a.score_margin);
  }

  // Which window each node lies in.
  std::vector<int> window(n);
  for (int i = 0; i < n; ++i) {
    const int offset = s[i].first_frame - chunk_first_frame;
    IPT_ASSERT(offset >= 0);
    window[i] = offset / g.window_frames;
    IPT_ASSERT((s[i].last_frame - chunk_first_frame) / half == offset / half);  // inside one half
  }
  // Candidates per window: time-valid pairs (the first ends before the second starts)
  // that are reachable. Pairs inside one half were candidates at the level below too:
  // a link missed there can still be made with more context here.
  struct Candidate {
    int from, to;
    double cost;
  };
  std::vector<Candidate> candidates;
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return window[a] < window[b]; });
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin;
    while (end < order.size() && window[order[end]] == window[order[begin]]) ++end;
    for (size_t i = begin; i < end; ++i) {
      const int a = order[i];
      for (size_t j = begin; j < end; ++j) {
        const int b = order[j];
        if (s[a].last_frame >= s[b].first_frame) continue;
        const double gap_s = (s[b].first_frame - s[a].last_frame) / scale.fps;
        const double distance = (s[b].first_pos - s[a].last_pos).norm();
        if (distance > o.max_speed_mps * gap_s + o.position_slack_m) continue;
        const auto [forward, backward] = PredictedDistances(s[a], s[b], gap_s);
        candidates.push_back({a, b, std::min(forward, backward) + o.appearance_weight_m * static_cast<float>(CosineDistance(s[a].embedding, s[b].embedding))});
      }
    }
    begin = end;
  }
  // Top-K per node in each direction; an edge stays when either end keeps it.
  std::vector<std::vector<int>> outgoing(n), incoming(n);
  for (int c = 0; c < static_cast<int>(candidates.size()); ++c) {
    outgoing[candidates[c].from].push_back(c);
    incoming[candidates[c].to].push_back(c);
  }
  std::vector<char> keep(candidates.size(), 0);
  auto keep_top = [&](std::vector<int>& list) {
    const size_t k = std::min<size_t>(o.top_k, list.size());
    std::partial_sort(list.begin(), list.begin() + k, list.end(), [&](int x, int y) {
      return candidates[x].cost < candidates[y].cost || (candidates[x].cost == candidates[y].cost && x < y);
    });
    for (size_t i = 0; i < k; ++i) keep[list[i]] = 1;
  };
  for (int i = 0; i < n; ++i) {
    keep_top(outgoing[i]);
    keep_top(incoming[i]);
  }
  for (int c = 0; c < static_cast<int>(candidates.size()); ++c) {
    if (!keep[c]) continue;
    const Summary& a = s[candidates[c].from];
    const Summary& b = s[candidates[c].to];
    g.edge_from.push_back(candidates[c].from);
    g.edge_to.push_back(candidates[c].to);
    const double gap_s = (b.first_frame - a.last_frame) / scale.fps;
    const Eigen::Vector2f delta = b.first_pos - a.last_pos;
    const auto [forward, backward] = PredictedDistances(a, b, gap_s);
    double role = 0, jersey = 0;
    for (size_t k = 0; k < a.role.size(); ++k) role += double(a.role[k]) * b.role[k];
    if (a.jersey_weight > 0 && b.jersey_weight > 0) {
      for (int k = 0; k < io::kNumJerseys; ++k) jersey += double(a.jersey[k]) * b.jersey[k];
    }
    double kit = 0;
    for (size_t k = 0; k < a.kit.size(); ++k) kit += (double(a.kit[k]) - b.kit[k]) * (double(a.kit[k]) - b.kit[k]);
    const float f[kEdgeFeatureCount] = {
        static_cast<float>(gap_s),
        Clip(delta.x(), kMaxFeatureDistanceM),
        Clip(delta.y(), kMaxFeatureDistanceM),
        Clip(delta.norm(), kMaxFeatureDistanceM),
        Clip(forward, kMaxFeatureDistanceM),
        Clip(backward, kMaxFeatureDistanceM),
        Clip(delta.norm() / gap_s, kMaxFeatureSpeedMps),
        static_cast<float>(CosineDistance(a.embedding, b.embedding)),
        static_cast<float>(std::sqrt(kit)),
        static_cast<float>(role),
        static_cast<float>(jersey),
        std::log1p(std::min(a.jersey_weight, b.jersey_weight)),
        std::log(static_cast<float>(a.count)),
        std::log(static_cast<float>(b.count)),
        a.has_end_velocity ? 1.f : 0.f,
        b.has_start_velocity ? 1.f : 0.f,
        std::min(a.score, b.score)};
    g.edge_features.insert(g.edge_features.end(), f, f + kEdgeFeatureCount);
  }
  return g;
}

std::vector<Tracklet> JoinTracklets(const LevelGraph& g, const std::vector<int>& chosen) {
  const int n = g.num_nodes();
  std::vector<int> next(n, -1), has_prev(n, 0);
  for (int e : chosen) {
    IPT_ASSERT(e >= 0 && e < g.num_edges());
    const int a = g.edge_from[e], b = g.edge_to[e];
    IPT_ASSERT(next[a] == -1 && !has_prev[b]);
    next[a] = b;
    has_prev[b] = 1;
  }
  std::vector<Tracklet> joined;
  for (int i = 0; i < n; ++i) {
    if (has_prev[i]) continue;
    Tracklet t;
    for (int v = i; v != -1; v = next[v]) t.insert(t.end(), g.nodes[v].begin(), g.nodes[v].end());
    joined.push_back(std::move(t));
  }
  // Every node is on exactly one path (edges run forward in time: no cycles).
  IPT_ASSERT(std::accumulate(joined.begin(), joined.end(), size_t(0), [](size_t c, const Tracklet& t) { return c + t.size(); }) ==
             std::accumulate(g.nodes.begin(), g.nodes.end(), size_t(0), [](size_t c, const Tracklet& t) { return c + t.size(); }));
  std::sort(joined.begin(), joined.end(), [](const Tracklet& a, const Tracklet& b) { return a.front() < b.front(); });
  return joined;
}

ChunkTracks TrackChunk(const ChunkDetections& d, int chunk_first_frame, const TrackletGraphOptions& o, const MatchScale& scale,
                       const EdgeScorer& scorer, RoundingMethod rounding,
                       const std::function<void(const LevelGraph&, const LevelScores&)>& on_level) {
  ChunkTracks result;
  std::vector<Tracklet> nodes = SingleDetectionTracklets(d, o);
  const int levels = o.levels();
  for (int level = 1; level <= levels; ++level) {
    const LevelGraph g = BuildLevelGraph(d, std::move(nodes), level, chunk_first_frame, o, scale);
    LevelScores scores;
    if (g.num_edges() > 0 || level == levels) scores = scorer(g);
    IPT_CHECK(scores.edge_logits.size() == size_t(g.num_edges()), "edge scorer: {} logits for {} edges",
              scores.edge_logits.size(), g.num_edges());
    if (on_level) on_level(g, scores);
    std::vector<ScoredEdge> edges(g.num_edges());
    for (int e = 0; e < g.num_edges(); ++e) edges[e] = {g.edge_from[e], g.edge_to[e], scores.edge_logits[e]};
    const double min_logit = std::log(o.min_link_probability / (1 - o.min_link_probability));
    const std::vector<int> chosen = RoundToPaths(g.num_nodes(), edges, min_logit, rounding);
    nodes = JoinTracklets(g, chosen);
    if (level == levels && !scores.category_probabilities.empty()) {
      IPT_CHECK(scores.category_probabilities.size() == size_t(g.num_nodes()) * io::kNumCategories,
                "edge scorer: category probabilities of the wrong size");
      // Each joined tracklet: the detection-weighted mean of its nodes' probabilities.
      std::vector<int> node_of_row(d.size(), -1);
      for (int v = 0; v < g.num_nodes(); ++v) {
        for (int r : g.nodes[v]) node_of_row[r] = v;
      }
      result.category_probabilities.assign(nodes.size() * io::kNumCategories, 0);
      for (size_t t = 0; t < nodes.size(); ++t) {
        for (int r : nodes[t]) {
          const int v = node_of_row[r];
          for (int c = 0; c < io::kNumCategories; ++c) {
            result.category_probabilities[t * io::kNumCategories + c] +=
                scores.category_probabilities[size_t(v) * io::kNumCategories + c] / nodes[t].size();
          }
        }
      }
    }
  }
  result.tracklets = std::move(nodes);
  return result;
}

}  // namespace ipt::tracking
