// Pictures for people: ground truth (or predictions) drawn on the panorama, a
// top-down pitch minimap, and contact sheets of perspective crops.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ipt/geometry/panorama.h"
#include "ipt/io/annotations.h"

namespace ipt::viz {

// A fixed, distinguishable BGR colour per category.
cv::Scalar CategoryColor(io::Category category);

// The height of the boxes drawn around people (metres; a person's typical height).
inline constexpr double kPersonBoxHeightM = 1.8;

// Draws each row as a box from the foot-point to head height (height_m), a
// foot dot and a label onto a panorama image (BGR, panorama-sized): labels[i] for row i,
// or "id #jersey" when `labels` is empty.
void DrawOnPanorama(const std::vector<io::Annotation>& rows, const geometry::Panorama& panorama,
                    cv::Mat* image, double height_m = kPersonBoxHeightM,
                    const std::vector<std::string>& labels = {});

struct MinimapOptions {
  int height_px = 512;         // image height; width follows the pitch aspect
  double margin_m = 6.0;       // grass shown around the pitch
};
// A person's recent foot-points (pitch x, z in metres, oldest first), drawn as a line.
struct MinimapTrail {
  io::Category category = io::Category::kTeamA;
  std::vector<Eigen::Vector2d> points;
};
// Top-down view: x to the right, z down (the rig at the bottom, as in the panorama);
// trails (optional) under the people.
cv::Mat DrawMinimap(const std::vector<io::Annotation>& rows, const geometry::PitchDims& pitch,
                    const geometry::Rig* rig, const MinimapOptions& options = {},
                    const std::vector<MinimapTrail>& trails = {});

// Tiles equally sized images in a grid with a caption under each.
cv::Mat ContactSheet(const std::vector<cv::Mat>& tiles, const std::vector<std::string>& captions,
                     int columns);

// A contact sheet of the 128x256 perspective crops of a frame's people, each cut
// from its best source camera (geometry::MakeCropView), captioned "id #jersey L|R"
// ("#jersey*" when the number is labelled legible).
// `camera_images` are the frame's images, in the rig's camera order. People no
// camera sees are left out.
cv::Mat CropSheetOfFrame(const std::vector<io::Annotation>& rows, const geometry::Rig& rig,
                         const std::vector<cv::Mat>& camera_images, int columns, int* crops = nullptr);

// Places images side by side, top-aligned, on a dark background.
cv::Mat SideBySide(const std::vector<cv::Mat>& images, int gap_px = 8);

}  // namespace ipt::viz
