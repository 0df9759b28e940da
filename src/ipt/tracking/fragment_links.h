// Track fragments joined (torch-free; the match level applies it to every tracker's
// tracks after naming, pipeline/match_level.h).
//
// A tracker loses a person for a few frames (an occlusion, a missed detection, a
// foot-point that jumps out of the gate) and starts a new track when it finds him again:
// one person, two tracks. On the 2-minute HD validation match 5203 such restarts were 24
// of the online tracker's 45 changes of track covering a person (docs/models.md, "Track
// fragments joined"). Offline, both ends are known, and the two are joined.
//
// Track B may continue track A when B starts 1 frame to max_gap_seconds after A ends and
// B's first foot-point lies within position_slack_m + max_speed_mps x gap of A's last.
// The pair's cost (metres): the smaller of the distances after constant-velocity
// prediction, forward from A's end to B's start and backward from B's start to A's end,
// over the gap or prediction_horizon_seconds if shorter (then standing; an end without a
// velocity stands still), + appearance_weight_m x the cosine
// distance of A's mean embedding over its last embedding_seconds and B's over its first
// (when both have one). A pair costing max_link_cost_m or more is never joined. Each track
// gets at most one successor and one predecessor: the links maximise the sum of
// (max_link_cost_m - cost) over them (gated_assignment.h). Chains A -> B -> C become one
// track.
//
// After naming, the names decide too (JoinLinkedRows): two tracks named after different
// players, or of different categories or numbers, are never joined, and a name goes over
// to an unnamed track of its chain unless that puts the player in two places at once (the
// receiving track's span meets the span of another track of that name: short gaps are
// filled afterwards).
// Joined before naming, the identity resolver saw a swapped track's head and the
// person's next track as one, and named both after the head (validation, docs/models.md).
//
// Limits: the rule sees only the two ends. Two unnamed team-mates lost where they meet
// are joined wrong as readily as right when their appearance does not tell them apart.
// The assignment sees each track's own name, not its chain's: a link JoinLinkedRows then
// refuses (the chain's name disagrees, or the player would be in two places) leaves both
// ends unlinked in that pass; the match level runs passes until none keeps or refuses a new
// link, each without the links refused before, so the next pass, on the joined tracks, can
// find another partner.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/match.h"

