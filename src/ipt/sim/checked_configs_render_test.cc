// Every config that SimConfig::Check accepts must simulate and render (issue 7:
// a valid wide pinhole rig aborted the renderer in cv::line). Configs are drawn
// at random (fixed seeds) across the ranges documented in configs/sim_default.yaml,
// ends of the ranges included, with tiny images and two frames so that hundreds
// run in seconds.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ipt/geometry/pitch_layout.h"
#include "ipt/io/match_dir.h"
#include "ipt/sim/renderer.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/sim/variation.h"
#include "ipt/util/check.h"
#include "ipt/util/random.h"
#include "ipt/util/test_util.h"

namespace ipt::sim {
namespace {
namespace fs = std::filesystem;

constexpr int kConfigs = 150;
constexpr int kFrames = 2;

// Uniform in [lo, hi], and exactly lo or hi one time in ten each: the ends of a
// range are where renderers break.
double Pick(Rng& rng, double lo, double hi) {
  const double u = rng.Uniform();
  if (u < 0.1) return lo;
  if (u < 0.2) return hi;
  return rng.Uniform(lo, hi);
}
int PickInt(Rng& rng, int lo, int hi) { return rng.UniformInt(lo, hi); }

SimConfig RandomConfig(Rng& rng) {
  namespace pitch = geometry::pitch;
  SimConfig c;
  c.fps = Pick(rng, SimConfig::kMinFps, SimConfig::kMaxFps);
  c.pitch.length_m = Pick(rng, pitch::kMinLengthM, SimConfig::kMaxPitchLengthM);
  c.pitch.width_m = Pick(rng, pitch::kMinWidthM, SimConfig::kMaxPitchWidthM);

  auto& r = c.rig;
  r.height_m = Pick(rng, 1, 100);
  r.behind_touchline_m = Pick(rng, 0, 100);
  r.baseline_m = Pick(rng, 0, 5);
  r.yaw_deg = Pick(rng, 0, 90);
  r.tilt_down_deg = Pick(rng, 0, 90);
  r.image_width_px = 2 * PickInt(rng, geometry::RigOptions::kMinImageSidePx / 2, 20);  // even
  r.image_height_px = 2 * PickInt(rng, geometry::RigOptions::kMinImageSidePx / 2, 20);
  r.lens = rng.Bernoulli(0.5) ? geometry::LensModel::kFisheye : geometry::LensModel::kPinholeRadTan;
  const double max_fov = r.lens == geometry::LensModel::kFisheye ? 200 : 170;
  r.horizontal_fov_deg = rng.Uniform(10, max_fov);  // open range
  // Coefficients of all magnitudes up to the bound (most lenses are nearly ideal).
  const double scale = geometry::RigOptions::kMaxAbsDistortion * std::pow(10.0, rng.Uniform(-4, 0));
  for (double& d : r.distortion) d = rng.Bernoulli(0.2) ? 0.0 : rng.Uniform(-scale, scale);
  if (r.lens == geometry::LensModel::kFisheye) r.distortion[4] = 0;

  auto& p = c.panorama;
  p.width_px = 2 * PickInt(rng, 1, 24);  // even
  p.height_px = 2 * PickInt(rng, 1, 12);
  p.azimuth_min_deg = Pick(rng, -180, 179);
  p.azimuth_max_deg = p.azimuth_min_deg + rng.Uniform(0.01, 359.99);
  p.elevation_min_deg = rng.Uniform(-89.99, 89);
  p.elevation_max_deg = rng.Uniform(p.elevation_min_deg + 0.01, 89.99);
  p.elevation_compression = Pick(rng, 0, 100);
  p.seam_width_deg = Pick(rng, 0, 90);
  p.far_distance_m = Pick(rng, 1, 1e4);

  auto& people = c.people;
  people.players_per_team = PickInt(rng, 1, 11);
  people.bench_per_team = PickInt(rng, 0, 30);
  people.referees = PickInt(rng, 0, 3);
  people.min_height_m = rng.Uniform(1.01, 2.49);
  people.max_height_m = Pick(rng, people.min_height_m, 2.49);
  people.kit_similarity = Pick(rng, 0, 1);
  people.substitutions_per_team = PickInt(rng, 0, 5);

  auto& m = c.motion;
  m.max_speed_mps = Pick(rng, 0.01, 11);
  m.max_accel_mps2 = Pick(rng, 0.01, 20);
  m.max_turn_rate_deg_s = Pick(rng, 0.01, 3600);
  m.jog_speed_mps = Pick(rng, 0.001, m.max_speed_mps);
  m.pass_interval_s = Pick(rng, 0.01, 60);
  m.pass_speed_mps = Pick(rng, 0.01, 40);
  m.shot_probability_per_s = Pick(rng, 0, 10);
  m.shooting_range_m = Pick(rng, 0, 60);
  m.corner_probability = Pick(rng, 0, 1);
  m.set_piece_duration_s = Pick(rng, 0, 60);
  m.pressing_players = PickInt(rng, 0, 5);
  m.formation_follow = Pick(rng, 0, 1);

  auto& o = c.render;
  o.noise_sigma = Pick(rng, 0, 50);
  o.lighting_amplitude = rng.Uniform(0, 0.999);
  o.lighting_period_s = Pick(rng, 1, 3600);
  o.sun_azimuth_deg = Pick(rng, -360, 360);
  o.sun_elevation_deg = rng.Uniform(5.01, 90);
  o.shadow_strength = Pick(rng, 0, 1);
  o.vignetting = rng.Uniform(0, 0.999);
  return c;
}

// Enough to rebuild a failing config by hand.
std::string Describe(const SimConfig& c) {
  const auto& r = c.rig;
  const auto& p = c.panorama;
  return fmt::format(
      "fps {} pitch {}x{}; rig height {} behind {} baseline {} yaw {} tilt {} image {}x{} lens {} fov {} "
      "distortion [{}, {}, {}, {}, {}]; panorama {}x{} azimuth [{}, {}] elevation [{}, {}] k {} seam {} far {}",
      c.fps, c.pitch.length_m, c.pitch.width_m, r.height_m, r.behind_touchline_m, r.baseline_m, r.yaw_deg,
      r.tilt_down_deg, r.image_width_px, r.image_height_px, geometry::LensModelName(r.lens), r.horizontal_fov_deg,
      r.distortion[0], r.distortion[1], r.distortion[2], r.distortion[3], r.distortion[4], p.width_px, p.height_px,
      p.azimuth_min_deg, p.azimuth_max_deg, p.elevation_min_deg, p.elevation_max_deg, p.elevation_compression,
      p.seam_width_deg, p.far_distance_m);
}

// A config Check() accepts, drawn from the documented ranges (rejection sampling:
// some combinations, such as a field of view wider than the distortion maps, are refused).
SimConfig RandomCheckedConfig(Rng& rng) {
  for (;;) {
    SimConfig c = RandomConfig(rng);
    try {
      c.Check();
      return c;
    } catch (const Error&) {
    }
  }
}

void SimulateAndRender(const SimConfig& config, uint64_t seed) {
  const SyntheticMatch m = SimulateMatch(config, seed, kFrames / config.fps);
  ASSERT_EQ(m.frames.size(), static_cast<size_t>(kFrames));
  for (const auto& entry : m.info.cameras) {
    const auto& in = entry.camera.intrinsics();
    CameraRenderer renderer(entry.camera, config.pitch, config.render, seed);
    cv::Mat image;
    for (int f = 0; f < kFrames; ++f) {
      renderer.Render(m.frames[f], m.people.on_pitch, f / config.fps, &image);
      ASSERT_EQ(image.size(), cv::Size(in.width_px, in.height_px));
      ASSERT_EQ(image.type(), CV_8UC3);
    }
  }
}

TEST(CheckedConfigs, EveryConfigThatPassesCheckRenders) {
  int rendered = 0;
  for (uint64_t seed = 0; seed < kConfigs; ++seed) {
    Rng rng(seed);
    const SimConfig config = RandomCheckedConfig(rng);
    try {
      SimulateAndRender(config, seed);
      ++rendered;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\n  config: " << Describe(config);
    }
  }
  EXPECT_EQ(rendered, kConfigs);
}

// The whole path for a few: the match directory is written (videos included) and
// reads back (io::OpenMatchDir checks the videos' sizes against the calibration).
TEST(CheckedConfigs, EveryConfigThatPassesCheckWritesAReadableMatch) {
  const fs::path root = testing::FreshTempDir("checked_configs");
  for (uint64_t seed = 0; seed < 4; ++seed) {
    Rng rng(500 + seed);
    const SimConfig config = RandomCheckedConfig(rng);
    const fs::path out = root / std::to_string(seed);
    try {
      WriteSyntheticMatch(config, seed, 1 / config.fps, out, {});
      const io::MatchDir match = io::OpenMatchDir(out);
      EXPECT_EQ(match.info.frame_count, 1);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\n  config: " << Describe(config);
    }
  }
  fs::remove_all(root);
}

// The config family (pinhole, wide field of view, barrel distortion, high
// rig), denser than the sampler above reaches it.
TEST(CheckedConfigs, WidePinholeBarrelHighRigsRender) {
  int tried = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Rng rng(1000 + seed);
    SimConfig config = RandomCheckedConfig(rng);
    config.rig.lens = geometry::LensModel::kPinholeRadTan;
    config.rig.height_m = rng.Uniform(30, 100);
    config.rig.horizontal_fov_deg = rng.Uniform(120, 169.9);
    config.rig.distortion = {rng.Uniform(-0.3, 0), rng.Uniform(-0.05, 0.05), rng.Uniform(-0.02, 0.02),
                             rng.Uniform(-0.02, 0.02), rng.Uniform(-0.05, 0.05)};
    try {
      config.Check();
    } catch (const Error&) {
      continue;  // folds back inside the field of view: refused, fine
    }
    ++tried;
    try {
      SimulateAndRender(config, seed);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\n  config: " << Describe(config);
    }
  }
  EXPECT_GT(tried, 10);
}

// `ipt sim --vary`: the configs Vary draws pass Check (Vary checks) and render, and
// both of its codecs write a match that reads back.
TEST(CheckedConfigs, VariedConfigsRender) {
  SimConfig base;
  base.panorama.width_px = 64;  // the panorama's remap tables dominate otherwise
  base.panorama.height_px = 32;
  // Vary draws the image size too (HD or full HD): small ones of the same shape here, as
  // full HD took 4 minutes under ASan (the CI's sanitizer pass). Lens, rig and aim, what
  // breaks renderers, come from the same ranges; the coverage margin, in pixels, is
  // stricter on small images, so a seed may draw another rig than `ipt sim --vary` does.
  VariationRanges ranges;
  ranges.image_sizes_px = {{320, 180}, {480, 270}};
  for (uint64_t seed = 0; seed < 8; ++seed) {
    const SimConfig config = Vary(base, seed, ranges);
    try {
      SimulateAndRender(config, seed);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\n  config: " << DescribeVariation(config);
    }
  }
  const fs::path root = testing::FreshTempDir("varied_configs");
  for (const std::string& codec : ranges.codecs) {
    SimConfig config = Vary(base, 1, ranges);
    config.render.codec = codec;
    const fs::path out = root / codec;
    EXPECT_NO_THROW(WriteSyntheticMatch(config, 1, 2 / config.fps, out, {})) << codec;
    EXPECT_EQ(io::OpenMatchDir(out).info.frame_count, 2) << codec;
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace ipt::sim
