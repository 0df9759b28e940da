// The 512 x 1024 "radial" panorama around the rig centre, the detector's input.
//
// Each panorama pixel is a ray from the rig centre, parameterised by
//   azimuth   = atan2(dx, -dz)          (0 = straight across the pitch, + = towards +x)
//   elevation = atan2(dy, hypot(dx,dz)) (+ = up)
// with azimuth linear in the column and a logarithmic elevation scale in the row,
// which gives the far side of the pitch (just below the horizon) more rows than
// a linear scale and the near side fewer, so people's heights in pixels vary less:
//   u = (azimuth - azimuth_min) / (azimuth_max - azimuth_min) * W - 0.5
//   t = (elevation_max - elevation) / (elevation_max - elevation_min)   in [0, 1]
//   v = log(1 + k t) / log(1 + k) * H - 0.5,   k = elevation_compression (0: linear)
// (pixel centres at integers, as in camera.h). Pixels are sampled from the left or
// right camera, blended linearly across a seam of seam_width_deg around azimuth 0;
// what neither camera sees is black (any rig and any options Check() accepts work,
// even when a camera sees none of the panorama).
// The sample point of a ray is where it meets the ground (so the pitch stitches
// without ghosting), or a point far_distance_m away above the horizon.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "ipt/geometry/rig.h"

namespace ipt::geometry {

// Check() bounds the size by limits::kMaxImageSidePx and limits::kMaxImagePixels.
struct PanoramaOptions {
  int width_px = 1024;
  int height_px = 512;
  double azimuth_min_deg = -90.0;   // left edge; the default rig sees the corners at about ±84°
  double azimuth_max_deg = 90.0;    // right edge
  double elevation_max_deg = -2.5;  // top row: just above the far heads (about -4°)
  double elevation_min_deg = -56.0; // bottom row: the near touchline below the rig is at -53°
  double elevation_compression = 8.0;  // k above; far people ~2.5x taller than with k = 0
  double seam_width_deg = 8.0;      // width of the left/right blend around azimuth 0
  double far_distance_m = 150.0;    // sample distance for rays that miss the ground
  void Check() const;
};

class Panorama {
 public:
  Panorama(const Rig& rig, const PanoramaOptions& options = {});

  const PanoramaOptions& options() const { return options_; }
  const Eigen::Vector3d& center_in_pitch() const { return center_; }

  // Unit ray (pitch frame, from center_in_pitch()) through a panorama pixel.
  Eigen::Vector3d RayFromPixel(const Eigen::Vector2d& pixel) const;
  // Panorama pixel of a ray direction (any length). May lie outside the image.
  Eigen::Vector2d PixelFromRay(const Eigen::Vector3d& ray_in_pitch) const;
  // Panorama pixel of a pitch point (metres); nullopt only at the rig centre itself.
  std::optional<Eigen::Vector2d> PixelFromPitch(const Eigen::Vector3d& point_in_pitch) const;
  // Panorama pixel -> ground foot-point (x, z) m; nullopt above the horizon.
  std::optional<Eigen::Vector2d> GroundFromPixel(const Eigen::Vector2d& pixel) const;
  bool InImage(const Eigen::Vector2d& pixel) const;

  // Stitches two BGR camera frames (sizes as calibrated) into a BGR panorama
  // of height_px x width_px. Uses the precomputed fixed-point remap tables.
  void Stitch(const cv::Mat& left_bgr, const cv::Mat& right_bgr, cv::Mat* panorama_bgr) const;

  // The source pixel (in camera `camera_index`) sampled for a panorama pixel and
  // its blend weight in [0, 1]; weight 0 when that camera does not contribute.
  double SourceWeight(int camera_index, const Eigen::Vector2d& pixel,
                      Eigen::Vector2d* source_pixel) const;

 private:
  double RowFromElevationFraction(double t) const;
  double ElevationFractionFromRow(double s) const;
  bool SourcePixel(int camera_index, const Eigen::Vector2d& pixel,
                   Eigen::Vector2d* source_pixel) const;

  struct Band {          // columns [col_begin, col_end) to which one camera contributes
    int col_begin = 0, col_end = 0;
    cv::Mat map_xy;      // CV_16SC2, fixed-point remap table (cv::convertMaps)
    cv::Mat map_frac;    // CV_16UC1
  };
  // Columns [begin, end) stitched alike: black (no camera), from one camera, or
  // blended from both where the cameras' bands overlap.
  enum class Source { kNone, kLeft, kRight, kBoth };
  struct Span {
    int begin = 0, end = 0;
    Source source = Source::kNone;
    cv::Mat weight_left, weight_right;  // CV_32FC1, H x (end - begin), kBoth only
  };

  Rig rig_;
  PanoramaOptions options_;
  Eigen::Vector3d center_;
  Band bands_[2];
  std::vector<Span> spans_;  // cover [0, width_px) in order
};

}  // namespace ipt::geometry
