// Offline post-processing of finished tracks, for any tracker: each track's positions
// smoothed in time and its short gaps filled. What `ipt run` writes in tracks.csv
// (pipeline::RunMatchLevel applies it last, after the attributes and identities).
//
// Why: a track's positions are its detections' foot-points, each with the detector's
// own error (tens of centimetres), and a track skips the frames where its person was
// not detected. Both cost HOTA's localisation and detection terms, for every tracker
// alike; neither needs the network. Applied to whole tracks, so it sees the future: it
// belongs to an offline run (all of `ipt run`), not to a live one.
//
//  1. Smoothing: at each of a track's frames t0, the position becomes the value at t0 of
//     the straight line fitted by least squares to the track's positions at frames
//     |t - t0| <= kWindowSigmas * sigma_frames, weighted exp(-(t - t0)^2 / (2 sigma^2))
//     (a local linear fit: a person moving at constant velocity keeps his positions
//     exactly, also at the ends of a track, where a plain Gaussian average would pull
//     them inwards).
//  2. Filling: a gap of 1..max_filled_gap_frames missing frames between two of a track's
//     frames gets one row per missing frame, on the straight line between the two
//     (smoothed) positions, with the track's category, jersey and player_id and the
//     lower of the two rows' scores.
// Positions are (x, z) in pitch metres; frames are the match's (1-based, at its fps).
#pragma once

#include <cstdint>
#include <vector>

#include "ipt/eval/pipeline_output.h"

namespace ipt::tracking {

// The fit reaches this many sigmas each side of a frame; beyond it the weights are below
// 1.2 % of the centre's.
inline constexpr double kWindowSigmas = 3.0;

struct TrackSmoothingOptions {
  // Standard deviation of the time weights, in frames; 0 = positions as the tracker gives
  // them. (See the choice in docs/models.md, "Tracks smoothed and filled".)
  double sigma_frames = 3.0;
  // Longest gap, in missing frames, that is filled; 0 = none.
  int max_filled_gap_frames = 10;
  // Throws ipt::Error naming the first bad field.
  void Check() const;
};

struct SmoothedTracks {
  std::vector<eval::PipelineRow> rows;  // by (frame, track_id)
  int64_t filled_rows = 0;              // rows added in gaps
};

// `rows`: any order, at most one row per (track_id, frame) (eval::ReadTracksCsv's rule;
// an internal error otherwise). Filled rows have line 0.
SmoothedTracks SmoothTracks(std::vector<eval::PipelineRow> rows, const TrackSmoothingOptions& options);

}  // namespace ipt::tracking
