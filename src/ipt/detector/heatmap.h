// Foot-point heatmaps (CenterNet-style, torch-free): the training targets and
// the decoding of the network's output. Grids are row-major float arrays of
// grid_h x grid_w cells; cell (r, c) covers panorama pixels
// [c*stride, (c+1)*stride) x [r*stride, (r+1)*stride), and a point at panorama
// pixel (u, v) (pixel centres at integers, geometry/panorama.h) lies in cell
// floor((u + 0.5) / stride), with offset (u + 0.5) / stride - cell in [0, 1).
#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

#include "ipt/geometry/panorama.h"

namespace ipt::detector {

struct HeatmapOptions {
  int stride = 2;               // panorama pixels per heatmap cell (2: neighbours 1 m apart stay apart)
  double sigma_cells = 0.8;     // Gaussian target spread; small, people in crowds are a few cells apart
  double peak_threshold = 0.3;  // a peak is a detection from this heatmap score on
  int nms_kernel = 3;           // max-pool window of the peak search (odd)
  int max_peaks = 200;          // most detections per panorama
  void Check() const;
};

// Training targets for points in panorama pixels on a grid_h x grid_w grid.
struct HeatmapTargets {
  int grid_h = 0, grid_w = 0;
  std::vector<float> heat;      // grid_h * grid_w, max of the Gaussians, 1 at each point's cell
  std::vector<int64_t> cells;   // per point: flat cell index r * grid_w + c
  std::vector<float> offsets;   // per point: (dx, dy) in [0, 1), interleaved
};
HeatmapTargets MakeHeatmapTargets(const std::vector<Eigen::Vector2d>& points_px, int grid_h, int grid_w,
                                  const HeatmapOptions& options);

struct HeatmapPeak {
  Eigen::Vector2d pixel;  // panorama pixel (cell + offset, scaled by the stride)
  double score = 0;       // heatmap value in [0, 1]
};

// Peaks of a grid: cells that are the maximum of their nms_kernel window and at
// least peak_threshold, best first, at most max_peaks. `offset_x` / `offset_y`
// are the offset grids (same size); sub-cell position = cell + offset.
std::vector<HeatmapPeak> FindPeaks(const float* heat, const float* offset_x, const float* offset_y, int grid_h,
                                   int grid_w, const HeatmapOptions& options);

struct Detection {
  Eigen::Vector2d foot_in_pitch_m;  // (x, z) on the ground
  double score = 0;
  Eigen::Vector2d panorama_px;      // where it was found
};

// Peaks lifted to the ground through the panorama's rays; peaks above the
// horizon (no ground point) are dropped.
std::vector<Detection> LiftToPitch(const std::vector<HeatmapPeak>& peaks, const geometry::Panorama& panorama);

}  // namespace ipt::detector
