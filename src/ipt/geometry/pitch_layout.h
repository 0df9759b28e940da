// Pitch markings and goals (Laws of the Game, law 1), defined once: the
// simulator's play (goals, penalty areas, set pieces) and the renderer's
// markings and goal frames read the same numbers. Metres; the pitch frame of
// camera.h (x along the touchline in [0, length], z across in [0, width]); the
// goals are centred on the goal lines x = 0 and x = length at z = width / 2.
// Sizes that depend on the pitch (length, width) live in PitchDims (rig.h).
#pragma once

namespace ipt::geometry::pitch {

// Lines are 12 cm wide; the distances below are to the lines' centres.
constexpr double kLineWidthM = 0.12;

// Centre circle and spot.
constexpr double kCentreCircleRadiusM = 9.15;
constexpr double kCentreSpotRadiusM = 0.12;

// Penalty area: 16.5 m deep from the goal line, 40.32 m wide (16.5 m either side of the posts).
constexpr double kPenaltyAreaDepthM = 16.5;
constexpr double kPenaltyAreaHalfWidthM = 20.16;
// Goal area: 5.5 m deep, 18.32 m wide.
constexpr double kGoalAreaDepthM = 5.5;
constexpr double kGoalAreaHalfWidthM = 9.16;
// Penalty spot: 11 m from the goal line; the penalty arc is the part of a circle
// of kCentreCircleRadiusM around it outside the penalty area.
constexpr double kPenaltySpotDistanceM = 11.0;
constexpr double kPenaltySpotRadiusM = 0.11;
constexpr double kPenaltyArcRadiusM = 9.15;
// Corner arcs.
constexpr double kCornerArcRadiusM = 1.0;

// Goals: 7.32 m between the posts, crossbar 2.44 m high, posts 12 cm wide; the
// net reaches kGoalNetDepthM behind the goal line.
constexpr double kGoalHalfWidthM = 3.66;
constexpr double kGoalHeightM = 2.44;
constexpr double kGoalPostWidthM = 0.12;
constexpr double kGoalNetDepthM = 2.0;

// The smallest pitch on which all of the above fit side by side (two penalty
// areas and the centre circle along x, a penalty area across z).
constexpr double kMinLengthM = 2 * kPenaltyAreaDepthM + 2 * kCentreCircleRadiusM;
constexpr double kMinWidthM = 2 * kPenaltyAreaHalfWidthM;

}  // namespace ipt::geometry::pitch
