// Tracks cut where a substitution may hide in a gap (torch-free; the match level applies it
// to every tracker's tracks first, and the joining never links across such a gap).
//
// The tracker knows no line-up. At a substitution the player going off leaves by the
// nearest touchline and his substitute comes on at the halfway line, on the benches' side:
// often near where the first left (and out of view below the rig for a moment), so a track
// lost on the one may be found again on the other. On the 60 s HD validation matches with
// three substitutions a team (5300-5302), the online tracker carried 2 of 18 substitutions
// on one track (docs/models.md, "Substitutions").
//
// A gap of a track (detections at frames a and then b > a, with at least one frame
// missing or feet at least min_jump_m apart: the substitute seen in the next frame where
// the other was lost) is a substitution gap when a substitution of match.yaml may lie in it
// (MatchInfo::SubstitutionBetween(a, b): the player going off last seen at a or later, the
// one coming on first seen at b or earlier, within the line-up's tolerance) and one of its
// ends lies within touchline_distance_m of a touchline (or beyond it): the gaps of players
// hidden by others in mid-pitch at that moment are not cut.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

#include "ipt/io/match.h"

namespace ipt::tracking {

struct SubstitutionGapOptions {
  // Metres from a touchline (z = 0 or the pitch width; beyond it counts as 0). Players go
  // off by the nearest line and come on at one; 0 turns the cuts (and the joining's
  // refusal) off.
  double touchline_distance_m = 5.0;
  // Consecutive detections this far apart (metres) are a gap too: nobody covers 2 m in a
  // frame (10 m/s is 0.4 m at 25 fps), and the detector's foot-points jitter by tenths.
  double min_jump_m = 2.0;
  bool enabled() const { return touchline_distance_m > 0; }
  void Check() const;  // throws ipt::Error naming the field
};

// Whether the gap between one track's detections at frame `a` (foot at a_m, pitch (x, z)
// metres) and its next at frame `b` is a substitution gap (above). `category`: only
// substitutions of that category (the roster's category of the player going off); none:
// any substitution.
bool IsSubstitutionGap(const io::MatchInfo& match, std::optional<io::Category> category, int a,
                       const Eigen::Vector2d& a_m, int b, const Eigen::Vector2d& b_m,
                       const SubstitutionGapOptions& options);

// The frames at which one track is cut: the first frame after each of its substitution
// gaps (any category). `frames` ascending and distinct, one foot (x, z) per frame.
std::vector<int> SubstitutionCutFrames(const std::vector<int>& frames, const std::vector<Eigen::Vector2d>& foot_m,
                                       const io::MatchInfo& match, const SubstitutionGapOptions& options);

}  // namespace ipt::tracking
