// Two tracks that exchanged their people where they met, found by their jersey reads
// (torch-free; the match level applies it after the splits, pipeline/match_level.h).
//
// When two people cross, a tracker may swap them: track A follows P, then Q; track B
// follows Q, then P (a single exchange), or swaps them back at a later meeting (the middle
// exchanged). Cutting each track where its own numbers change (number_changes.h) needs many
// reads on both sides of one track; at a crossing the evidence is shared: A's reads after
// the meeting agree with B's before it, and the other way round. On the 2-minute 4K
// validation matches (session 29) such pairs held ~3,500 rows named after the wrong player
// or not at all, e.g. 5209: 10 (#19) and 11 (#91) exchanged 20 s before the end.
//
// The model: each track is one person, whose number explains its reads (the observations
// of number_changes.h: one per window of reads, its mean log-likelihood under each roster
// number). Two tracks meet where their foot-points come within meeting_distance_m (one
// meeting per stretch of such frames, at its nearest frame). An exchange of A and B from
// meeting t to meeting u (or to their ends) gives A's rows in [t, u) to B and B's to A; its
// gain is the log-likelihood of the two tracks after it, each under its best number, less
// that before it. The best exchange of all pairs, when it gains at least min_gain_nats and
// each track's part moved holds min_reads observations and its part kept at least one, is
// made; then the next, on the tracks as they are now, until none gains enough.
//
// Limits: an exchange between two people of the same number, or with no reads on one side,
// is not seen; a read window that straddles the meeting counts on the side of its first
// frame. Cost: the pairs of tracks that overlap in time, their common frames once; after
// each exchange, the pairs of the two tracks changed again; the exchanges of a pair are
// quadratic in its meetings (at most max_meetings kept). On a synthesized 90-minute match
// (4,062 tracks) 0.87 s (docs/performance.md).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "ipt/tracking/number_changes.h"

namespace ipt::tracking {

struct ExchangeOptions {
  // An exchange must gain at least this in log-likelihood (nats); 0 turns it off. A
  // confident observation of one number against another weighs up to log(1 / floor) = 4.6
  // nats. Chosen on validation (docs/models.md, "Exchanges at meetings"): on the 2-minute 4K
  // matches the exchanges found gained 29, 24, 12, 12, then 10 nats and below, where wrong
  // ones began (10 and 20 scored the same; 5 lost 0.5 points of identity).
  double min_gain_nats = 15.0;
  // Two tracks meet where their foot-points are at most this far apart, metres (two people
  // the tracker can confuse: one partly hides the other).
  double meeting_distance_m = 1.5;
  // Observations each track's moved part needs, >= 1.
  int min_reads = 2;
  // Meetings of one pair considered, the nearest ones, >= 1 (a pair running together meets
  // again and again).
  int max_meetings = 32;
  // Only two tracks that wear the same kit (ExchangeTrack::kit, when both are known) are
  // exchanged. The kit cuts run first, so each track keeps one kit: between two kits an
  // exchange cannot undo a swap, and numbers alone may ask for one (validation 5216: two
  // #22s of the two teams, one's crops read partly as another number; docs/models.md,
  // "Session 31").
  bool same_kit_only = true;
  bool enabled() const { return min_gain_nats > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

// One track as the exchange sees it: its rows' frames (ascending, one row per frame) and
// foot-points on the pitch (metres), and its number observations (by first frame; each
// log_likelihood over the same candidate numbers for every track).
struct ExchangeTrack {
  int64_t id = 0;
  std::vector<int> frames;
  std::vector<double> x_m, z_m;
  std::vector<int64_t> row_tags;  // the caller's name for each row, moved with it (or empty)
  std::vector<NumberRead> reads;
  std::optional<int> kit;  // the kit it wears (LikeliestKit of kit_changes.h), when known
};

inline constexpr int kToTheEnd = std::numeric_limits<int>::max();

// A's and B's rows of frames [from_frame, to_frame) change tracks (to_frame kToTheEnd: all
// from from_frame on).
struct Exchange {
  int64_t a = 0, b = 0;
  int from_frame = 0, to_frame = kToTheEnd;
  double gain_nats = 0;
};

// The exchanges made, in order; `tracks` are changed as each was made.
std::vector<Exchange> FindExchanges(std::vector<ExchangeTrack>& tracks, const ExchangeOptions& options);

// The log-likelihood gain of one exchange of tracks a and b (no read or meeting condition):
// after, less before, each track under its best number.
double ExchangeGain(const ExchangeTrack& a, const ExchangeTrack& b, int from_frame, int to_frame);

}  // namespace ipt::tracking
