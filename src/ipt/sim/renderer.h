// Renders one camera's view of a synthetic match: grass with mowing stripes and
// line markings, goals, advertising boards and stands (precomputed once per
// camera through the exact lens model), then per frame: shadows, articulated
// people in depth order with kits and printed jersey numbers (large on the back,
// small on the front: readable only when facing away from / towards the camera
// and near enough), the ball, a slow lighting change and sensor noise.
// Video compression is added by the writer.
//
// Any camera RigOptions::Check accepts renders: points behind the lens are not
// drawn, and lines, discs and polygons are clipped to the image (plus a guard
// band) with capped stroke widths before they reach OpenCV, so a person next to
// the lens or a goal post at the edge of a wide lens cannot overflow its drawing.
#pragma once

#include <map>
#include <opencv2/core.hpp>
#include <vector>

#include "ipt/geometry/camera.h"
#include "ipt/geometry/rig.h"
#include "ipt/sim/config.h"
#include "ipt/sim/motion.h"
#include "ipt/sim/people.h"

namespace ipt::sim {

class CameraRenderer {
 public:
  CameraRenderer(const geometry::Camera& camera, const geometry::PitchDims& pitch,
                 const RenderOptions& options, uint64_t seed);

  // Renders the frame at time_s into *bgr (camera-sized, CV_8UC3).
  void Render(const FrameState& state, const std::vector<SimPerson>& people, double time_s,
              cv::Mat* bgr);
  // Draws only the people and ball onto *bgr (no background, lighting or noise);
  // used by tests to render a person onto a known background.
  void DrawScene(const FrameState& state, const std::vector<SimPerson>& people, cv::Mat* bgr);

  const cv::Mat& background() const { return background_; }

 private:
  // Background, once per camera: every pixel's ray hits a board, the grass (with
  // the markings) or the stands; then vignetting; then the goal frames and nets.
  void BuildBackground(uint64_t seed);
  void DrawGoals();

  // Per frame.
  void DrawPerson(const SimPerson& person, const PersonState& state, cv::Mat* img);
  void DrawShadow(const Eigen::Vector3d& base, double height_m, double radius_m, cv::Mat* img);
  void DrawBall(const BallState& ball, cv::Mat* img);
  void DrawNumber(int jersey, const cv::Vec3b& color, const Eigen::Vector3d& center,
                  const Eigen::Vector3d& text_right, const Eigen::Vector3d& text_up,
                  double width_m, double height_m, cv::Mat* img);
  const cv::Mat& NumberMask(int jersey);
  double LightingGain(double time_s) const;
  void AddNoise(cv::Mat* bgr);
  // Pitch point -> pixel (finite, may lie far outside the image); false behind
  // the lens' valid field of view.
  bool Project(const Eigen::Vector3d& point_in_pitch, cv::Point2d* pixel) const;

  geometry::Camera camera_;
  geometry::PitchDims pitch_;
  RenderOptions options_;
  double lighting_phase_[2] = {0, 0};
  cv::Mat background_;
  std::vector<cv::Mat> noise_positive_, noise_negative_;
  uint64_t noise_counter_ = 0;
  std::map<int, cv::Mat> number_masks_;
};

}  // namespace ipt::sim
