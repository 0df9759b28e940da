// Online multi-person tracker on pitch foot-points: the no-learning baseline of Path A
// (issue 8, section 4) that later trackers must beat.
//
// Each track is a constant-velocity Kalman filter on (x, z, vx, vz) (kalman.h) plus an
// exponential moving average of its appearance embedding. Association per frame, in the
// spirit of ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by Associating Every
// Detection Box", ECCV 2022):
//
//   1. confident detections (score >= high_score) against every confirmed track, tracked
//      or lost; cost = distance (m) from the predicted foot-point
//                      + appearance_weight_m * cosine distance of the embeddings;
//   2. the tracks left over that were tracked in the previous frame against the weak
//      detections (low_score <= score < high_score); cost = distance only;
//   3. tentative tracks against the confident detections left over (cost as in 1).
//
// A pair is only possible inside the track's gate: a disc of radius
//   clamp(gate_sigmas * sqrt(largest eigenvalue of the innovation covariance S), min_gate_m,
//   max_gate_m)
// around the predicted foot-point, so the gate grows with the time a track went unseen (and
// is frame-rate aware through the filter). Each stage is a linear sum assignment extended
// with "unmatched" entries as in ByteTrack's lapjv with cost_limit (gated_assignment.h):
// every pair inside the gate is worth matching, cheaper pairs are preferred.
//
// Track life: a confident detection left over with score >= birth_score starts a tentative
// track; it is confirmed after confirm_hits consecutive matched frames (at once in the first
// frame the tracker sees) and only then gets a track id (1, 2, ... in order of confirmation).
// A tentative track that misses a frame is dropped. A confirmed track that misses is lost; it
// is removed after ceil(lost_seconds * fps) frames without a match.
//
// Deterministic: the same options, fps and sequence of detections give the same output.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "ipt/tracking/kalman.h"

namespace ipt::tracking {

struct OnlineTrackerOptions {
  // The motion model of every track.
  KalmanOptions kalman;

  // Detections with score >= high_score take part in stage 1 (and may start tracks);
  // ByteTrack's track_thresh.
  double high_score = 0.5;
  // Detections with low_score <= score < high_score only extend tracks (stage 2); below
  // low_score they are ignored. ByteTrack's 0.1.
  double low_score = 0.1;
  // A confident detection left over starts a tentative track when score >= birth_score
  // (>= high_score); ByteTrack's new_track_thresh = track_thresh + 0.1.
  double birth_score = 0.6;
  // Consecutive matched frames (>= 1) that confirm a tentative track: 3 frames (0.12 s at
  // 25 fps) filter out one- and two-frame false positives at little cost in recall, since
  // the tentative frames are reported on confirmation (report_tentative_hits).
  int confirm_hits = 3;
  // Seconds a confirmed track is kept without a match before it is removed; frames =
  // ceil(lost_seconds * fps). 1.5 s outlasts the ~1 s misses of occlusions and crowds.
  double lost_seconds = 1.5;

  // Gate radius in standard deviations of the innovation (per axis): 3.5 sigma misses a
  // true 2-D Gaussian match with probability exp(-3.5^2/2) ~ 0.2 %.
  double gate_sigmas = 3.5;
  // Smallest gate radius, metres: a foot-point jumps by up to ~1 m when a person is
  // partly occluded or merges with a neighbour, whatever the filter believes.
  double min_gate_m = 1.0;
  // Largest gate radius, metres: after a long miss the filter's uncertainty exceeds where
  // a person can plausibly be found again without taking someone else's detection.
  double max_gate_m = 6.0;

  // Metres of cost per unit of cosine distance (1 - cos, in [0, 2]) between a track's
  // embedding and a detection's, when both have one. 1 m: a clearly different appearance
  // (cosine distance 0.5) outweighs half a metre of position, which decides crossings.
  double appearance_weight_m = 1.0;
  // Pairs whose cosine distance exceeds this are impossible, in [0, 2]; 2 disables the
  // veto. Disabled until the crop encoder's embeddings are calibrated on real matches.
  double max_appearance_distance = 2.0;
  // Weight of the old track embedding in its moving average, in [0, 1):
  // e = normalize(m e + (1 - m) detection); 0.9 as in BoT-SORT. Updated from confident
  // detections only (weak ones are often occluded crops).
  double embedding_momentum = 0.9;

  // Metres of cost per unit of kit distance (Euclidean, between unit kit vectors, in [0, 2])
  // between a track's kit and a detection's, when both have one (stages 1 and 3, and 2 with
  // kit_in_weak_stage). The kit (the crop encoder's team.kit) tells the two teams apart,
  // which keeps opponents who meet and turn back on their own tracks. On validation 1 m
  // gained 2.8 HOTA points on 2-minute 4K matches and was about level on three 2-minute HD
  // ones (-2.6, +0.2, +2.2; docs/models.md, "A kit term in the online tracker"). 0 = off, as
  // packages without the key ran.
  double kit_weight_m = 1.0;
  // Weight of the old track kit in its moving average, in [0, 1); from confident
  // detections only, as the embedding.
  double kit_momentum = 0.9;
  // Stage 2 (weak detections, often occluded crops whose kit is the occluder's) uses the
  // kit too when true.
  bool kit_in_weak_stage = false;

