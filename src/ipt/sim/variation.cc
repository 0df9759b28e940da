#include "ipt/sim/variation.h"

#include "ipt/util/limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ipt/geometry/rig.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/random.h"
#include "ipt/util/units.h"

namespace ipt::sim {
namespace {

// The variation's own random stream: Rng(seed) is the match's (people, motion).
constexpr uint64_t kVariationStream = 0x9E3779B97F4A7C15ULL;
// Yaw / tilt search: a coarse grid, then a finer one around its best.
constexpr double kCoarseStepDeg = 2.0, kFineStepDeg = 0.5;
constexpr double kMaxTiltDeg = 89.0;
// Margin of a point behind a lens (it has no pixel).
constexpr double kBehindLensMarginPx = -1e6;
// Distortion draws per lens before the lens is drawn again.
constexpr int kMaxDistortionDraws = 20;

double Draw(Rng& rng, const Range& r) { return rng.Uniform(r.lo, r.hi); }

double BorderMargin(const geometry::Camera& camera, const std::optional<Eigen::Vector2d>& p) {
  if (!p || !p->allFinite()) return kBehindLensMarginPx;
  const auto& in = camera.intrinsics();
  return std::min({p->x() + 0.5, p->y() + 0.5, in.width_px - 0.5 - p->x(), in.height_px - 0.5 - p->y()});
}

// Pitch boundary and halfway line, every grid_m (corners included).
std::vector<Eigen::Vector2d> PitchSamples(const geometry::PitchDims& pitch, double grid_m) {
  std::vector<Eigen::Vector2d> points;
  auto along = [&](Eigen::Vector2d a, Eigen::Vector2d b) {
    const int n = std::max(1, static_cast<int>(std::ceil((b - a).norm() / grid_m)));
    for (int k = 0; k <= n; ++k) points.push_back(a + (b - a) * (static_cast<double>(k) / n));
  };
  const double L = pitch.length_m, W = pitch.width_m;
  along({0, 0}, {L, 0});
  along({0, W}, {L, W});
  along({0, 0}, {0, W});
  along({L, 0}, {L, W});
  along({L / 2, 0}, {L / 2, W});
  return points;
}

double CoverageMargin(const geometry::Rig& rig, const std::vector<Eigen::Vector2d>& samples) {
  double worst = std::numeric_limits<double>::infinity();
  for (const auto& p : samples) {
    double best = -std::numeric_limits<double>::infinity();
    for (const auto& camera : rig.cameras) {
      const double foot = BorderMargin(camera, camera.PixelFromPitch(geometry::PitchPoint(p)));
      const double head = BorderMargin(camera, camera.PixelFromPitch(geometry::PitchPoint(p, kCoverageHeadM)));
      best = std::max(best, std::min(foot, head));
    }
    worst = std::min(worst, best);
  }
  return worst;
}

double MarginWithAim(geometry::RigOptions rig, double yaw_deg, double tilt_deg, const geometry::PitchDims& pitch,
                     const std::vector<Eigen::Vector2d>& samples) {
  rig.yaw_deg = yaw_deg;
  rig.tilt_down_deg = tilt_deg;
  return CoverageMargin(geometry::MakeDefaultRig(rig, pitch), samples);
}

// Sets rig->yaw_deg / tilt_down_deg to the aim that sees the pitch with the largest
// smallest margin; returns that margin.
double AimRig(const VariationRanges& ranges, const geometry::PitchDims& pitch, geometry::RigOptions* rig) {
  const auto samples = PitchSamples(pitch, kCoverageGridM);
  double best = -std::numeric_limits<double>::infinity(), best_yaw = ranges.yaw_deg.lo, best_tilt = 0;
  auto consider = [&](double yaw, double tilt) {
    yaw = std::clamp(yaw, ranges.yaw_deg.lo, ranges.yaw_deg.hi);
    tilt = std::clamp(tilt, 0.0, kMaxTiltDeg);
    const double margin = MarginWithAim(*rig, yaw, tilt, pitch, samples);
    if (margin > best) best = margin, best_yaw = yaw, best_tilt = tilt;
  };
  for (double yaw = ranges.yaw_deg.lo; yaw <= ranges.yaw_deg.hi + 1e-9; yaw += kCoarseStepDeg) {
    for (double tilt = 0; tilt <= kMaxTiltDeg + 1e-9; tilt += kCoarseStepDeg) consider(yaw, tilt);
  }
  const double yaw0 = best_yaw, tilt0 = best_tilt;
  for (double dy = -kCoarseStepDeg; dy <= kCoarseStepDeg + 1e-9; dy += kFineStepDeg) {
    for (double dt = -kCoarseStepDeg; dt <= kCoarseStepDeg + 1e-9; dt += kFineStepDeg) consider(yaw0 + dy, tilt0 + dt);
  }
  rig->yaw_deg = best_yaw;
  rig->tilt_down_deg = best_tilt;
  return best;
}

// A lens drawn from the ranges that RigOptions::Check accepts (the distortion maps
// the field of view one-to-one); false when kMaxDistortionDraws draws all fold back.
bool DrawLens(Rng& rng, const VariationRanges& r, geometry::RigOptions* rig) {
  const auto& size = r.image_sizes_px[rng.UniformInt(0, static_cast<int>(r.image_sizes_px.size()) - 1)];
  rig->image_width_px = size[0];
  rig->image_height_px = size[1];
  const bool fisheye = rng.Bernoulli(r.fisheye_probability);
  rig->lens = fisheye ? geometry::LensModel::kFisheye : geometry::LensModel::kPinholeRadTan;
  rig->horizontal_fov_deg = Draw(rng, fisheye ? r.fisheye_fov_deg : r.pinhole_fov_deg);
  for (int k = 0; k < kMaxDistortionDraws; ++k) {
    if (fisheye) {
      const double k1 = Draw(rng, r.fisheye_k1);
      const double k2 = Draw(rng, {r.fisheye_k1.lo / 5, r.fisheye_k1.hi / 5});
      rig->distortion = {k1, k2, 0, 0, 0};
    } else {
      rig->distortion = {Draw(rng, r.pinhole_k1), Draw(rng, r.pinhole_k2), Draw(rng, r.pinhole_p),
                         Draw(rng, r.pinhole_p), 0};
    }
    try {
      rig->Check();
      return true;
    } catch (const Error&) {
    }
  }
  return false;
}

// Panorama rows from just below the nearest touchline point to just above the
// tallest heads at the far corners (the highest pitch points in the panorama).
void FitPanorama(const SimConfig& c, geometry::PanoramaOptions* p) {
  const double h = c.rig.height_m, d = c.rig.behind_touchline_m;
  const double nearest_deg = -RadToDeg(std::atan2(h, d));
  const double far_corner_m = std::hypot(0.5 * c.pitch.length_m, c.pitch.width_m + d);
  const double far_head_deg = -RadToDeg(std::atan2(h - c.people.max_height_m, far_corner_m));
  p->elevation_min_deg = std::max(kPanoramaMinElevationDeg, nearest_deg - kPanoramaBottomMarginDeg);
  p->elevation_max_deg = far_head_deg + kPanoramaTopMarginDeg;
}

// Every sample point (foot and head) inside the panorama's azimuth and elevation
// ranges (the formulas of geometry/panorama.h, around the rig centre).
bool PanoramaHoldsPitch(const SimConfig& c) {
  const Eigen::Vector3d center = geometry::MakeDefaultRig(c.rig, c.pitch).center_in_pitch;
  const auto& o = c.panorama;
  for (const auto& p : PitchSamples(c.pitch, kCoverageGridM)) {
    for (double height : {0.0, c.people.max_height_m}) {
      const Eigen::Vector3d d = geometry::PitchPoint(p, height) - center;
      const double azimuth = RadToDeg(std::atan2(d.x(), -d.z()));
      const double elevation = RadToDeg(std::atan2(d.y(), std::hypot(d.x(), d.z())));
      if (azimuth < o.azimuth_min_deg || azimuth > o.azimuth_max_deg || elevation < o.elevation_min_deg ||
          elevation > o.elevation_max_deg) {
        return false;
      }
    }
  }
  return true;
}

void CheckRange(const Range& r, const char* name) {
  IPT_CHECK(std::isfinite(r.lo) && std::isfinite(r.hi) && r.lo <= r.hi, "variation range {} [{}, {}] is invalid",
            name, r.lo, r.hi);
}

}  // namespace

void VariationRanges::Check() const {
  CheckRange(pitch_length_m, "pitch_length_m");
  CheckRange(pitch_width_m, "pitch_width_m");
  CheckRange(rig_height_m, "rig_height_m");
  CheckRange(behind_touchline_m, "behind_touchline_m");
  IPT_CHECK(fisheye_probability >= 0 && fisheye_probability <= 1, "fisheye_probability must be in [0, 1]");
  CheckRange(fisheye_fov_deg, "fisheye_fov_deg");
  CheckRange(fisheye_k1, "fisheye_k1");
  CheckRange(pinhole_fov_deg, "pinhole_fov_deg");
  CheckRange(pinhole_k1, "pinhole_k1");
  CheckRange(pinhole_k2, "pinhole_k2");
  CheckRange(pinhole_p, "pinhole_p");
  CheckRange(yaw_deg, "yaw_deg");
  IPT_CHECK(yaw_deg.lo >= 0 && yaw_deg.hi <= 90, "variation yaw_deg must lie in [0, 90]");
  CheckRange(kit_similarity, "kit_similarity");
  CheckRange(lighting_amplitude, "lighting_amplitude");
  CheckRange(lighting_period_s, "lighting_period_s");
  CheckRange(sun_azimuth_deg, "sun_azimuth_deg");
  CheckRange(sun_elevation_deg, "sun_elevation_deg");
  CheckRange(shadow_strength, "shadow_strength");
  CheckRange(noise_sigma, "noise_sigma");
  CheckRange(vignetting, "vignetting");
  IPT_CHECK(!codecs.empty(), "variation codecs must not be empty");
  IPT_CHECK(!image_sizes_px.empty(), "variation image_sizes_px must not be empty");
  for (const auto& size : image_sizes_px) {
    IPT_CHECK(size[0] >= geometry::RigOptions::kMinImageSidePx && size[1] >= geometry::RigOptions::kMinImageSidePx &&
                  size[0] <= limits::kMaxImageSidePx && size[1] <= limits::kMaxImageSidePx,
              "variation image size {}x{} is outside [{}, {}] px", size[0], size[1],
              geometry::RigOptions::kMinImageSidePx, limits::kMaxImageSidePx);
  }
}

double PitchCoverageMarginPx(const SimConfig& config, double grid_m) {
  return CoverageMargin(geometry::MakeDefaultRig(config.rig, config.pitch),
                        PitchSamples(config.pitch, grid_m > 0 ? grid_m : kCoverageGridM));
}

SimConfig Vary(const SimConfig& base, uint64_t seed, const VariationRanges& ranges) {
  base.Check();
  ranges.Check();
  Rng rng(seed ^ kVariationStream);
  SimConfig c = base;
  c.pitch.length_m = Draw(rng, ranges.pitch_length_m);
  c.pitch.width_m = Draw(rng, ranges.pitch_width_m);
  c.people.kit_similarity = Draw(rng, ranges.kit_similarity);
  auto& r = c.render;
  r.lighting_amplitude = Draw(rng, ranges.lighting_amplitude);
  r.lighting_period_s = Draw(rng, ranges.lighting_period_s);
  r.sun_azimuth_deg = Draw(rng, ranges.sun_azimuth_deg);
  r.sun_elevation_deg = Draw(rng, ranges.sun_elevation_deg);
  r.shadow_strength = Draw(rng, ranges.shadow_strength);
  r.noise_sigma = Draw(rng, ranges.noise_sigma);
  r.vignetting = Draw(rng, ranges.vignetting);
  r.codec = ranges.codecs[rng.UniformInt(0, static_cast<int>(ranges.codecs.size()) - 1)];

  for (int draw = 0; draw < kMaxVariationDraws; ++draw) {
    c.rig.height_m = Draw(rng, ranges.rig_height_m);
    c.rig.behind_touchline_m = Draw(rng, ranges.behind_touchline_m);
    if (!DrawLens(rng, ranges, &c.rig)) continue;
    if (AimRig(ranges, c.pitch, &c.rig) < kMinCoverageMarginPx) continue;
    FitPanorama(c, &c.panorama);
    try {
      c.Check();
    } catch (const Error&) {
      continue;
    }
    if (!PanoramaHoldsPitch(c)) continue;
    return c;
  }
  IPT_THROW("no rig drawn from the variation ranges sees the whole pitch (seed {}, {} draws)", seed,
           kMaxVariationDraws);
}

std::string DescribeVariation(const SimConfig& c) {
  const auto& g = c.rig;
  const auto& r = c.render;
  return fmt::format(
      "pitch {:.1f}x{:.1f} m; rig {:.1f} m high, {:.1f} m behind, {}x{} px, yaw {:.1f}, tilt {:.1f}; {} {:.0f} deg "
      "[{:.3f} {:.3f} {:.4f} {:.4f}]; panorama elevation [{:.1f}, {:.1f}]; kit_similarity {:.2f}; lighting {:.2f}/{:.0f} s; "
      "sun {:.0f}/{:.0f} deg, shadow {:.2f}; noise {:.1f}; vignetting {:.2f}; codec {}",
      c.pitch.length_m, c.pitch.width_m, g.height_m, g.behind_touchline_m, g.image_width_px, g.image_height_px, g.yaw_deg, g.tilt_down_deg,
      geometry::LensModelName(g.lens), g.horizontal_fov_deg, g.distortion[0], g.distortion[1], g.distortion[2],
      g.distortion[3], c.panorama.elevation_min_deg, c.panorama.elevation_max_deg, c.people.kit_similarity,
      r.lighting_amplitude, r.lighting_period_s, r.sun_azimuth_deg, r.sun_elevation_deg, r.shadow_strength,
      r.noise_sigma, r.vignetting, r.codec);
}

}  // namespace ipt::sim
