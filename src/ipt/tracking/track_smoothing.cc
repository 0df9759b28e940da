#include "ipt/tracking/track_smoothing.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {
namespace {

// Longest sigma accepted: 100 frames (4 s at 25 fps) already averages a sprint away.
constexpr double kMaxSigmaFrames = 100.0;

// Positions of one track's rows (sorted by frame) smoothed by the local linear fit.
void SmoothTrack(std::vector<eval::PipelineRow*>& track, double sigma_frames) {
  if (sigma_frames <= 0 || track.size() < 2) return;
  const int reach_frames = static_cast<int>(std::floor(kWindowSigmas * sigma_frames));
  const double inv_two_var = 1.0 / (2.0 * sigma_frames * sigma_frames);
  std::vector<double> x(track.size()), z(track.size());
  for (size_t i = 0; i < track.size(); ++i) {
    x[i] = track[i]->x_m;
    z[i] = track[i]->z_m;
  }
  size_t lo = 0;
  for (size_t i = 0; i < track.size(); ++i) {
    const int t0 = track[i]->frame;
    while (track[lo]->frame < t0 - reach_frames) ++lo;
    // Weighted sums over the window, time measured from t0.
    double s0 = 0, s1 = 0, s2 = 0, sx = 0, sz = 0, stx = 0, stz = 0;
    int in_window = 0;
    for (size_t j = lo; j < track.size() && track[j]->frame <= t0 + reach_frames; ++j) {
      const double dt = track[j]->frame - t0;
      const double w = std::exp(-dt * dt * inv_two_var);
      s0 += w;
      s1 += w * dt;
      s2 += w * dt * dt;
      sx += w * x[j];
      sz += w * z[j];
      stx += w * dt * x[j];
      stz += w * dt * z[j];
      ++in_window;
    }
    // Intercept at dt = 0 of the weighted line fit (two or more frames: det >= w0 w1 > 0);
    // a frame alone in its window keeps its position.
    if (in_window < 2) continue;
    const double det = s0 * s2 - s1 * s1;
    track[i]->x_m = (s2 * sx - s1 * stx) / det;
    track[i]->z_m = (s2 * sz - s1 * stz) / det;
  }
}

}  // namespace

void TrackSmoothingOptions::Check() const {
  IPT_CHECK(std::isfinite(sigma_frames) && sigma_frames >= 0 && sigma_frames <= kMaxSigmaFrames,
            "smooth_sigma_frames must be in [0, {}], got {}", kMaxSigmaFrames, sigma_frames);
  IPT_CHECK(max_filled_gap_frames >= 0 && max_filled_gap_frames <= limits::kMaxFrames,
            "max_filled_gap_frames must be in [0, {}], got {}", limits::kMaxFrames, max_filled_gap_frames);
}

SmoothedTracks SmoothTracks(std::vector<eval::PipelineRow> rows, const TrackSmoothingOptions& options) {
  options.Check();
  SmoothedTracks out;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.track_id, a.frame) < std::tie(b.track_id, b.frame);
  });
  std::vector<eval::PipelineRow> filled;
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin;
    std::vector<eval::PipelineRow*> track;
    for (; end < rows.size() && rows[end].track_id == rows[begin].track_id; ++end) {
      IPT_CHECK(track.empty() || track.back()->frame < rows[end].frame, "SmoothTracks: track {} has two rows in frame {}",
                rows[end].track_id, rows[end].frame);
      track.push_back(&rows[end]);
    }
    SmoothTrack(track, options.sigma_frames);
    for (size_t i = 1; i < track.size(); ++i) {
      const eval::PipelineRow& a = *track[i - 1];
      const eval::PipelineRow& b = *track[i];
      const int missing_frames = b.frame - a.frame - 1;
      if (missing_frames < 1 || missing_frames > options.max_filled_gap_frames) continue;
      for (int f = a.frame + 1; f < b.frame; ++f) {
        const double s = static_cast<double>(f - a.frame) / (b.frame - a.frame);
        eval::PipelineRow r = a;
        r.frame = f;
        r.x_m = a.x_m + s * (b.x_m - a.x_m);
        r.z_m = a.z_m + s * (b.z_m - a.z_m);
        r.score = std::min(a.score, b.score);
        r.line = 0;
        filled.push_back(r);
      }
    }
    begin = end;
  }
  out.filled_rows = static_cast<int64_t>(filled.size());
  rows.reserve(rows.size() + filled.size());  // one allocation: a 90-minute match has millions of rows
  rows.insert(rows.end(), filled.begin(), filled.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.frame, a.track_id) < std::tie(b.frame, b.track_id);
  });
  out.rows = std::move(rows);
  return out;
}

void StrayEndOptions::Check() const {
  IPT_CHECK(max_rows >= 0 && max_rows <= limits::kMaxFrames, "stray_end_max_rows must be in [0, {}], got {}",
            limits::kMaxFrames, max_rows);
  IPT_CHECK(std::isfinite(min_gap_seconds) && min_gap_seconds > 0,
            "stray_end_min_gap_seconds must be > 0, got {}", min_gap_seconds);
}

std::vector<size_t> StrayEndRows(const std::vector<int>& frames, double fps, const StrayEndOptions& options) {
  options.Check();
  IPT_CHECK(std::isfinite(fps) && fps > 0, "fps must be > 0, got {}", fps);
  IPT_ASSERT(std::adjacent_find(frames.begin(), frames.end(), std::greater_equal<int>()) == frames.end());
  std::vector<size_t> stray;
  const size_t n = frames.size();
  const size_t max_rows = static_cast<size_t>(options.max_rows);
  if (!options.enabled() || n <= 2 * max_rows + 1) return stray;
  // A frame difference of exactly min_gap_seconds x fps counts, whatever the rounding.
  const double min_gap_frames = options.min_gap_seconds * fps - limits::kFrameRoundingTolerance;
  // The head: the first k rows, k the first index after which the gap opens.
  for (size_t k = 1; k <= max_rows; ++k) {
    if (frames[k] - frames[k - 1] >= min_gap_frames) {
      for (size_t i = 0; i < k; ++i) stray.push_back(i);
      break;
    }
  }
  std::vector<size_t> tail;
  for (size_t k = 1; k <= max_rows; ++k) {
    if (frames[n - k] - frames[n - k - 1] >= min_gap_frames) {
      for (size_t i = n - k; i < n; ++i) tail.push_back(i);
      break;
    }
  }
  stray.insert(stray.end(), tail.begin(), tail.end());
  return stray;
}

}  // namespace ipt::tracking
