// Where a track changes person, read off its jersey numbers (torch-free; the match level
// applies it to every tracker's tracks, pipeline/match_level.h).
//
// A tracker that swaps two people at a crossing leaves one track whose crops read one
// number, then another. Over a long match such a swap is the most common identity error
// left (validation seed 5200, 2 minutes in 4K: 8 of the 38 tracks with reads read two
// roster numbers in turn, each many times), and every row after it is named after the
// wrong player.
//
// The model: a track is one person (one number m) or several in turn. A read is a crop
// whose P(legible) >= min_legible_probability; given number m it has log-likelihood
// w log(P(m) + probability_floor), w its P(legible), P the crop encoder's number
// probabilities (the floor keeps one misread from deciding); the reads of one window of
// window_seconds are one observation, their mean. Only the match's roster numbers are
// hypotheses, so reads of numbers nobody wears (the reader's partial reads) support no
// one. The track's observations are partitioned into stretches of one person each, every
// stretch explained by its own best number, by the partition of the largest
// log-likelihood less min_gain_nats per stretch (optimal partitioning, exact; PELT's
// pruning): a cut is made when it gains more than min_gain_nats, each stretch holding
// >= min_reads observations.
//
// The cut goes where the track passes nearest to another person (a swap happens where two
// people meet), among its frames from the first of the last window of one stretch to the
// last of the first window of the next: a window that holds the swap reads both people.
// Limits: a swap between two people of the same number (team A's 10 and team B's 10) is not
// seen, nor one with no reads on one side. Cost: optimal partitioning is quadratic in a
// track's observations when nothing changes (PELT prunes only after changes): a track read
// in every second of 90 minutes (5,400 observations) is ~15 M stretch evaluations.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace ipt::tracking {

struct NumberChangeOptions {
  // Each cut must gain more than this in log-likelihood (nats): the penalty per stretch;
  // 0 turns splitting off. An observation sure of one number against another weighs up
  // to log(1 / probability_floor) = 4.6 nats, so 20 asks for several seconds of reads of
  // the other number. Chosen on validation (docs/models.md, "Tracks cut where their
  // jersey numbers change"): 5, 10, 15, 20, 30 on the 2-minute 4K matches 5200-5201; 20 scored the best
  // HOTA and GS-HOTA there and cut nothing on the 30 s and 5 s validation matches.
  double min_gain_nats = 20.0;
  // A crop is a read when P(legible) >= this, in (0, 1].
  double min_legible_probability = 0.5;
  // Added to a read's probability of each number, in (0, 1].
  double probability_floor = 0.01;
  // Observations (windows with reads, not reads) each stretch needs, >= 1.
  int min_reads = 3;
  // Reads of a track within one window of this many seconds are one observation, > 0.
  double window_seconds = 1.0;
  bool enabled() const { return min_gain_nats > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

// One observation of a track: the reads of one window of frames, their mean
// log-likelihood under each candidate number (w log(P(number) + floor), in the
// candidates' order; the same count for every observation) and their first and last frame.
// Reads of one window are one observation because they are not independent: a crop that
// misreads a number in one frame misreads it in the next ones too.
struct NumberRead {
  int first_frame = 0, last_frame = 0;
  std::vector<double> log_likelihood;
};

// The observations (by frame, none overlapping the next) at which a new person starts:
// indices k in (0, reads.size()), ascending; a cut falls between reads[k - 1] and reads[k].
std::vector<size_t> NumberChangeReads(const std::vector<NumberRead>& reads, const NumberChangeOptions& options);

// Its partition, for any observations under any candidates (numbers, kits): the stretches
// of >= min_observations each explained by its best candidate, of the largest
// log-likelihood less min_gain_nats per stretch (> 0; exact, PELT's pruning).
std::vector<size_t> PartitionObservations(const std::vector<NumberRead>& observations, double min_gain_nats,
                                          int min_observations);

// The same partition for any stretch cost: n observations, stretch_cost(begin, end) the
// -(log-likelihood) of observations [begin, end) as one person's (0 <= begin < end <= n),
// which a cut never raises (stretch_cost(a, c) >= stretch_cost(a, b) + stretch_cost(b, c):
// PELT's pruning relies on it). Cuts ascending in (0, n), each where may_cut[k] (size n;
// empty: anywhere).
std::vector<size_t> PartitionByStretchCost(size_t n, const std::function<double(size_t, size_t)>& stretch_cost,
                                           double min_gain_nats, int min_observations,
                                           const std::vector<bool>& may_cut = {});

// The frame that starts the new piece: among the track's frames in (frame_before,
// frame_after] the one where it is nearest to another person (nearest_other_m per frame,
// same order as frames, which increase; ties: the earliest); frame_after when the track
// has none there. The caller passes the frame before the last window of one stretch and
// the last frame of the first window of the next.
int CutFrame(const std::vector<int>& frames, const std::vector<double>& nearest_other_m, int frame_before,
             int frame_after);

}  // namespace ipt::tracking
