// A whole match's frame and track layers synthesized at full size, to measure the match
// level (models 4 and 5) on a 90-minute match without rendering and encoding one
// (`ipt bench --match-minutes`). Not for training or scoring: the crop features are
// drawn around each person's own appearance, kit, role and number, not by a network.
//
// People: the roster's first starting outfield players and goalkeepers of each team (10
// and 1 by default) and every referee, walking and running on the pitch (metres, pitch frame: origin at a corner). Each is seen as
// tracks (the tracker's fragments) of about `mean_track_seconds`, with gaps of about
// `mean_gap_seconds` out of view between them; detections lie within `position_noise_m`.
#pragma once

#include <cstdint>

#include "ipt/io/match.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/track_level.h"

namespace ipt::pipeline {

struct SyntheticLayersOptions {
  double minutes = 90;                 // length of play
  double mean_track_seconds = 30;      // tracks: exponential lengths with this mean
  double mean_gap_seconds = 3;         // out of view between tracks: exponential gaps
  double legible_share = 0.05;         // crops showing the number legibly
  double position_noise_m = 0.2;       // detection error, per axis (sigma)
  double appearance_noise = 0.3;       // embedding and kit spread around the person's own
  double max_speed_mps = 7;            // people's speed bound
  double acceleration_sigma_mps2 = 2;  // velocity random walk: acceleration per axis (sigma)
  int outfield_players_per_team = 10;  // the roster's first ones on the pitch (with one goalkeeper)
  int goalkeepers_per_team = 1;
  float detection_score = 0.9f;
  float logit_margin = 4;              // the true role's and presence's logit over the others
  float number_logit_margin = 6;       // a legible crop's true number (and its digits) over the others
  uint64_t seed = 1;
  void Check() const;
};

struct SyntheticLayers {
  FrameLayer frames;  // every crop field of the graph, rows by frame
  TrackLayer tracks;  // a track id per row (each person's visible stretches), no category head
  int people = 0;
  int64_t tracks_count = 0;
};

// Frames 1..round(minutes * 60 * match.fps).
SyntheticLayers SynthesizeMatchLayers(const io::MatchInfo& match, const SyntheticLayersOptions& options);

}  // namespace ipt::pipeline
