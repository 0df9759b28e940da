// The two-camera rig: left and right cameras mounted together, together seeing
// the whole pitch with overlap at the centre. Frames: see camera.h.
#pragma once

#include <algorithm>
#include <vector>

#include "ipt/geometry/camera.h"

namespace ipt::geometry {

// Pitch size in metres (x along the touchline, z across).
struct PitchDims {
  double length_m = 105.0;
  double width_m = 68.0;
  void Check() const;
  // Metres from a pitch-frame z to the nearer touchline (z = 0 or z = width_m); 0 on or
  // beyond it. Players go off and come on by a touchline (substitutions).
  double TouchlineDistanceM(double z_m) const { return std::max(0.0, std::min(z_m, width_m - z_m)); }
};

// Default rig: on the halfway line, behind the near touchline z = width_m,
// looking across the pitch towards -z so that +x is to the right in the images.
// Check() bounds every field (ranges in configs/sim_default.yaml) and refuses a
// field of view wider than the distortion maps one-to-one.
struct RigOptions {
  static constexpr int kMinImageSidePx = 16;
  static constexpr double kMaxAbsDistortion = 1.0;  // |each coefficient|

  double height_m = 8.0;               // mount height above the ground
  double behind_touchline_m = 6.0;     // distance behind the near touchline
  double baseline_m = 0.2;             // distance between the two optical centres
  double yaw_deg = 45.0;               // each camera turned this far left/right of "across"
  double tilt_down_deg = 29.0;         // optical axes below the horizon
  int image_width_px = 1280;
  int image_height_px = 720;
  LensModel lens = LensModel::kFisheye;
  double horizontal_fov_deg = 116.0;   // full horizontal field of view of each camera
  std::array<double, 5> distortion{0.02, -0.004, 0.0, 0.0, 0.0};  // fisheye k1..k4
  void Check() const;
};

struct Rig {
  std::vector<Camera> cameras;        // [0] = left, [1] = right
  Eigen::Vector3d center_in_pitch{};  // mean optical centre, the panorama's origin
  const Camera& left() const { return cameras.at(0); }
  const Camera& right() const { return cameras.at(1); }
};

// Builds a rig from its two calibrated cameras (centre = mean optical centre).
Rig MakeRig(std::vector<Camera> cameras);
// The synthetic default rig for a pitch.
Rig MakeDefaultRig(const RigOptions& options, const PitchDims& pitch);

}  // namespace ipt::geometry
