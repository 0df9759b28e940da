// Formation-driven play around a ball: passes, dribbles, pressing duels,
// shots, throw-ins, goal kicks and corners (where players gather in the box).
// People move with bounded speed, acceleration and turn rate, so trajectories
// are smooth. Units: metres, seconds; positions are pitch foot-points (x, z).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "ipt/geometry/rig.h"
#include "ipt/sim/config.h"
#include "ipt/sim/people.h"

namespace ipt::sim {

struct PersonState {
  Eigen::Vector2d pos_m{0, 0};    // foot-point (x, z)
  Eigen::Vector2d vel_mps{0, 0};  // (dx/dt, dz/dt)
  double facing_rad = 0;          // body facing direction (cos, sin) in the (x, z) plane
  double gait_phase_rad = 0;      // running cycle phase for the limb animation
  // False for a substitute before he comes on and for a player after he went off:
  // such a person is neither rendered nor annotated.
  bool present = true;
};

struct BallState {
  Eigen::Vector2d pos_m{0, 0};
  double height_m = 0;
};

struct FrameState {
  std::vector<PersonState> people;  // same order as People::on_pitch
  BallState ball;
};

// Simulates `frame_count` frames at `fps`. Deterministic for a seed.
// Substitutions: each is called at a random time in 10-50 % of the match (its
// `player_out` then jogs off by the nearest touchline and plays no more); when he has
// left, `player_in` enters at the halfway line on the near touchline (z = width, the
// benches' side) and takes his place. A substitution called too late to finish within
// the match is half made: the starter walks off, nobody comes on. Without substitutions
// the frames are the same as they were before substitutions existed.
std::vector<FrameState> SimulateMotion(const std::vector<SimPerson>& people,
                                       const MotionOptions& options,
                                       const geometry::PitchDims& pitch, double fps,
                                       int frame_count, uint64_t seed,
                                       const std::vector<PlannedSubstitution>& substitutions = {});

}  // namespace ipt::sim
