#include "ipt/detector/heatmap.h"

#include <algorithm>
#include <cmath>

#include "ipt/util/check.h"

namespace ipt::detector {

namespace {
// Gaussians are cut at this many sigmas (their value there is exp(-4.5) = 0.011).
constexpr double kGaussianCutSigmas = 3.0;
}  // namespace

void HeatmapOptions::Check() const {
  IPT_CHECK(stride >= 1 && stride <= 32, "heatmap stride must be in [1, 32] (got {})", stride);
  IPT_CHECK(std::isfinite(sigma_cells) && sigma_cells > 0 && sigma_cells <= 10, "sigma_cells must be in (0, 10]");
  IPT_CHECK(peak_threshold > 0 && peak_threshold < 1, "peak_threshold must be in (0, 1)");
  IPT_CHECK(nms_kernel >= 1 && nms_kernel <= 15 && nms_kernel % 2 == 1, "nms_kernel must be odd, 1..15");
  IPT_CHECK(max_peaks >= 1 && max_peaks <= 10000, "max_peaks must be in [1, 10000]");
}

HeatmapTargets MakeHeatmapTargets(const std::vector<Eigen::Vector2d>& points_px, int grid_h, int grid_w,
                                  const HeatmapOptions& options) {
  HeatmapTargets t;
  t.grid_h = grid_h;
  t.grid_w = grid_w;
  t.heat.assign(static_cast<size_t>(grid_h) * grid_w, 0.0f);
  const int radius = static_cast<int>(std::ceil(kGaussianCutSigmas * options.sigma_cells));
  for (const auto& p : points_px) {
    const double gx = (p.x() + 0.5) / options.stride, gy = (p.y() + 0.5) / options.stride;
    const int c = static_cast<int>(std::floor(gx)), r = static_cast<int>(std::floor(gy));
    if (c < 0 || r < 0 || c >= grid_w || r >= grid_h) continue;
    t.cells.push_back(static_cast<int64_t>(r) * grid_w + c);
    t.offsets.push_back(static_cast<float>(gx - c));
    t.offsets.push_back(static_cast<float>(gy - r));
    // Centred on the point's cell (as CenterNet), so the cell itself gets exactly 1.
    for (int y = std::max(0, r - radius); y <= std::min(grid_h - 1, r + radius); ++y) {
      for (int x = std::max(0, c - radius); x <= std::min(grid_w - 1, c + radius); ++x) {
        const double d2 = static_cast<double>((x - c) * (x - c) + (y - r) * (y - r));
        float& cell = t.heat[static_cast<size_t>(y) * grid_w + x];
        cell = std::max(cell, static_cast<float>(std::exp(-d2 / (2 * options.sigma_cells * options.sigma_cells))));
      }
    }
  }
  return t;
}

std::vector<HeatmapPeak> FindPeaks(const float* heat, const float* offset_x, const float* offset_y, int grid_h,
                                   int grid_w, const HeatmapOptions& options) {
  const int half = options.nms_kernel / 2;
  std::vector<HeatmapPeak> peaks;
  for (int r = 0; r < grid_h; ++r) {
    for (int c = 0; c < grid_w; ++c) {
      const float v = heat[static_cast<size_t>(r) * grid_w + c];
      if (!(v >= options.peak_threshold)) continue;  // also drops NaN (a diverged network)
      bool is_max = true;
      for (int y = std::max(0, r - half); y <= std::min(grid_h - 1, r + half) && is_max; ++y) {
        for (int x = std::max(0, c - half); x <= std::min(grid_w - 1, c + half); ++x) {
          // Ties go to the first cell in row-major order, so a plateau yields one peak.
          const float w = heat[static_cast<size_t>(y) * grid_w + x];
          if (w > v || (w == v && (y < r || (y == r && x < c)))) {
            is_max = false;
            break;
          }
        }
      }
      if (!is_max) continue;
      const size_t i = static_cast<size_t>(r) * grid_w + c;
      HeatmapPeak p;
      p.pixel = Eigen::Vector2d((c + offset_x[i]) * options.stride - 0.5, (r + offset_y[i]) * options.stride - 0.5);
      p.score = v;
      peaks.push_back(p);
    }
  }
  std::stable_sort(peaks.begin(), peaks.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  if (static_cast<int>(peaks.size()) > options.max_peaks) peaks.resize(options.max_peaks);
  return peaks;
}

std::vector<Detection> LiftToPitch(const std::vector<HeatmapPeak>& peaks, const geometry::Panorama& panorama) {
  std::vector<Detection> out;
  out.reserve(peaks.size());
  for (const auto& p : peaks) {
    auto ground = panorama.GroundFromPixel(p.pixel);
    if (!ground) continue;
    out.push_back({*ground, p.score, p.pixel});
  }
  return out;
}

}  // namespace ipt::detector
