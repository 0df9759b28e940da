// Articulated body pose: 3D joint positions (pitch frame, metres) of a person
// standing at a foot-point, facing a direction, at a phase of the running cycle.
// Legs and arms swing in the facing plane with an amplitude that grows with speed;
// the pelvis height keeps the lower foot on the ground.
#pragma once

#include <Eigen/Core>

namespace ipt::sim {

struct BodyPose {
  // Left/right are the person's own sides.
  Eigen::Vector3d hip_left, hip_right, knee_left, knee_right, ankle_left, ankle_right;
  Eigen::Vector3d toe_left, toe_right;
  Eigen::Vector3d shoulder_left, shoulder_right, elbow_left, elbow_right, hand_left, hand_right;
  Eigen::Vector3d neck, head_center;
  double head_radius_m = 0.12;
  Eigen::Vector3d forward, right;  // unit vectors in the ground plane
  // Limb thicknesses (diameters), metres.
  double thigh_m = 0.15, shin_m = 0.11, upper_arm_m = 0.10, forearm_m = 0.08;
  double torso_depth_m = 0.22;
};

// foot_xz_m: mid-point between the feet on the ground; facing_rad: angle of the
// facing direction in the (x, z) plane; speed_mps drives the swing amplitude.
BodyPose ComputePose(const Eigen::Vector2d& foot_xz_m, double facing_rad, double gait_phase_rad,
                     double speed_mps, double height_m, double build);

}  // namespace ipt::sim
