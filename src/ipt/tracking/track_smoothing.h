// Offline post-processing of finished tracks, for any tracker: positions smoothed in time
// and short gaps filled. The last step of `ipt run` (pipeline::RunMatchLevel), on the rows
// it writes. It sees a track's future, so it belongs to offline runs. Why and how much it
// gains: docs/models.md, "Tracks smoothed and filled".
//
//  1. Smoothing: at each of a track's frames t0, the position becomes the value at t0 of
//     the straight line fitted by least squares to the track's positions at frames
//     |t - t0| <= kWindowSigmas * sigma_frames, weighted exp(-(t - t0)^2 / (2 sigma^2)).
//     A local linear fit, not an average: constant velocity is kept exactly, also at a
//     track's ends. A frame alone in its window keeps its position.
//  2. Filling: a gap of 1..max_filled_gap_frames missing frames between two of a track's
//     frames gets one row per missing frame, on the straight line between the two
//     (smoothed) positions, with the earlier row's category, jersey and player_id (the
//     track's) and the lower of the two rows' scores.
// Positions are (x, z) in pitch metres; frames are the match's (1-based, at its fps).
//
// Also here, and run first of the match level (before any cut or name): a track's stray
// ends. An online tracker that loses a person coasts on its prediction and may take one
// detection of someone else near it before the track dies (or one before it settles on its
// person): a row alone at the track's end, after a gap. It adds nothing to where the person
// was, and it makes the track overlap the person's next track in time, so the identity
// resolver and the splices cannot put the two on one path (validation 5214: player 8's
// 1,281-row track stayed unnamed behind one such row).
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
  // them (so does any sigma below 1 / kWindowSigmas: the window is one frame). Chosen on
  // validation: docs/models.md, "Tracks smoothed and filled".
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
// ipt::Error otherwise). Filled rows have line 0.
SmoothedTracks SmoothTracks(std::vector<eval::PipelineRow> rows, const TrackSmoothingOptions& options);

struct StrayEndOptions {
  // A track's first or last rows are stray when there are at most this many of them before
  // a gap (0 = off). 1 was measured (docs/models.md, "Session 31"): 2 also dropped real rows.
  int max_rows = 1;
  // ... and the gap, from the last stray row's frame to the next row's (a frame difference:
  // frames 1 and 11 are 10 apart), is at least this long: 0.4 s, 10 at 25 fps.
  double min_gap_seconds = 0.4;
  bool enabled() const { return max_rows > 0; }
  // Throws ipt::Error naming the first bad field.
  void Check() const;
};

// Of one track's frames (ascending, distinct), the indices of its stray ends (ascending):
// the first k rows when k <= max_rows and frames[k] - frames[k - 1] >= min_gap_seconds x
// fps, likewise the last ones. A track of no more than 2 max_rows + 1 rows keeps them all:
// its ends are most of it.
std::vector<size_t> StrayEndRows(const std::vector<int>& frames, double fps, const StrayEndOptions& options);

}  // namespace ipt::tracking
