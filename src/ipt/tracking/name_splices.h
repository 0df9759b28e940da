// A player named on two tracks at once, spliced where his path continues (torch-free).
//
// After naming (the identity resolver's, or the roster look-up's), a track B that is or may
// be player P's (named P, or unnamed while its jersey is P's number in its team) can overlap
// in time a track A named P: in a crowd the tracker lets A drift onto someone else while B
// picks P up (A's tail is not P), or starts B on someone else before it swaps onto P (B's
// head is not P). The identity resolver cannot join them (tracks overlapping in time are
// different people), so B stays unnamed, or P is in two places at once.
//
// Of two such tracks (one named P, the other named P or carrying P's number), call A the one
// that starts first and B the other. When B ends after A ends (or in the same frame, session
// 29, as both do at the match's end: then not (ii), which needs a row of B after A's end)
// and overlaps A by at most
// max_overlap_seconds, P's path is one of two splices: (i) A's last row before B starts,
// then B's first row (A's tail is someone else); (ii) A's last row, then B's first row after
// A ends (B's head is someone else). The one with the shorter jump wins, when that jump is at
// most max_jump_m; both then carry P's name and number, and the piece cut off (A's tail or
// B's head) takes a new track id, no name and no number. A splice is made only when A and B
// together overlap no other track named P, or each such track lies inside the candidate's
// span, is short beside it (max_nested_clash_fraction; session 30) and does not meet the
// frames between a tail cut off and B's start ((iii), (iv)): P's path runs along the
// candidate, or its partner, around it, so it loses P's name and number. A track that overlaps two of P's tracks, one that
// starts before it and one that starts after it, is spliced to both at once when those two do
// not overlap and it keeps a row between them (session 27: it bridges them; one splice alone
// always met the other track). The tracks that may be P's are taken in order of their first
// frame, each against the tracks named P at that moment; one refused because another track
// named P overlapped is tried again in a next pass, once that track has been spliced itself
// (max_passes; session 29). Two tracks that start
// in the same frame are never spliced (neither is first). "Carries P's number" is the
// roster look-up's rule (LookUpPlayerId: the one entry of the track's team with that
// number who plays throughout the track). A track's rows share one name and one number (as the match level writes them).
//
// (iii) Drifted tails (session 28): when B starts at most max_gap_seconds after A ends,
// farther from A's last row than P can run (drift_slack_m + drift_max_speed_mps x the gap),
// and of A's rows in the max_overlap_seconds before B starts the one nearest B's first row
// is not A's last, A's tail drifted onto someone else as B picked P up (the tracker swapped
// A over a crossing, B began after): P's path continues from that row, when B's first row is
// within max_jump_m of it, and A's rows after it are cut off. A splice of this kind competes
// with (i) and (ii) by its jump. (iv) (session 29) The same when B starts before A ends and
// neither (i) nor (ii) joins within max_jump_m: P's path continues from A's row nearest B's
// first row among A's rows in the drift_window_seconds before B starts, when that row is not
// A's last before B, and A's rows after it are cut off.
//
// Later passes retry the candidates refused for a clash and those of a player who gained a
// named track in the pass before (session 32). Limits: the choice rests on continuity of
// foot-points alone; a tail that drifted before B started, and a head whose person stands
// near P where A ends, can fool it.
#pragma once

#include <cstdint>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/match.h"

namespace ipt::tracking {

inline constexpr double kMaxSpliceJumpM = 200;  // the option's bound: beyond it, anyone

struct NameSpliceOptions {
  // Longest overlap spliced, seconds; 0 turns splicing off. Chosen on validation
  // (docs/models.md, "Joined by name, and a player named on two tracks at once"; 20 -> 30
  // in session 29, "Tracks ending together, and splices retried": 30, 45 and 60 scored the same).
  double max_overlap_seconds = 30;
  // Longest jump between the two rows a splice joins, metres: foot-point noise plus a few
  // frames of running, not a swap to someone standing apart.
  double max_jump_m = 5;
  // (iii) above: B starting this many seconds after A ends at most (0: in the next frame);
  // off, with (iv), when drifted_tails is false. Seen on validation 5205: person 23's track ended on
  // another player 26 frames after a crossing, his next track began the frame after, 4 m
  // from that end, and stayed unnamed for 1,338 rows.
  bool drifted_tails = true;
  double max_gap_seconds = 1;
  // ... when B's first row is beyond the reach of A's last: this slack (foot-point noise, a
  // person partly hidden) plus this speed x the gap, as the identity resolver's Reachable.
  // Without it a standing player's next track, nearer one of his earlier rows by noise, cut
  // his track's tail (the synthetic layers' test).
  double drift_slack_m = 2;
  double drift_max_speed_mps = 10;
  // (iv): the row the player's path continues from lies at most this many seconds before B
  // starts (a longer window finds some row of a correct tail near a wrong head's start).
  // Validation 5205: 26 frames before.
  double drift_window_seconds = 5;
  // Passes over the tracks: a splice refused because another of the player's tracks
  // overlapped is retried in the next pass, after that track's own splices, and so are the
  // candidates of a player who gained a named track in the pass (>= 1; 1: once).
  int max_passes = 4;
  // A splice met by other tracks named after the player, each inside the candidate's span
  // (starting after its first row, ending before its last), holding at most this fraction
  // of its rows and away from the path's gap (above): they lose the name and number, and
  // the splice is made (session 30; validation 5211); 0 = such a splice is refused.
  double max_nested_clash_fraction = 0.5;
  bool enabled() const { return max_overlap_seconds > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

struct NameSpliceResult {
  int64_t splices = 0;
  int64_t tails_cut = 0;  // of which (i): A's tail cut off; the rest (ii), B's head
  int64_t clashes_unnamed = 0;  // tracks in a splice's way that lost the player's name
};

// `rows` (one match's rows, any order; a track id at most once per frame) are changed in
// place: names, numbers and track ids as above. New track ids start at *next_track_id,
// which is advanced past them.
NameSpliceResult SpliceNames(std::vector<eval::PipelineRow>& rows, const io::MatchInfo& match,
                             const NameSpliceOptions& options, int64_t* next_track_id);

}  // namespace ipt::tracking
