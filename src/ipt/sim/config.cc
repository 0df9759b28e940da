#include "ipt/sim/config.h"

#include <algorithm>
#include <cctype>

#include "ipt/geometry/pitch_layout.h"
#include "ipt/io/match.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::sim {

static_assert(SimConfig::kMaxFps <= limits::kMaxFps);

// Every field has a range (documented in configs/sim_default.yaml): a config that
// passes Check() renders. The comparisons are written so that NaN fails them.

void PeopleOptions::Check() const {
  IPT_CHECK(players_per_team >= 1 && players_per_team <= 11, "people.players_per_team must be in 1..11");
  IPT_CHECK(bench_per_team >= 0 && bench_per_team <= 30, "people.bench_per_team must be in 0..30");
  IPT_CHECK(substitutions_per_team >= 0 && substitutions_per_team <= kMaxSubstitutionsPerTeam &&
                substitutions_per_team <= bench_per_team && substitutions_per_team < players_per_team,
            "people.substitutions_per_team must be in 0..{} and at most bench_per_team and the outfield starters",
            kMaxSubstitutionsPerTeam);
  IPT_CHECK(referees >= 0 && referees <= 3, "people.referees must be in 0..3");
  IPT_CHECK(min_height_m > 1.0 && max_height_m >= min_height_m && max_height_m < 2.5,
            "people heights must satisfy 1.0 < min_height_m <= max_height_m < 2.5");
  IPT_CHECK(kit_similarity >= 0 && kit_similarity <= 1, "people.kit_similarity must be in [0, 1]");
}

void MotionOptions::Check() const {
  IPT_CHECK(max_speed_mps > 0 && max_speed_mps <= 11, "motion.max_speed_mps must be in (0, 11]");
  IPT_CHECK(max_accel_mps2 > 0 && max_accel_mps2 <= 20, "motion.max_accel_mps2 must be in (0, 20]");
  IPT_CHECK(max_turn_rate_deg_s > 0 && max_turn_rate_deg_s <= 3600,
            "motion.max_turn_rate_deg_s must be in (0, 3600]");
  IPT_CHECK(jog_speed_mps > 0 && jog_speed_mps <= max_speed_mps, "motion.jog_speed_mps must be in (0, max_speed_mps]");
  IPT_CHECK(pass_interval_s > 0 && pass_interval_s <= 60, "motion.pass_interval_s must be in (0, 60]");
  IPT_CHECK(pass_speed_mps > 0 && pass_speed_mps <= 40, "motion.pass_speed_mps must be in (0, 40]");
  IPT_CHECK(shot_probability_per_s >= 0 && shot_probability_per_s <= 10,
            "motion.shot_probability_per_s must be in [0, 10]");
  IPT_CHECK(shooting_range_m >= 0 && shooting_range_m <= 60, "motion.shooting_range_m must be in [0, 60]");
  IPT_CHECK(corner_probability >= 0 && corner_probability <= 1, "motion.corner_probability must be in [0, 1]");
  IPT_CHECK(set_piece_duration_s >= 0 && set_piece_duration_s <= 60, "motion.set_piece_duration_s must be in [0, 60]");
  IPT_CHECK(pressing_players >= 0 && pressing_players <= 5, "motion.pressing_players must be in 0..5");
  IPT_CHECK(formation_follow >= 0 && formation_follow <= 1, "motion.formation_follow must be in [0, 1]");
}

void RenderOptions::Check() const {
  IPT_CHECK(noise_sigma >= 0 && noise_sigma <= 50, "render.noise_sigma must be in [0, 50]");
  IPT_CHECK(lighting_amplitude >= 0 && lighting_amplitude < 1, "render.lighting_amplitude must be in [0, 1)");
  IPT_CHECK(lighting_period_s >= 1 && lighting_period_s <= 3600, "render.lighting_period_s must be in [1, 3600]");
  IPT_CHECK(sun_azimuth_deg >= -360 && sun_azimuth_deg <= 360, "render.sun_azimuth_deg must be in [-360, 360]");
  IPT_CHECK(sun_elevation_deg > 5 && sun_elevation_deg <= 90, "render.sun_elevation_deg must be in (5, 90]");
  IPT_CHECK(shadow_strength >= 0 && shadow_strength <= 1, "render.shadow_strength must be in [0, 1]");
  IPT_CHECK(vignetting >= 0 && vignetting < 1, "render.vignetting must be in [0, 1)");
  IPT_CHECK(codec.size() == 4 && std::all_of(codec.begin(), codec.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }),
            "render.codec must be a FourCC of 4 letters or digits such as mp4v, got '{}'", Echo(codec));
}

