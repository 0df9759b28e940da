// Domain variation for training and evaluation sets (`ipt sim --vary`): real users
// film in many stadiums, so a seed draws what varies between stadiums and matches
// (pitch size, rig height and distance, lens and field of view, how similar the two
// kits are, lighting, shadows, noise, vignetting, codec) from the ranges below.
// Kit colours, body sizes and jersey numbers are already drawn per match seed by
// MakePeople. Everything else (fps, image size, people counts, motion) is the base
// config's.
//
// The rig's aim is not drawn but follows from the drawn geometry: yaw and tilt are
// searched (coarse grid, then refined) to maximize the smallest margin with which
// the pitch is seen (every sample point, feet and head, inside one camera's image);
// a draw whose best aim misses part of the pitch (a narrow lens high above the
// touchline) is drawn again. The panorama's elevation range then follows the rig so
// that the whole pitch stays in it (near touchline to the far corners' heads).
#pragma once

#include <cstdint>
#include <array>
#include <string>
#include <vector>

#include "ipt/sim/config.h"

namespace ipt::sim {

// A closed interval [lo, hi]; values are drawn uniformly from it.
struct Range {
  double lo = 0, hi = 0;
};

struct VariationRanges {
  // Pitch: the Laws of the Game's range for international matches.
  Range pitch_length_m{100, 110};
  Range pitch_width_m{64, 75};
  // Rig mount: a tripod mast on a low stand (6 m) to a gantry or roof (14 m),
  // right at the touchline (2 m) to behind a running track (15 m).
  Range rig_height_m{6, 14};
  Range behind_touchline_m{2, 15};
  // Lens: equidistant fisheye or pinhole with barrel distortion (wide action cameras).
  double fisheye_probability = 0.5;
  Range fisheye_fov_deg{105, 135};       // horizontal, full
  Range fisheye_k1{-0.03, 0.05};         // k2 a fifth of k1's range; k3, k4 smaller still
  Range pinhole_fov_deg{95, 125};
  Range pinhole_k1{-0.35, -0.05};        // barrel
  Range pinhole_k2{0.0, 0.12};
  Range pinhole_p{-0.001, 0.001};        // p1, p2 (decentring)
  // Camera image sizes (width, height), drawn uniformly: HD and full HD. Jersey
  // numbers are legible (>= 9 px) in only ~0.4 % of HD rows, so full HD doubles as
  // the data that teaches numbers.
  std::vector<std::array<int, 2>> image_sizes_px{{1280, 720}, {1920, 1080}};
  // Yaw is searched within this range (tilt within [0, 89] degrees).
  Range yaw_deg{20, 70};
  // Kits: 0 contrasting .. 0.8 close colours (shorts and socks shared above 0.5).
  Range kit_similarity{0.0, 0.8};
  // Light and sensor.
  Range lighting_amplitude{0.0, 0.25};   // clouds; 0 = floodlit night match
  Range lighting_period_s{10, 60};
  Range sun_azimuth_deg{-180, 180};
  Range sun_elevation_deg{15, 70};
  Range shadow_strength{0.1, 0.7};
  Range noise_sigma{1, 6};               // 8-bit grey levels
  Range vignetting{0.0, 0.4};
  // Codecs, drawn uniformly; avc1 (H.264) is written by OpenCV's FFmpeg backend
  // when FFmpeg has an H.264 encoder (libx264), as in IPT's build.
  std::vector<std::string> codecs{"mp4v", "avc1"};
  void Check() const;
};

// Coverage search and acceptance.
constexpr double kCoverageGridM = 5.0;          // pitch sample spacing (boundary and halfway line)
constexpr double kCoverageHeadM = 2.0;          // a head above every sample point must be seen too
constexpr double kMinCoverageMarginPx = 8.0;    // inside the image by at least this much
constexpr int kMaxVariationDraws = 200;         // rig draws before giving up (never reached in tests)
// Panorama: bottom row this far below the nearest touchline point, top row this far
// above the tallest head at the far corners.
constexpr double kPanoramaBottomMarginDeg = 3.0;
constexpr double kPanoramaTopMarginDeg = 1.5;
constexpr double kPanoramaMinElevationDeg = -89.0;

// The config of the stadium and match drawn for `seed`: deterministic for (base,
// seed, ranges). The draw uses its own random stream, independent of the one
// SimulateMatch(config, seed, ...) uses for people and motion. The result passes
// SimConfig::Check(). Throws ipt::Error for invalid ranges or base config.
SimConfig Vary(const SimConfig& base, uint64_t seed, const VariationRanges& ranges = {});

// Smallest margin (px; negative when outside) with which the rig sees the pitch:
// every sample point (pitch boundary and halfway line every kCoverageGridM) must
// have its foot and a head kCoverageHeadM above it inside one camera's image; a
// point's margin is its best camera's. `grid_m` = 0 uses kCoverageGridM.
double PitchCoverageMarginPx(const SimConfig& config, double grid_m = 0);

// One line for logs: "pitch 104x70 m; rig 9.3 m high 7.1 m behind; fisheye 121 deg ...".
std::string DescribeVariation(const SimConfig& config);

}  // namespace ipt::sim