  // Metres of cost per unit of jersey disagreement between a track and a detection (stages
  // 1 and 3): teammates share a kit and look alike, and where they cross only the number
  // tells them apart. Disagreement, in [0, 1] = the detection's P(legible) x the track's
  // certainty x (1 - sum over numbers of P_track(n) P_detection(n)); P_track is the
  // P(legible)-weighted mean of its confident detections' number distributions, and the
  // certainty L / (L + jersey_half_certainty_crops), L their summed P(legible). It is ~0
  // wherever numbers cannot be read (HD crops), unlike the kit. 0 = off.
  double jersey_weight_m = 0.0;
  // Summed P(legible) (about that many legible crops) at which a track's certainty of its
  // number reaches one half, > 0: one misread crop does not make a track sure.
  double jersey_half_certainty_crops = 2.0;

  // Reported positions: false = the detection's foot-point, true = the filtered one.
  bool report_filtered_position = false;
  // On confirmation, also report the matched detections of the tentative frames (rows with
  // earlier frame numbers), so that a track starts where the person was first detected.
  bool report_tentative_hits = true;

  // Throws ipt::Error naming the first bad field.
  void Check() const;
};

// One detection of a frame.
struct TrackerDetection {
  Eigen::Vector2d foot_in_pitch_m{0,
                                  0};  // (x, z), metres; |coordinate| <= limits::kMaxAbsCoordinateM
  double score = 1.0;                  // detector confidence in [0, 1]
  // Appearance embedding (e.g. the crop encoder's 64 values), L2-normalized, or empty. All
  // non-empty embeddings a tracker sees have the same dimension.
  std::vector<float> embedding;
  // Kit vector (e.g. the crop encoder's team.kit), L2-normalized, or empty; one dimension
  // for all non-empty kits a tracker sees. Read (and checked) only when kit_weight_m > 0.
  std::vector<float> kit;
  int64_t index = 0;  // opaque to the tracker, returned in TrackerRow (e.g. a row number)
  // The crop's jersey number: P(number 0..99) (summing to 1) and P(legible) in [0, 1], e.g.
  // from the crop encoder's jn outputs; empty, or 100 values. Read (and checked) only when
  // jersey_weight_m > 0.
  std::vector<float> jersey;
  double legible = 0;
};

// A confirmed track matched to a detection in a frame: one row of tracks.csv.
struct TrackerRow {
  int frame = 0;
  int64_t track_id = 0;
  int64_t detection_index = 0;                // TrackerDetection::index
  Eigen::Vector2d position_in_pitch_m{0, 0};  // see report_filtered_position
  double score = 0;                           // the detection's score
};

struct TrackerFrameResult {
  // Per input detection (same order): the confirmed track it was assigned to, or none
  // (ignored, unmatched, or matched by a track still tentative).
  std::vector<std::optional<int64_t>> track_ids;
  // This frame's rows, one per element of track_ids with a value, in detection order; then,
  // with report_tentative_hits, the earlier rows of tracks confirmed in this frame (by frame,
  // then track id).
  std::vector<TrackerRow> rows;
};

class OnlineTracker {
 public:
  // fps: frames per second of the match (> 0, <= limits::kMaxFps).
  OnlineTracker(const OnlineTrackerOptions& options, double fps);
  ~OnlineTracker();
  OnlineTracker(OnlineTracker&&) noexcept;
  OnlineTracker& operator=(OnlineTracker&&) noexcept;

  // Processes one frame. Frames must increase (gaps are predicted over); 1-based.
  // Throws ipt::Error on a non-finite or out-of-range position or score, or an embedding of
  // the wrong dimension or zero norm.
  TrackerFrameResult Update(int frame, const std::vector<TrackerDetection>& detections);

  int num_confirmed_tracks() const;  // tracked or lost now
  int num_tentative_tracks() const;
  int64_t num_track_ids() const;  // ids handed out so far
  int lost_frames() const;        // frames a lost track is kept: ceil(lost_seconds * fps)

 private:
  struct Track;
  OnlineTrackerOptions options_;
  double fps_;
  int lost_frames_;
  std::vector<Track> tracks_;  // in order of creation
  int last_frame_ = 0;         // 0 before the first Update
  int64_t next_track_id_ = 1;
  int embedding_dim_ = 0;  // 0 until the first non-empty embedding
  int kit_dim_ = 0;        // 0 until the first non-empty kit
};

// Runs a tracker over frames 1..frames.size() (frames[i] holds frame i + 1's detections) and
// returns all rows sorted by (frame, track_id).
std::vector<TrackerRow> TrackAll(const OnlineTrackerOptions& options, double fps,
                                 const std::vector<std::vector<TrackerDetection>>& frames);

}  // namespace ipt::tracking