void SimConfig::Check() const {
  IPT_CHECK(fps >= kMinFps && fps <= kMaxFps, "fps must be in [{}, {}], got {}", kMinFps, kMaxFps, fps);
  pitch.Check();
  IPT_CHECK(pitch.length_m >= geometry::pitch::kMinLengthM && pitch.length_m <= kMaxPitchLengthM &&
                pitch.width_m >= geometry::pitch::kMinWidthM && pitch.width_m <= kMaxPitchWidthM,
            "pitch must be {:.2f}..{} m long and {:.2f}..{} m wide (room for the markings), got {} x {}",
            geometry::pitch::kMinLengthM, kMaxPitchLengthM, geometry::pitch::kMinWidthM, kMaxPitchWidthM,
            pitch.length_m, pitch.width_m);
  rig.Check();
  panorama.Check();
  // The match's panorama becomes a video (ipt panorama): even sizes, as for the cameras.
  IPT_CHECK(panorama.width_px % 2 == 0 && panorama.height_px % 2 == 0,
            "panorama size {}x{} must be even (video codecs store colour at half resolution)", panorama.width_px,
            panorama.height_px);
  people.Check();
  motion.Check();
  render.Check();
}

SimConfig LoadSimConfig(const std::filesystem::path& path) {
  const std::string file = path.string();
  YAML::Node root = io::LoadYamlFile(file);
  io::YamlReader reader(file);
  SimConfig c;
  io::ConfigSection top(reader, root, "");
  top.Read("fps", &c.fps);
  {
    io::ConfigSection s(reader, top.Child("pitch"), "pitch");
    s.Read("length_m", &c.pitch.length_m);
    s.Read("width_m", &c.pitch.width_m);
    s.Finish();
  }
  {
    io::ConfigSection s(reader, top.Child("rig"), "rig");
    auto& r = c.rig;
    s.Read("height_m", &r.height_m);
    s.Read("behind_touchline_m", &r.behind_touchline_m);
    s.Read("baseline_m", &r.baseline_m);
    s.Read("yaw_deg", &r.yaw_deg);
    s.Read("tilt_down_deg", &r.tilt_down_deg);
    s.Read("image_width_px", &r.image_width_px);
    s.Read("image_height_px", &r.image_height_px);
    std::string lens = geometry::LensModelName(r.lens);
    s.Read("lens", &lens);
    try {
      r.lens = geometry::ParseLensModel(lens);
    } catch (const Error& e) {
      reader.Fail(root["rig"]["lens"], "rig.lens", e.message());
    }
    s.Read("horizontal_fov_deg", &r.horizontal_fov_deg);
    std::vector<double> dist(r.distortion.begin(), r.distortion.end());
    s.ReadList("distortion", &dist);
    std::copy(dist.begin(), dist.end(), r.distortion.begin());
    s.Finish();
  }
  {
    io::ConfigSection s(reader, top.Child("panorama"), "panorama");
    io::ReadPanoramaOptions(&s, &c.panorama);
    s.Finish();
  }
  {
    io::ConfigSection s(reader, top.Child("people"), "people");
    auto& p = c.people;
    s.Read("players_per_team", &p.players_per_team);
    s.Read("bench_per_team", &p.bench_per_team);
    s.Read("substitutions_per_team", &p.substitutions_per_team);
    s.Read("referees", &p.referees);
    s.Read("min_height_m", &p.min_height_m);
    s.Read("max_height_m", &p.max_height_m);
    s.Read("kit_similarity", &p.kit_similarity);
    s.Finish();
  }
  {
    io::ConfigSection s(reader, top.Child("motion"), "motion");
    auto& m = c.motion;
    s.Read("max_speed_mps", &m.max_speed_mps);
    s.Read("max_accel_mps2", &m.max_accel_mps2);
    s.Read("max_turn_rate_deg_s", &m.max_turn_rate_deg_s);
    s.Read("jog_speed_mps", &m.jog_speed_mps);
    s.Read("pass_interval_s", &m.pass_interval_s);
    s.Read("pass_speed_mps", &m.pass_speed_mps);
    s.Read("shot_probability_per_s", &m.shot_probability_per_s);
    s.Read("shooting_range_m", &m.shooting_range_m);
    s.Read("corner_probability", &m.corner_probability);
    s.Read("set_piece_duration_s", &m.set_piece_duration_s);
    s.Read("pressing_players", &m.pressing_players);
    s.Read("formation_follow", &m.formation_follow);
    s.Finish();
  }
  {
    io::ConfigSection s(reader, top.Child("render"), "render");
    auto& r = c.render;
    s.Read("noise_sigma", &r.noise_sigma);
    s.Read("lighting_amplitude", &r.lighting_amplitude);
    s.Read("lighting_period_s", &r.lighting_period_s);
    s.Read("sun_azimuth_deg", &r.sun_azimuth_deg);
    s.Read("sun_elevation_deg", &r.sun_elevation_deg);
    s.Read("shadow_strength", &r.shadow_strength);
    s.Read("vignetting", &r.vignetting);
    s.Read("codec", &r.codec);
    s.Finish();
  }
  top.Finish();
  try {
    c.Check();
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(file, 0, "", e.message());
  }
  return c;
}

}  // namespace ipt::sim
