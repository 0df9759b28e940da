#include "ipt/geometry/panorama.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/units.h"

namespace ipt::geometry {
namespace {
// Map value that makes cv::remap fall back to the constant (black) border.
constexpr float kOutside = -1e5f;
}  // namespace

void PanoramaOptions::Check() const {
  IPT_CHECK(width_px > 0 && height_px > 0, "panorama size {}x{} must be positive", width_px, height_px);
  IPT_CHECK(width_px <= limits::kMaxImageSidePx && height_px <= limits::kMaxImageSidePx &&
                int64_t{width_px} * height_px <= limits::kMaxImagePixels,
            "panorama size {}x{} is larger than ipt handles (at most {} px a side and {} pixels)", width_px,
            height_px, limits::kMaxImageSidePx, limits::kMaxImagePixels);
  IPT_CHECK(azimuth_max_deg > azimuth_min_deg && azimuth_max_deg - azimuth_min_deg < 360,
            "panorama azimuth range [{}, {}] is invalid", azimuth_min_deg, azimuth_max_deg);
  IPT_CHECK(elevation_max_deg > elevation_min_deg && elevation_max_deg < 90 &&
                elevation_min_deg > -90,
            "panorama elevation range [{}, {}] is invalid", elevation_min_deg, elevation_max_deg);
  IPT_CHECK(seam_width_deg >= 0 && seam_width_deg <= 90, "seam_width_deg must be in [0, 90]");
  IPT_CHECK(elevation_compression >= 0 && elevation_compression <= 100,
            "elevation_compression must be in [0, 100]");
  IPT_CHECK(far_distance_m > 0 && far_distance_m <= 1e4, "far_distance_m must be in (0, 10000]");
}

// Row fraction s in [0, 1] <-> elevation fraction t in [0, 1] (see the header).
double Panorama::RowFromElevationFraction(double t) const {
  const double k = options_.elevation_compression;
  if (k == 0) return t;
  double arg = 1 + k * t;
  return arg > 0 ? std::log(arg) / std::log1p(k) : -1e9;  // far above the top row
}

double Panorama::ElevationFractionFromRow(double s) const {
  const double k = options_.elevation_compression;
  if (k == 0) return s;
  return std::expm1(s * std::log1p(k)) / k;
}

Eigen::Vector3d Panorama::RayFromPixel(const Eigen::Vector2d& p) const {
  const auto& o = options_;
  double az = DegToRad(o.azimuth_min_deg + (p.x() + 0.5) / o.width_px * (o.azimuth_max_deg - o.azimuth_min_deg));
  double t = ElevationFractionFromRow((p.y() + 0.5) / o.height_px);
  double el = DegToRad(o.elevation_max_deg - t * (o.elevation_max_deg - o.elevation_min_deg));
  return {std::cos(el) * std::sin(az), std::sin(el), -std::cos(el) * std::cos(az)};
}

Eigen::Vector2d Panorama::PixelFromRay(const Eigen::Vector3d& ray) const {
  const auto& o = options_;
  double az = RadToDeg(std::atan2(ray.x(), -ray.z()));
  double el = RadToDeg(std::atan2(ray.y(), std::hypot(ray.x(), ray.z())));
  double t = (o.elevation_max_deg - el) / (o.elevation_max_deg - o.elevation_min_deg);
  return {(az - o.azimuth_min_deg) / (o.azimuth_max_deg - o.azimuth_min_deg) * o.width_px - 0.5,
          RowFromElevationFraction(t) * o.height_px - 0.5};
}

std::optional<Eigen::Vector2d> Panorama::PixelFromPitch(const Eigen::Vector3d& point) const {
  Eigen::Vector3d ray = point - center_;
  if (ray.norm() == 0) return std::nullopt;
  return PixelFromRay(ray);
}

std::optional<Eigen::Vector2d> Panorama::GroundFromPixel(const Eigen::Vector2d& pixel) const {
  return IntersectGround(center_, RayFromPixel(pixel));
}

bool Panorama::InImage(const Eigen::Vector2d& p) const {
  return p.x() >= -0.5 && p.y() >= -0.5 && p.x() <= options_.width_px - 0.5 &&
         p.y() <= options_.height_px - 0.5;
}

bool Panorama::SourcePixel(int camera_index, const Eigen::Vector2d& pixel,
                           Eigen::Vector2d* source_pixel) const {
  const Camera& camera = rig_.cameras.at(camera_index);
  Eigen::Vector3d ray = RayFromPixel(pixel);
  // Where this ray's content lives: on the ground, or far away.
  Eigen::Vector3d target = center_ + options_.far_distance_m * ray;
  if (auto ground = IntersectGround(center_, ray);
      ground && (PitchPoint(*ground) - center_).norm() < options_.far_distance_m) {
    target = PitchPoint(*ground);
  }
  auto projected = camera.PixelFromPitch(target);
  if (!projected || !camera.InImage(*projected)) return false;
  *source_pixel = *projected;
  return true;
}

double Panorama::SourceWeight(int camera_index, const Eigen::Vector2d& pixel,
                              Eigen::Vector2d* source_pixel) const {
  Eigen::Vector2d src[2];
  bool valid[2] = {SourcePixel(0, pixel, &src[0]), SourcePixel(1, pixel, &src[1])};
  if (!valid[camera_index]) return 0.0;
  *source_pixel = src[camera_index];
  if (!valid[1 - camera_index]) return 1.0;  // the only camera that sees this ray
  // Both see it: linear ramp across the seam, left 1 -> 0, right 0 -> 1.
  Eigen::Vector3d ray = RayFromPixel(pixel);
  double az = RadToDeg(std::atan2(ray.x(), -ray.z()));
  double half = 0.5 * options_.seam_width_deg;
  double right = half > 0 ? std::clamp((az + half) / (2 * half), 0.0, 1.0) : (az >= 0 ? 1.0 : 0.0);
  return camera_index == 0 ? 1.0 - right : right;
}

Panorama::Panorama(const Rig& rig, const PanoramaOptions& options)
    : rig_(rig), options_(options), center_(rig.center_in_pitch) {
  options_.Check();
  IPT_CHECK(rig.cameras.size() == 2, "panorama needs a two-camera rig");
  const int w = options_.width_px, h = options_.height_px;
  cv::Mat map_x[2], map_y[2], weight[2];  // per camera, over the full panorama
  for (int c = 0; c < 2; ++c) {
    map_x[c].create(h, w, CV_32FC1);
    map_y[c].create(h, w, CV_32FC1);
    weight[c].create(h, w, CV_32FC1);
  }
  cv::parallel_for_(cv::Range(0, h), [&](const cv::Range& rows) {
    for (int v = rows.start; v < rows.end; ++v) {
      for (int u = 0; u < w; ++u) {
        for (int c = 0; c < 2; ++c) {
          Eigen::Vector2d src;
          double wc = SourceWeight(c, Eigen::Vector2d(u, v), &src);
          map_x[c].at<float>(v, u) = wc > 0 ? static_cast<float>(src.x()) : kOutside;
          map_y[c].at<float>(v, u) = wc > 0 ? static_cast<float>(src.y()) : kOutside;
          weight[c].at<float>(v, u) = static_cast<float>(wc);
        }
      }
    }
  });
  // Column bands: camera c contributes to the columns where any weight > 0.
  for (int c = 0; c < 2; ++c) {
    int first = w, last = -1;
    for (int u = 0; u < w; ++u) {
      if (cv::countNonZero(weight[c].col(u)) > 0) {
        first = std::min(first, u);
        last = u;
      }
    }
    if (last < 0) continue;  // this camera sees none of the panorama: its columns stay black
    Band& band = bands_[c];
    band.col_begin = first;
    band.col_end = last + 1;
    cv::Rect roi(first, 0, last + 1 - first, h);
    cv::convertMaps(map_x[c](roi), map_y[c](roi), band.map_xy, band.map_frac, CV_16SC2);
  }
  // Spans of columns covered by neither band, one, or both (then blended).
  auto source_of = [&](int u) {
    const bool left = u >= bands_[0].col_begin && u < bands_[0].col_end;
    const bool right = u >= bands_[1].col_begin && u < bands_[1].col_end;
    return left && right ? Source::kBoth : left ? Source::kLeft : right ? Source::kRight : Source::kNone;
  };
  for (int u = 0; u < w;) {
    Span span;
    span.begin = u;
    span.source = source_of(u);
    while (u < w && source_of(u) == span.source) ++u;
    span.end = u;
    if (span.source == Source::kBoth) {
      const cv::Rect cols(span.begin, 0, span.end - span.begin, h);
      span.weight_left = weight[0](cols).clone();
      span.weight_right = weight[1](cols).clone();
    }
    spans_.push_back(std::move(span));
  }
}

void Panorama::Stitch(const cv::Mat& left, const cv::Mat& right, cv::Mat* panorama) const {
  const cv::Mat* frames[2] = {&left, &right};
  for (int c = 0; c < 2; ++c) {
    const auto& in = rig_.cameras[c].intrinsics();
    IPT_CHECK(frames[c]->cols == in.width_px && frames[c]->rows == in.height_px &&
                  frames[c]->type() == CV_8UC3,
              "camera '{}' frame is {}x{} type {}, calibration says {}x{} BGR",
              rig_.cameras[c].name(), frames[c]->cols, frames[c]->rows, frames[c]->type(),
              in.width_px, in.height_px);
  }
  panorama->create(options_.height_px, options_.width_px, CV_8UC3);
  // Single-camera spans are remapped straight into the panorama (no temporaries:
  // large per-frame allocations cost more than the copy).
  auto remap = [&](int c, const Span& span, cv::Mat* dst) {
    const Band& band = bands_[c];
    const cv::Range cols(span.begin - band.col_begin, span.end - band.col_begin);
    cv::remap(*frames[c], *dst, band.map_xy.colRange(cols), band.map_frac.colRange(cols), cv::INTER_LINEAR,
              cv::BORDER_CONSTANT);
  };
  for (const Span& span : spans_) {
    cv::Mat dst = panorama->colRange(span.begin, span.end);
    switch (span.source) {
      case Source::kNone:
        dst.setTo(cv::Scalar::all(0));
        break;
      case Source::kLeft:
      case Source::kRight:
        remap(span.source == Source::kLeft ? 0 : 1, span, &dst);
        break;
      case Source::kBoth: {
        cv::Mat part[2];
        remap(0, span, &part[0]);
        remap(1, span, &part[1]);
        cv::blendLinear(part[0], part[1], span.weight_left, span.weight_right, dst);
        break;
      }
    }
  }
}

}  // namespace ipt::geometry
