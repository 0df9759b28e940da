// A whole match tracked chunk after chunk in bounded memory (the GNN tracker's driver;
// torch-free, the chunk's scorer is a callback).
//
// Chunk c covers frames [s_c, s_c + chunk_frames) with s_c = 1 + c * (chunk_frames -
// overlap_frames): consecutive chunks share overlap_frames frames. Chunk c decides the
// frames from the middle of its overlap with chunk c - 1 to the middle of its overlap with
// chunk c + 1. Stitching: each of chunk c's tracks takes the id of the earlier track with
// which it shares the most detections in the overlap (a linear sum assignment over the
// shared counts, at least one shared detection), else a new id. Only one chunk's
// detections and graphs are held at a time; the output is one id per detection.
// At the end, tracks with fewer than min_track_detections detections are dropped (false
// positives rarely persist) and ids are renumbered 1, 2, ... in order of first detection.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "ipt/tracking/tracklet_graph.h"
#include "ipt/util/progress.h"

namespace ipt::tracking {

struct ChunkedTrackingOptions {
  TrackletGraphOptions graph;
  // Frames shared by consecutive chunks: even, in [0, chunk_frames). Half a chunk: every
  // decided frame was seen with at least a quarter chunk of context on both sides.
  int overlap_frames = 64;
  // Tracks with fewer detections are dropped (a false positive rarely lasts 0.2 s).
  int min_track_detections = 5;
  // Hand-overs between duplicates (MergeHandovers): a track that starts while another is
  // still running and outlives it, with an overlap of at most handover_frames frames in
  // which it stays within handover_radius_m of the other, continues it (0 = off). The detector's second peak
  // on a person starts a path of its own; when the first peak then fades (occlusion), the
  // person goes on in that path, which the flow cannot join to the first (they overlap).
  double handover_radius_m = 0.0;
  int handover_frames = 8;
  RoundingMethod rounding = RoundingMethod::kMinCostFlow;
  void Check() const;
};

// Every option but `rounding` once, for readers and writers (package JSON, recipes):
// visit(section, key, value) with section "graph" or "" (the top level).
template <typename Options, typename Visit>
void VisitChunkedTrackingOptions(Options& o, Visit&& visit) {
  visit("graph", "chunk_frames", o.graph.chunk_frames);
  visit("graph", "top_k", o.graph.top_k);
  visit("graph", "min_detection_score", o.graph.min_detection_score);
  visit("graph", "duplicate_radius_m", o.graph.duplicate_radius_m);
  visit("graph", "max_speed_mps", o.graph.max_speed_mps);
  visit("graph", "position_slack_m", o.graph.position_slack_m);
  visit("graph", "appearance_weight_m", o.graph.appearance_weight_m);
  visit("graph", "velocity_window_s", o.graph.velocity_window_s);
  visit("graph", "min_link_probability", o.graph.min_link_probability);
  visit("", "overlap_frames", o.overlap_frames);
  visit("", "min_track_detections", o.min_track_detections);
  visit("", "handover_radius_m", o.handover_radius_m);
  visit("", "handover_frames", o.handover_frames);
}

// One chunk's tracks with hand-overs merged (ChunkedTrackingOptions::handover_radius_m):
// when track b starts at or before track a's last frame and ends after it, the overlap
// (b's first frame to a's last) spans at most max_overlap_frames frames, and they share
// at least one frame of it, within radius_m in every shared frame, a and b become one
// track: a's detections and b's in the frames where a has none (b's others are left out).
// Repeated until none is left; tracks ordered by first frame, then first row; category
// rows merged by detections.
ChunkTracks MergeHandovers(const ChunkDetections& detections, ChunkTracks tracks, double radius_m, int max_overlap_frames);

struct MatchTracks {
  std::vector<int64_t> track_id;  // per detection row: 1.., or -1 (not in a kept track)
  int64_t num_tracks = 0;
  // [num_tracks * io::kNumCategories]: detection-weighted mean of the chunks' category
  // probabilities for track id i + 1; empty when the scorer gave none.
  std::vector<float> category_probabilities;
  int chunks = 0;
  int64_t max_chunk_detections = 0;  // the largest chunk, for memory reports
};

// Rows [begin, end) of the match's detections as a chunk (only these are held).
using ChunkLoader = std::function<ChunkDetections(int64_t begin, int64_t end)>;

// `frame_of_row`: 1-based frame per detection row, non-decreasing; num_frames >= the last.
// Progress counts frames decided.
MatchTracks TrackInChunks(const std::vector<int>& frame_of_row, int num_frames, const ChunkLoader& load,
                          const ChunkedTrackingOptions& options, const MatchScale& scale, const EdgeScorer& scorer,
                          const ProgressFn& progress = nullptr);

}  // namespace ipt::tracking
