// Perspective crops: a 128 (W) x 256 (H) upright view of the person standing at
// a foot-point, cut from the source camera that sees them best (never from the
// panorama), through a virtual pinhole camera at that camera's optical centre
// (a pure rotation, so resampling has no parallax).
//
// The virtual camera looks at the centre of a volume_width_m x volume_height_m
// box standing on the foot-point; its focal length makes the box's height span
// the crop's height. Its image "up" is pitch +y, so vertical lines through the
// foot-point are vertical in the crop, through the centre column (upright).
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "ipt/geometry/camera.h"

namespace ipt::geometry {

struct CropOptions {
  int width_px = 128;
  int height_px = 256;
  double volume_width_m = 1.2;   // horizontal extent around the foot-point
  double volume_height_m = 2.4;  // vertical extent above the ground
  // Remap tables are computed exactly every grid_step_px pixels and bilinearly
  // interpolated between (< 0.01 px error for real lenses); 1 = exact everywhere.
  int grid_step_px = 8;
  void Check() const;
};

struct CropView {
  int camera_index = -1;  // index of the source camera in the list given
  Camera virtual_camera;  // pinhole, no distortion, crop-sized image
  double margin_px = 0;   // smallest distance of the volume's outline to the source image
                          // border; < 0 when part of the volume is outside the image
};

// The view of the person at foot_in_pitch_m, from the camera whose image holds the
// volume with the largest margin. nullopt when no camera sees the foot-point at all.
std::optional<CropView> MakeCropView(const std::vector<Camera>& cameras,
                                     const Eigen::Vector2d& foot_in_pitch_m,
                                     const CropOptions& options = {});

// The crop's ground axes at its foot-point, as unit vectors in the pitch (x, z)
// plane: column 0 "lateral" (the crop's +x direction on the ground), column 1
// "depth" (away from the source camera). A position correction (lateral, depth)
// in metres read off the crop is `axes * correction` in pitch metres.
Eigen::Matrix2d CropGroundAxes(const CropView& view);

// Remap tables (CV_32FC1, crop-sized) from crop pixels to source-camera pixels.
void ComputeCropMaps(const Camera& source, const CropView& view, int grid_step_px,
                     cv::Mat* map_x, cv::Mat* map_y);

// Cuts the crop from the source camera's BGR frame (black outside its image).
cv::Mat CutCrop(const cv::Mat& source_bgr, const Camera& source, const CropView& view,
                const CropOptions& options = {});

}  // namespace ipt::geometry
