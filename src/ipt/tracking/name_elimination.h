// The one player a track can be, named by elimination (torch-free; the match level applies
// it after the name splices, pipeline/match_level.h).
//
// After naming, a track can stay unnamed though the roster leaves it only one player: its
// number never read, or misread (validation 5217: a team-B #86 read as #5 and as #66 on
// three tracks, 1,100 rows), while every other player of its category who plays throughout
// its frames is named on a track in those frames. A player is in one place per frame, so
// the track is the one left, when his path can pass through it.
//
// Rule: an unnamed track U of a known category with at least min_seconds of rows. Its
// candidates are the roster entries of that category with a number (referees are told
// apart by their stations, in the identity resolver; validation 5218: a player at the far
// touchline taken for a referee for 3 s was named after the near assistant) who play
// throughout U's frames (io::MatchInfo::PlaysThroughout: the line-up and substitutions)
// such that
//   - no track named after the entry spans a frame of U's span (first to last row) but by a
//     hand-over of at most max_handover_seconds at one of U's ends, and
//   - his path reaches U and leaves it: his last named row before U's first row lies within
//     position_slack_m + max_speed_mps x the gap (or the hand-over's overlap) of it, and U's
//     last row as near his first named row after U (the identity resolver's Reachable,
//     tracking/identity.h).
// When exactly one entry remains, U takes his player id and number. The unnamed tracks are
// taken by their rows, most first, and each naming counts for those after it (two unnamed
// tracks at once never take one name).
//
// Limits: a track of another category's person, or of false detections, taken for the
// category is named too (its rows were unnamed, so identity accuracy does not fall; the
// name can mislead the fragment links that follow). An entry named on a wrong track in U's
// frames is eliminated wrongly, and so is the player himself when a track of his spans U's
// span around a gap that U fills: then another entry may be the one left. Cost: per unnamed track, per candidate entry, a pass over
// his named tracks.
#pragma once

#include <cstdint>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/match.h"

namespace ipt::tracking {

struct NameEliminationOptions {
  // An unnamed track needs rows over at least this many seconds (first to last row) to be
  // named by elimination; 0 turns it off. Chosen on validation (docs/models.md, "Session
  // 32"): 1, 3, 5 and 10 s named as many rows right on 2-minute 4K; 3 and 5 s scored 0.2
  // points of HOTA more than 1 s, where names on pieces of a few seconds misled the joining.
  double min_seconds = 3.0;
  // The identity resolver's reach (IdentityOptions): nobody runs faster than max_speed_mps;
  // position_slack_m covers foot-point noise at both ends.
  double max_speed_mps = 10.0;
  double position_slack_m = 2.0;
  // A track of the entry may overlap U by this many seconds at most at one of U's ends (a
  // hand-over: the detector's second peak on the person starts the next track before the
  // first ends), in [0, 10]; as the fragment links' hand-over, which drops such a head
  // afterwards (at 1.5 s, the default identity resolver's, validation 5218 named one player
  // on two tracks at once for 26 frames; docs/models.md, "Session 33").
  double max_handover_seconds = 0.5;
  bool enabled() const { return min_seconds > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

struct NameEliminationResult {
  int64_t tracks_named = 0;
  int64_t rows_named = 0;
};

// `rows` (one match's rows, any order; a track's rows share one category, name and number,
// as the match level writes them) are changed in place: the player id and jersey of the
// tracks named.
NameEliminationResult NameByElimination(std::vector<eval::PipelineRow>& rows, const io::MatchInfo& match,
                                        const NameEliminationOptions& options);

}  // namespace ipt::tracking
