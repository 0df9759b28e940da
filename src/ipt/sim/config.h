// Configuration of the synthetic match renderer. Every field has a default
// (written out with comments in configs/sim_default.yaml); a YAML config given
// to `ipt sim --config` overrides any subset of them, and unknown keys are errors.
#pragma once

#include <filesystem>
#include <string>

#include "ipt/geometry/panorama.h"
#include "ipt/geometry/rig.h"

namespace ipt::sim {

struct PeopleOptions {
  static constexpr int kMaxSubstitutionsPerTeam = 5;  // the Laws of the Game's most
  int players_per_team = 11;      // on the pitch, goalkeeper included
  int bench_per_team = 5;         // roster entries who start on the bench (identity distractors)
  int substitutions_per_team = 0; // bench players who come on for an outfield starter
  int referees = 3;               // 1 = referee only; 2..3 adds assistants on the touchlines
  double min_height_m = 1.65;     // body heights are uniform in [min, max]
  double max_height_m = 1.95;
  double kit_similarity = 0.0;    // 0: contrasting team shirts .. 1: nearly the same colour
  void Check() const;
};

struct MotionOptions {
  double max_speed_mps = 8.0;          // top sprint speed (individual speeds are 85-100 % of it)
  double max_accel_mps2 = 4.0;         // limits acceleration, braking and turning
  double max_turn_rate_deg_s = 400.0;  // body orientation turn rate
  double jog_speed_mps = 3.0;          // speed when returning to a formation slot
  double pass_interval_s = 2.5;        // mean time a player keeps the ball
  double pass_speed_mps = 15.0;        // ball speed of a pass
  double shot_probability_per_s = 0.25;  // per second, once within shooting range
  double shooting_range_m = 25.0;
  double corner_probability = 0.5;     // ball over the goal line: corner, otherwise goal kick
  double set_piece_duration_s = 6.0;   // players gather before a corner / throw-in is taken
  int pressing_players = 2;            // per team, the nearest players chase a loose ball
  double formation_follow = 0.55;      // how far a team's block shifts with the ball (0..1)
  void Check() const;
};

struct RenderOptions {
  double noise_sigma = 3.0;              // sensor noise, grey levels (8-bit)
  double lighting_amplitude = 0.12;      // relative brightness change (clouds), 0 = constant
  double lighting_period_s = 23.0;       // period of the brightness change
  double sun_azimuth_deg = 35.0;         // shadows: sun direction in the pitch plane from +x
  double sun_elevation_deg = 38.0;       // shadow length = height / tan(elevation)
  double shadow_strength = 0.45;         // 0 = no shadows, 1 = black shadows
  double vignetting = 0.25;              // brightness loss in the image corners
  std::string codec = "mp4v";            // video FourCC (mp4v fast; avc1 = H.264)
  void Check() const;
};

// Check() bounds every field (ranges in configs/sim_default.yaml); whatever it
// accepts renders (tested over random configs in checked_configs_render_test.cc).
struct SimConfig {
  static constexpr double kMinFps = 1.0;
  static constexpr double kMaxFps = 120.0;  // below limits::kMaxFps
  static constexpr double kMaxPitchLengthM = 150.0, kMaxPitchWidthM = 100.0;

  double fps = 25.0;
  geometry::PitchDims pitch;
  geometry::RigOptions rig;
  geometry::PanoramaOptions panorama;
  PeopleOptions people;
  MotionOptions motion;
  RenderOptions render;
  void Check() const;
};

// Defaults overridden by the YAML file; throws InputError (file, line, field).
SimConfig LoadSimConfig(const std::filesystem::path& path);

}  // namespace ipt::sim
