// The GNN tracker's graphs, torch-free (the network is gnn_tracker/): a hierarchy of
// levels over one chunk of frames, after SUSHI (Cetintas, Brasó, Leal-Taixé, "Unifying
// Short and Long-Term Tracking with Graph Hierarchies", CVPR 2023).
//
// Level l (1, 2, ...) splits the chunk into windows of 2^l frames. Its nodes are the
// tracklets of level l - 1 (level 1: single detections), each inside one half of a window.
// Its candidate edges join two tracklets of one window, the first ending before the second
// starts (SUSHI's time-valid pairs, so a link missed at one level can be made at the next),
// when the second is reachable from the first (distance <= max_speed_mps
// x gap + position_slack_m), pruned to the top_k cheapest per node in each direction (cost:
// distance after constant-velocity prediction, the better of both ways, +
// appearance_weight_m x cosine distance of the embeddings); an edge survives when either
// end keeps it. An edge scorer (the network, or labels in training) scores the edges,
// path_rounding.h rounds them (each node at most one predecessor and successor), and the
// paths become the next level's tracklets. The last level's window is the whole chunk.
//
// Features (names in NodeFeatureNames / EdgeFeatureNames; a package records them):
//   node: mean embedding (L2-normalised, embedding_dim), mean kit (L2-normalised,
//         kit_dim), mean role probabilities (role_dim), mean detection score, log(detections),
//         mean P(jersey legible), mean position (x / length - 0.5, z / width - 0.5), and
//         the same-frame context, means over the detections: distance to the nearest other
//         detection (m, clipped at 3), other detections within 1 m, score minus the best
//         of those (the detector's second peak on a person has a rival, a person has none)
//   edge: gap (s), dx, dz, distance (m) from the first tracklet's last foot-point to the
//         second's first, distances after constant-velocity prediction forward and
//         backward (m), speed needed (m/s), cosine distance of the mean embeddings, distance
//         of the mean kits, role agreement (sum of products of the mean role probabilities),
//         jersey agreement (sum of products of the legible-weighted number distributions)
//         and the weaker side's legible weight, log(detections) of both ends, whether each
//         end has a velocity (>= 2 frames within velocity_window_s)
// Distances are clipped at kMaxFeatureDistanceM, speeds at kMaxFeatureSpeedMps.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ipt/io/match.h"
#include "ipt/tracking/path_rounding.h"

