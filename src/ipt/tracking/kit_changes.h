// Where a track changes person, read off its kit (torch-free; the match level applies it
// to every tracker's tracks, pipeline/match_level.h).
//
// Two players who cross, one hidden behind the other for a moment, can come out on each
// other's tracks. Jersey numbers show such a swap when they can be read (number_changes.h);
// kits show it whenever the two wear different ones, at any resolution. On the five
// 2-minute 4K validation matches, 21 of the 60 swaps a track kept for over a second were
// between people of different kits (docs/models.md, "Tracks cut where their kit changes").
//
// The model: the match's kits (the teams', by the category rule's kit split, SplitKits, over
// the player tracks' mean kits; the goalkeepers' and referees', the mean kits of the tracks
// whose role is theirs) and, per track, observations: the mean kit of its detections in
// each window of window_seconds. An observation k under kit c has log-likelihood
// -min((|k - c| / s)^2 / 2, max_window_nats), s the median distance of every observation
// of the match to its nearest kit (the crop encoder's own scale; occluded crops carry their
// occluder's kit for a moment, far from every kit, so that none explains them better). A track is
// partitioned as number_changes.h partitions reads (PartitionObservations): a cut where it
// gains more than min_gain_nats, each stretch >= min_windows observations. The cut frame is
// the one where the track passes nearest to another (CutFrame).
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <optional>
#include <vector>

namespace ipt::tracking {

struct TrackAttributesOptions;

struct KitChangeOptions {
  // Each cut must gain more than this in log-likelihood (nats); 0 turns splitting off. An
  // observation weighs at most max_window_nats, so 10 asks for over two seconds of the
  // other kit. Chosen on validation (docs/models.md, "Tracks cut where their kit changes"):
  // 2, 5, 10, 20, 40; 5 and 10 scored best (5 a little more on the substitution matches),
  // 2 lost identity on 5205; 10 leaves more room for kits that drift on real footage.
  double min_gain_nats = 10.0;
  // The most one observation can say against a team, in nats, > 0: log(100), as a read of
  // numbers (number_change_probability_floor 0.01). Kits of crops that are partly someone
  // else's must not decide alone.
  double max_window_nats = 4.6;
  // Observations each stretch needs, >= 1.
  int min_windows = 3;
  // The detections of a track within one window of this many seconds are one observation, > 0.
  double window_seconds = 1.0;
  bool enabled() const { return min_gain_nats > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

// One observation: the mean kit (K values) of a track's detections in one window of frames
// (1-based, first <= last), and how many detections it holds (>= 1).
struct KitWindow {
  int first_frame = 0, last_frame = 0;
  Eigen::VectorXd mean_kit;
  int detections = 1;
};

// The match's two team kits, the kits of the goalkeepers and referees (one per kit), and
// the spread of observations around the nearest of them (> 0).
struct TeamKits {
  std::array<Eigen::VectorXd, 2> center;
  std::vector<Eigen::VectorXd> other;
  double spread = 0;
};

// From every track's observations (by frame) and whether its role is a player's (as the
// category rule decides it: the argmax of its mean role probabilities): the category rule's
// kit split (SplitKits with `attribute_options`' kit_* keys) of the player tracks' mean
// kits, L2-normalised and weighted by detections; the other tracks' mean kits (those with
// at least kit_init_min_detections detections; a kit within the spread of one kept is the
// same) as the kits of goalkeepers and referees; and the median distance of all
// observations to the nearest kit. None when the split leaves a cluster empty (fewer than
// two player tracks) or the observations have no spread. Throws ipt::Error on kits of
// different sizes or non-finite ones, or `is_player` of another size.
std::optional<TeamKits> FitTeamKits(const std::vector<std::vector<KitWindow>>& tracks,
                                    const std::vector<bool>& is_player,
                                    const TrackAttributesOptions& attribute_options);

// The observations (by frame, apart) at which a new person starts, as NumberChangeReads:
// indices k in (0, windows.size()), ascending. Cost: quadratic in a track's observations
// when nothing changes (PELT prunes only after a change), 2 candidates: a track seen in every
// second of 90 minutes is ~15 M stretch evaluations.
std::vector<size_t> KitChangeWindows(const std::vector<KitWindow>& windows, const TeamKits& kits,
                                     const KitChangeOptions& options);

// The kit a track wears by its observations, under the model above: the kit (0, 1: the
// teams'; 2, 3, ...: kits.other's) of the largest log-likelihood summed over them; none
// without observations.
std::optional<int> LikeliestKit(const std::vector<KitWindow>& windows, const TeamKits& kits,
                                const KitChangeOptions& options);

}  // namespace ipt::tracking