namespace ipt::tracking {

struct FragmentLinkOptions {
  // Longest gap joined, seconds (B's first frame minus A's last, over the fps); 0 turns
  // joining off. Chosen on validation (docs/models.md, "Track fragments joined"): 1, 4, 6
  // and 8 s.
  double max_gap_seconds = 6.0;
  // Reachability: a footballer runs at under 8 m/s for seconds on end (sprints peak near
  // 10 m/s); the slack covers the foot-point's jumps at both ends, where the person was
  // partly hidden (2 m, as the GNN's graph; chosen on validation: 1, 2, 3 m).
  double max_speed_mps = 8.0;
  double position_slack_m = 2.0;
  // Metres of cost per unit of cosine distance (in [0, 2]) between the ends' embeddings.
  double appearance_weight_m = 2.0;
  // Pairs costing this much or more (metres, as the cost) are never joined: a link is worth
  // (max_link_cost_m - cost). Chosen on validation (docs/models.md): 2.5 and 5 m.
  double max_link_cost_m = 5.0;
  // An end's embedding: the mean over the rows within this many seconds of it.
  double embedding_seconds = 1.0;
  // Constant velocity is predicted for this many seconds at most: footballers turn and stop
  // within a second or two, so over a long gap the velocity at an end misleads more than it
  // tells. Chosen on validation (docs/models.md).
  double prediction_horizon_seconds = 1.0;
  // An end's velocity: the least-squares slope over the rows within this many seconds of it.
  double velocity_seconds = 0.4;
  // Hand-overs (HandoverRows): a track that overlaps another's end by at most this many
  // seconds (the frames both span, both ends counted), within handover_radius_m of it in
  // every frame both have, is a second detection of the same person; 0 turns them off. The
  // reported positions of the two lie 1-2 m apart (the tracker's filter lags the new
  // detection): chosen on validation (docs/models.md, "Hand-overs"): 0.2, 0.44, 0.8 s at
  // 1 m; 1, 1.5, 2.5 m at 0.5 s.
  double max_handover_seconds = 0.5;
  double handover_radius_m = 2.5;
  // Duplicates (HandoverRows too): an overlap of up to max_duplicate_seconds is a second
  // track of the same person when the two coincide, within duplicate_radius_m in every
  // frame both have, and both have at least duplicate_min_shared_fraction of the later
  // track's rows in the overlap (a track with one coinciding row there does not make the
  // other's rows duplicates); 0 s turns them off. Two people rarely stay within half a metre
  // of each other for seconds, and a hand-over's positions lie 1-2 m apart. Seen on
  // validation 5218 (docs/models.md, "Session 33: duplicate tracks"): an assistant referee
  // tracked twice for 2 s, at most 0.09 m apart, the first track coasting between 19 of the
  // second's 45 rows there (0.42).
  double max_duplicate_seconds = 3.0;
  double duplicate_radius_m = 0.5;
  double duplicate_min_shared_fraction = 0.25;
  bool enabled() const { return max_gap_seconds > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

// What joining reads of one track.
struct TrackEnds {
  int64_t track_id = 0;
  int first_frame = 0, last_frame = 0;           // 1-based
  Eigen::Vector2d first_foot_in_pitch_m{0, 0}, last_foot_in_pitch_m{0, 0};  // (x, z), metres
  std::optional<Eigen::Vector2d> start_velocity_mps, end_velocity_mps;
  std::vector<float> start_embedding, end_embedding;  // L2-normalised means, or empty
};

// A track's ends from its rows in frame order (one per frame): `frames`, `foot_in_pitch_m`
// and `embeddings` ([rows * embedding_dim], or empty: none). The rows may be the whole
// track or any part of it holding its first and last row and every row within
// max(embedding_seconds, velocity_seconds) of either.
TrackEnds EndsOfTrack(int64_t track_id, const std::vector<int>& frames,
                      const std::vector<Eigen::Vector2d>& foot_in_pitch_m, const std::vector<float>& embeddings,
                      int embedding_dim, const FragmentLinkOptions& options, double fps);

struct FragmentLink {
  int64_t from_track = 0, to_track = 0;  // from's last frame < to's first frame
  double cost_m = 0;
};

// The links chosen among `tracks` (distinct ids): each track at most once as `from_track`
// and once as `to_track`; ordered by from_track. `may_link(from, to)` (optional) excludes
// pairs beforehand, so that the assignment chooses among the others.
std::vector<FragmentLink> LinkFragments(const std::vector<TrackEnds>& tracks, const FragmentLinkOptions& options,
                                        double fps,
                                        const std::function<bool(int64_t from, int64_t to)>& may_link = nullptr);

// Hand-overs: the detector's second peak on a person starts track B while his track A
// still runs; A then fades (an occlusion) and the person goes on as B. The two overlap,
// so the linking cannot join them. B continues A by hand-over when B starts after A does
// and overlaps A's end by at most max_handover_seconds (B's first to A's last frame, both
// counted), ends after A, shares at least one frame with A and lies within
// handover_radius_m of A in every frame they share, and their names agree (NamesAgree). The rows returned (indices into `rows`, ascending) are
// each such B's rows up to A's last frame (the nearest A by mean distance over the shared
// frames, when several): duplicates of A's person. Without them B starts after A ends, and
// LinkFragments can join the two. A duplicate is the same with max_duplicate_seconds and
// duplicate_radius_m in place of the hand-over's two, and with shared frames for at least
// duplicate_min_shared_fraction of B's rows up to A's last frame. Rows as JoinLinkedRows reads them;
// none when max_handover_seconds and max_duplicate_seconds are 0.
std::vector<size_t> HandoverRows(const std::vector<eval::PipelineRow>& rows, const FragmentLinkOptions& options,
                                 double fps);

// Whether two tracks' rows (one name, number and category per track, as the match level
// writes them) may be one person's: the same category, and neither names nor numbers that
// differ.
bool NamesAgree(const eval::PipelineRow& a, const eval::PipelineRow& b);

// `rows` (one match's rows, any order; a track id at most once per frame; one name,
// number and category per track) joined along `links` (from LinkFragments: each track at
// most once as from_track and once as to_track, else ipt::Error), in order of the later
// track's first frame: the later track takes the chain's id (its first track's). The
// chain's name and number go to its unnamed tracks (a named side's number is the chain's;
// of two unnamed sides, the number either has). A link is dropped (the chain ends there)
// when the chain and the track do not agree (NamesAgree, with the chain's name and number),
// or when carrying a name over would put that player on two tracks in one frame, or (given
// `lineup`, the match) on a track in frames he does not play (a substitution). Returns the
// links kept; the dropped ones are appended to `refused` (when given), each from its chain's
// first track, whose id the chain's rows take.
int64_t JoinLinkedRows(std::vector<eval::PipelineRow>& rows, const std::vector<FragmentLink>& links,
                       const io::MatchInfo* lineup = nullptr, std::vector<FragmentLink>* refused = nullptr);

}  // namespace ipt::tracking