namespace ipt::tracking {

// One chunk's detections (or a whole match's), in frame order. Row-major per-detection
// vectors; widths below. Probabilities, not logits.
struct ChunkDetections {
  int embedding_dim = 0, kit_dim = 0, role_dim = 0;
  std::vector<int> frame;                           // [n], 1-based, non-decreasing
  std::vector<Eigen::Vector2f> foot_in_pitch_m;     // [n] (x, z)
  std::vector<float> score;                         // [n] detector confidence
  std::vector<float> embedding;                     // [n * embedding_dim], L2-normalised
  std::vector<float> kit;                           // [n * kit_dim], L2-normalised
  std::vector<float> role;                          // [n * role_dim], role probabilities
  std::vector<float> legible;                       // [n] P(jersey number legible)
  std::vector<float> jersey;                        // [n * io::kNumJerseys] P(number)
  int size() const { return static_cast<int>(frame.size()); }
  // Throws ipt::Error on inconsistent sizes, frames not non-decreasing, or non-finite values.
  void Check() const;
  // The rows [begin, end) as a chunk of their own.
  ChunkDetections Slice(int begin, int end) const;
};

struct TrackletGraphOptions {
  // Frames per chunk: a power of two >= 2; log2 of it is the number of levels. 128
  // frames (5.1 s at 25 fps) as in SUSHI: long enough to bridge most occlusions.
  int chunk_frames = 128;
  // Candidate successors / predecessors kept per node (SUSHI keeps the top K as well).
  int top_k = 8;
  // Detections below this score are not nodes.
  double min_detection_score = 0.1;
  // A detection within this many metres of a higher-scoring one of the same frame is not a
  // node (0 = keep all). Off: suppression at 0.3 m cost 2.5 HOTA points on ground truth
  // with noise (two people's feet come that close), the node features' same-frame
  // context lets the network learn which of two close detections to follow instead.
  double duplicate_radius_m = 0.0;
  // Reachability: distance <= max_speed_mps * gap + position_slack_m. Footballers
  // sprint at under 10 m/s; the slack covers foot-point noise at both ends.
  double max_speed_mps = 10.0;
  double position_slack_m = 2.0;
  // Cheap pruning cost: metres per unit of cosine distance between embeddings.
  double appearance_weight_m = 2.0;
  // A tracklet's end velocity is the least-squares slope of its foot-points within this
  // many seconds of the end (and likewise at its start).
  double velocity_window_s = 0.4;
  // Rounding takes a link only when the classifier gives it at least this probability
  // (in (0, 1)). A wrong link joins two people for good, while a missed one can still be
  // made at the next level or by the fragment links after naming. The classifier is
  // under-confident on run-time graphs, so the trained package sets its own (0.35,
  // configs/train/tracker.yaml; docs/models.md "Tracker").
  double min_link_probability = 0.5;
  int levels() const;  // log2(chunk_frames)
  void Check() const;
};

constexpr double kMaxFeatureDistanceM = 30.0;
constexpr double kMaxFeatureSpeedMps = 50.0;

// A tracklet: its detections (rows of ChunkDetections), by increasing frame.
using Tracklet = std::vector<int>;

// One level's graph.
struct LevelGraph {
  int level = 0;          // 1-based
  int window_frames = 0;  // 2^level
  std::vector<Tracklet> nodes;
  std::vector<float> node_features;  // [nodes * NodeFeatureCount]
  std::vector<int> edge_from, edge_to;
  std::vector<float> edge_features;  // [edges * kEdgeFeatureCount]
  int num_nodes() const { return static_cast<int>(nodes.size()); }
  int num_edges() const { return static_cast<int>(edge_from.size()); }
};

constexpr int kEdgeFeatureCount = 17;
const std::vector<std::string>& EdgeFeatureNames();  // kEdgeFeatureCount names
int NodeFeatureCount(int embedding_dim, int kit_dim, int role_dim);
std::vector<std::string> NodeFeatureNames(int embedding_dim, int kit_dim, int role_dim);

// What the features need to know of the match.
struct MatchScale {
  double fps = 25;               // frames per second (gaps in seconds)
  double pitch_length_m = 105;   // node positions are scaled by the pitch
  double pitch_width_m = 68;
  void Check() const;
};

// The graph of `level` over `nodes` (tracklets of detections, each inside one half of a
// window of this level; the windows start at chunk_first_frame).
LevelGraph BuildLevelGraph(const ChunkDetections& detections, std::vector<Tracklet> nodes, int level,
                           int chunk_first_frame, const TrackletGraphOptions& options, const MatchScale& scale);

// Level 1's nodes: one tracklet per detection with score >= min_detection_score that is not
// a duplicate (duplicate_radius_m) of a higher-scoring one; ordered by row.
std::vector<Tracklet> SingleDetectionTracklets(const ChunkDetections& detections, const TrackletGraphOptions& options);

// The next level's tracklets: the chosen edges (indices into the graph's edges; each node
// at most one chosen predecessor and successor) joined into paths; order by first frame,
// then first row.
std::vector<Tracklet> JoinTracklets(const LevelGraph& graph, const std::vector<int>& chosen_edges);

// What a scorer says about one level: a logit per edge (> 0: the same person) and,
// optionally, per node category probabilities [nodes * io::kNumCategories] (read at the
// last level only; empty = none).
struct LevelScores {
  std::vector<float> edge_logits;
  std::vector<float> category_probabilities;
};
using EdgeScorer = std::function<LevelScores(const LevelGraph&)>;

// The result of one chunk.
struct ChunkTracks {
  std::vector<Tracklet> tracklets;  // the last level's paths
  // [tracklets * io::kNumCategories]: the detection-weighted mean of the last level's
  // node probabilities; empty when the scorer gave none.
  std::vector<float> category_probabilities;
};

// Runs every level over one chunk: build, score, round, join. `on_level` (optional) sees
// each level's graph and scores (training records them).
ChunkTracks TrackChunk(const ChunkDetections& detections, int chunk_first_frame, const TrackletGraphOptions& options,
                       const MatchScale& scale, const EdgeScorer& scorer,
                       RoundingMethod rounding = RoundingMethod::kMinCostFlow,
                       const std::function<void(const LevelGraph&, const LevelScores&)>& on_level = nullptr);

}  // namespace ipt::tracking
