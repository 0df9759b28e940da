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
// of window_seconds. One person's observations scatter around one mean; with per-observation
// spread s^2 (the match's, AppearanceSpread) a stretch [b, e) costs
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
  // Each cut must gain more than this (nats); 0 turns splitting off.
  double min_gain_nats = 0.0;
  // Observations each stretch needs, >= 1.
  int min_windows = 5;
  // The detections of a track within one window of this many seconds are one observation, > 0.
  double window_seconds = 1.0;
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
// track (two draws around one mean lie 2 s^2 apart on average; the median is untouched by
// the few consecutive pairs that straddle a swap). None when no track has two observations
// or they do not scatter. Throws ipt::Error on non-finite observations or ones of different
// sizes.
std::optional<double> AppearanceSpread(const std::vector<std::vector<AppearanceWindow>>& tracks);

// The observations at which a new person starts: indices k in (0, windows.size()),
// ascending; a cut falls between windows[k - 1] and windows[k]. spread_sq > 0. Cost: as
// PartitionByStretchCost, each stretch cost O(D) from prefix sums.
std::vector<size_t> AppearanceChangeWindows(const std::vector<AppearanceWindow>& windows, double spread_sq,
                                            const AppearanceChangeOptions& options);

// The largest gain (nats) of cutting `windows` once, each side >= min_windows observations
// (0 when it cannot be cut): what a penalty must exceed to leave the track whole.
double LargestSingleCutGain(const std::vector<AppearanceWindow>& windows, double spread_sq, int min_windows);

}  // namespace ipt::tracking
