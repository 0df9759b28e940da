// Where a track changes person, read off its appearance embeddings (torch-free; the match
// level applies it to every tracker's tracks after the number and kit cuts,
// pipeline/match_level.h).
//
// Team-mates share a kit, and where their numbers cannot be read neither number_changes.h
// nor kit_changes.h sees a swap between them. The crop encoder's appearance embedding
// still tells them apart a little: team-mates differ in build, skin and hair, and a mean
// over a second of crops is far steadier than one crop.
//
// The model: per track, observations: the mean embedding of its detections in each window
// of window_seconds. One person's observations scatter around one mean; with s^2 the
// match's squared spread of an observation around it (AppearanceSpread: over all D
// dimensions, so the "nats" below are the Gaussian's over D, as kit_changes.h scales kits
// by their total spread) a stretch [b, e) costs
//   sum_i |o_i - mean(o_b..o_e-1)|^2 / (2 s^2)   nats,
// and a track is partitioned as number_changes.h partitions reads (PartitionByStretchCost,
// exact, PELT's pruning): a cut where it gains more than min_gain_nats, each stretch of >=
// min_windows observations. A cut between stretches of n1 and n2 observations whose means lie
// d apart gains n1 n2 / (n1 + n2) d^2 / (2 s^2). Unlike kits, no list of people is needed:
// each stretch's own mean explains it.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <optional>
#include <vector>

namespace ipt::tracking {

struct AppearanceChangeOptions {
  // Each cut must gain more than this (nats); 0 turns splitting off. A stretch of n
  // observations against one of n whose means lie d apart gains n d^2 / (4 s^2): 60 asks
  // for, say, 10 s on each side of team-mates 4.9 s apart. Chosen on validation
  // (docs/models.md, "Tracks cut where their appearance changes"): 20, 40, 60, 80, 120,
  // 160 on the 2-minute matches; 60 and 80 scored best, 20 cut 50 times a match and lost.
  double min_gain_nats = 60.0;
  // Observations each stretch needs, >= 1 (>= 2 when cuts need a meeting, below): 5 s, longer than the kit's 3 (embeddings drift
  // with pose more than kits do); 3 and 8 scored no better on 5200.
  int min_windows = 5;
  // The detections of a track within one window of this many seconds are one observation, > 0.
  double window_seconds = 1.0;
  // After naming, a cut whose two sides are not named after two different players is
  // undone (the match level): the pieces rejoined, named as the named one was. Off: on
  // validation it undid 26 of 29 cuts on the 2-minute 4K matches and gave back most of
  // their gain (a swap onto someone the roster cannot name is then named wrong again);
  // docs/models.md, "Tracks cut where their appearance changes".
  bool rejoin_unless_named_apart = false;
  // A cut needs a meeting in its span (from the first frame of the window before it to the
  // last of the window after it): another person within meeting_radius_m of the track, or
  // the track resuming after more than meeting_gap_seconds unseen (a track that coasted
  // may pick up anyone). A tracker swaps people only where they meet; an embedding can
  // drift anywhere. Without this need, 34 of the 46 cuts that were no swap (6 validation
  // matches) lay over 2 m from everyone; of the 11 swaps, 10 lay within 1.95 m and one after
  // a 1.5 s gap (docs/models.md, "Appearance cuts only where people meet"). 0 = anywhere.
  double meeting_radius_m = 2.0;
  double meeting_gap_seconds = 0.5;  // > 0
  // Each observation less the drift all people share at once (clouds, exposure), which is
  // no swap: RemoveSharedDrift. On the 11 validation matches (meetings needed): of 52 cuts
  // 34 were no swap without it; with it, of 44 cuts 26, and all 18 swaps were kept.
  bool remove_shared_drift = true;
  // ... estimated in a window only from at least this many other tracks (>= 1).
  int shared_drift_min_tracks = 5;
  bool enabled() const { return min_gain_nats > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

// One observation: the mean embedding (D values) of a track's detections in one window of
// frames (1-based, first <= last; by frame, apart), and how many detections it holds (>= 1).
struct AppearanceWindow {
  int first_frame = 0, last_frame = 0;
  Eigen::VectorXd mean_embedding;
  int detections = 1;
};

// The spread s^2 of observations around their person's mean, from every track's
// observations: half the median squared distance between consecutive observations of a
// track (two draws around one mean lie 2 s^2 apart on average; the median, a little below
// the mean, is untouched by the few consecutive pairs that straddle a swap). Consecutive
// seconds look more alike than distant ones (pose, light), so this is the short-term
// spread: min_gain_nats has to allow for slow drift along a long track. None when no track has two observations
// or they do not scatter. Throws ipt::Error on non-finite observations or ones of different
// sizes.
std::optional<double> AppearanceSpread(const std::vector<std::vector<AppearanceWindow>>& tracks);

// Per row of one track (its frames ascending, nearest_other_m: the distance to the nearest
// other person in each): how near the row comes to a meeting (metres): nearest_other_m, or
// 0 where the track resumes after more than max_unseen_frames missing frames.
std::vector<double> MeetingDistancesM(const std::vector<int>& frames, const std::vector<double>& nearest_other_m,
                                      int max_unseen_frames);

// Which boundaries of `windows` a cut may fall on: [k] for the cut between windows[k - 1]
// and windows[k] (k in (0, n); [0] is false), true where a row of the track in frames
// [windows[k - 1].first_frame, windows[k].last_frame] lies within radius_m of a meeting
// (frames and meeting_m as MeetingDistancesM's).
std::vector<bool> BoundariesAtMeetings(const std::vector<AppearanceWindow>& windows, const std::vector<int>& frames,
                                       const std::vector<double>& meeting_m, double radius_m);

// Removes the drift all tracks share: in each window (index (first_frame - 1) /
// window_frames) an observation less the detection-weighted mean, over the other tracks of
// >= 2 observations in that window (at least min_other_tracks of them; else left as is), of
// their deviation from their own track's mean. Deviations, not embeddings: people coming and
// going do not move it; the others only: a track's own change is not shrunk.
void RemoveSharedDrift(int window_frames, int min_other_tracks, std::vector<std::vector<AppearanceWindow>>* tracks);

// The observations at which a new person starts: indices k in (0, windows.size()),
// ascending; a cut falls between windows[k - 1] and windows[k], only where may_cut[k]
// (size windows.size(); empty: anywhere). spread_sq > 0. Cost:
// quadratic in a track's observations when nothing changes (PELT prunes only after a
// change, and only at boundaries in may_cut), each stretch O(D) from prefix sums: a track
// seen in every second of 90 minutes is ~15 M stretch evaluations of 64 values.
std::vector<size_t> AppearanceChangeWindows(const std::vector<AppearanceWindow>& windows, double spread_sq,
                                            const AppearanceChangeOptions& options,
                                            const std::vector<bool>& may_cut = {});

// The largest gain (nats) of cutting `windows` once, each side >= min_windows observations
// (0 when it cannot be cut): a lower bound of what the partition gains (two cuts, A-B-A,
// may gain more together than either alone); for logs.
double LargestSingleAppearanceCutGain(const std::vector<AppearanceWindow>& windows, double spread_sq, int min_windows);

}  // namespace ipt::tracking
