#include "ipt/sim/body.h"

#include <algorithm>
#include <cmath>

namespace ipt::sim {
namespace {
// Body proportions as fractions of the height (anthropometric averages).
constexpr double kHipHeight = 0.53, kShoulderHeight = 0.815, kNeckHeight = 0.86;
constexpr double kThigh = 0.245, kShin = 0.26, kUpperArm = 0.17, kForearm = 0.16;
constexpr double kHeadRadius = 0.065, kShoulderHalfWidth = 0.115, kHipHalfWidth = 0.085;
constexpr double kFootLength = 0.14;
constexpr double kMaxLegSwingRad = 0.75, kMaxArmSwingRad = 0.6;
}  // namespace

BodyPose ComputePose(const Eigen::Vector2d& foot, double facing, double phase, double speed,
                     double h, double build) {
  BodyPose p;
  const Eigen::Vector3d up(0, 1, 0);
  p.forward = Eigen::Vector3d(std::cos(facing), 0, std::sin(facing));
  p.right = Eigen::Vector3d(-p.forward.z(), 0, p.forward.x());  // forward x up
  // Swing amplitude grows with speed; a lean forward when running.
  const double swing = std::min(kMaxLegSwingRad, 0.08 + 0.085 * speed);
  const double lean = std::min(0.25, 0.025 * speed);
  const double leg_angle[2] = {swing * std::sin(phase), -swing * std::sin(phase)};  // L, R
  // Knee bends most while the leg swings forward (recovery phase).
  const double knee_bend[2] = {swing * 1.3 * std::max(0.0, std::cos(phase)),
                               swing * 1.3 * std::max(0.0, -std::cos(phase))};
  auto dir = [&](double angle) {  // unit vector rotated forward from "down" by angle
    return Eigen::Vector3d(-up * std::cos(angle) + p.forward * std::sin(angle));
  };
  Eigen::Vector3d hip_offset[2] = {-p.right * kHipHalfWidth * h * build, p.right * kHipHalfWidth * h * build};
  Eigen::Vector3d knee_rel[2], ankle_rel[2];
  double lowest = 0;
  for (int s = 0; s < 2; ++s) {
    knee_rel[s] = hip_offset[s] + dir(leg_angle[s]) * kThigh * h;
    ankle_rel[s] = knee_rel[s] + dir(leg_angle[s] - knee_bend[s]) * kShin * h;
    lowest = std::min(lowest, ankle_rel[s].y());
  }
  // Pelvis height: the lower ankle touches the ground (plus the foot's height).
  const Eigen::Vector3d pelvis = Eigen::Vector3d(foot.x(), 0, foot.y()) + up * (-lowest + 0.04 * h);
  Eigen::Vector3d* hips[2] = {&p.hip_left, &p.hip_right};
  Eigen::Vector3d* knees[2] = {&p.knee_left, &p.knee_right};
  Eigen::Vector3d* ankles[2] = {&p.ankle_left, &p.ankle_right};
  Eigen::Vector3d* toes[2] = {&p.toe_left, &p.toe_right};
  for (int s = 0; s < 2; ++s) {
    *hips[s] = pelvis + hip_offset[s];
    *knees[s] = pelvis + knee_rel[s];
    *ankles[s] = pelvis + ankle_rel[s];
    *toes[s] = *ankles[s] + p.forward * kFootLength * h * 0.7 - up * 0.03 * h;
  }
  const double torso_len = (kShoulderHeight - kHipHeight) * h;
  const Eigen::Vector3d spine = (up * std::cos(lean) + p.forward * std::sin(lean)) * torso_len;
  const Eigen::Vector3d shoulder_mid = pelvis + spine;
  p.shoulder_left = shoulder_mid - p.right * kShoulderHalfWidth * h * build;
  p.shoulder_right = shoulder_mid + p.right * kShoulderHalfWidth * h * build;
  p.neck = pelvis + spine * ((kNeckHeight - kHipHeight) / (kShoulderHeight - kHipHeight));
  p.head_radius_m = kHeadRadius * h;
  p.head_center = p.neck + (spine.normalized()) * p.head_radius_m * 1.25;
  // Arms swing opposite to the legs, elbows bent more when running.
  const double arm_swing = std::min(kMaxArmSwingRad, 0.8 * swing);
  const double arm_angle[2] = {-arm_swing * std::sin(phase), arm_swing * std::sin(phase)};
  const double elbow = 0.3 + std::min(1.1, 0.15 * speed);
  Eigen::Vector3d* shoulders[2] = {&p.shoulder_left, &p.shoulder_right};
  Eigen::Vector3d* elbows[2] = {&p.elbow_left, &p.elbow_right};
  Eigen::Vector3d* hands[2] = {&p.hand_left, &p.hand_right};
  for (int s = 0; s < 2; ++s) {
    Eigen::Vector3d outward = (s == 0 ? -p.right : p.right) * 0.04 * h;
    *elbows[s] = *shoulders[s] + dir(arm_angle[s]) * kUpperArm * h + outward * 0.5;
    *hands[s] = *elbows[s] + dir(arm_angle[s] + elbow) * kForearm * h + outward * 0.3;
  }
  p.thigh_m = 0.085 * h * build;
  p.shin_m = 0.06 * h * build;
  p.upper_arm_m = 0.055 * h * build;
  p.forearm_m = 0.045 * h * build;
  p.torso_depth_m = 0.12 * h * build;
  return p;
}

}  // namespace ipt::sim
