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
// that starts first and B the other. When B ends after A ends and overlaps A by at most
// max_overlap_seconds, P's path is one of two splices: (i) A's last row before B starts,
// then B's first row (A's tail is someone else); (ii) A's last row, then B's first row after
// A ends (B's head is someone else). The one with the shorter jump wins, when that jump is at
// most max_jump_m; both then carry P's name and number, and the piece cut off (A's tail or
// B's head) takes a new track id, no name and no number. A splice is made only when A and B
// together overlap no other track named P. A track that overlaps two of P's tracks, one that
// starts before it and one that starts after it, is spliced to both at once when those two do
// not overlap and it keeps a row between them (session 27: it bridges them; one splice alone
// always met the other track). The
// tracks that may be P's are taken in order of
// their first frame, each against the tracks named P at that moment. Two tracks that start
// in the same frame are never spliced (neither is first). "Carries P's number" is the
// roster look-up's rule (LookUpPlayerId: the one entry of the track's team with that
// number who plays throughout the track). A track's rows share one name and one number (as the match level writes them).
//
// Limits: the choice rests on continuity of foot-points alone; a tail that drifted before B
// started, and a head whose person stands near P where A ends, can fool it.
#pragma once

#include <cstdint>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/match.h"

namespace ipt::tracking {

inline constexpr double kMaxSpliceJumpM = 200;  // the option's bound: beyond it, anyone

struct NameSpliceOptions {
  // Longest overlap spliced, seconds; 0 turns splicing off. Chosen on validation
  // (docs/models.md, "Joined by name, and a player named on two tracks at once").
  double max_overlap_seconds = 20;
  // Longest jump between the two rows a splice joins, metres: foot-point noise plus a few
  // frames of running, not a swap to someone standing apart.
  double max_jump_m = 5;
  bool enabled() const { return max_overlap_seconds > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

struct NameSpliceResult {
  int64_t splices = 0;
  int64_t tails_cut = 0;  // of which (i): A's tail cut off; the rest (ii), B's head
};

// `rows` (one match's rows, any order; a track id at most once per frame) are changed in
// place: names, numbers and track ids as above. New track ids start at *next_track_id,
// which is advanced past them.
NameSpliceResult SpliceNames(std::vector<eval::PipelineRow>& rows, const io::MatchInfo& match,
                             const NameSpliceOptions& options, int64_t* next_track_id);

}  // namespace ipt::tracking
