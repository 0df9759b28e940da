#include "ipt/sim/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "ipt/util/check.h"

namespace ipt::sim {
namespace {
namespace fs = std::filesystem;

fs::path WriteText(const std::string& text) {
  fs::path path = fs::temp_directory_path() / ("ipt_sim_config_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << text;
  return path;
}

// configs/sim_default.yaml documents the defaults: it must load to exactly them.
TEST(SimConfig, DocumentedDefaultsFileMatchesCode) {
  fs::path file = fs::path(IPT_SOURCE_DIR) / "configs" / "sim_default.yaml";
  SimConfig loaded = LoadSimConfig(file);
  SimConfig defaults;
  EXPECT_EQ(loaded.fps, defaults.fps);
  EXPECT_EQ(loaded.rig.height_m, defaults.rig.height_m);
  EXPECT_EQ(loaded.rig.tilt_down_deg, defaults.rig.tilt_down_deg);
  EXPECT_EQ(loaded.rig.horizontal_fov_deg, defaults.rig.horizontal_fov_deg);
  EXPECT_EQ(loaded.rig.distortion, defaults.rig.distortion);
  EXPECT_EQ(loaded.panorama.elevation_min_deg, defaults.panorama.elevation_min_deg);
  EXPECT_EQ(loaded.panorama.azimuth_max_deg, defaults.panorama.azimuth_max_deg);
  EXPECT_EQ(loaded.panorama.elevation_max_deg, defaults.panorama.elevation_max_deg);
  EXPECT_EQ(loaded.panorama.elevation_compression, defaults.panorama.elevation_compression);
  EXPECT_EQ(loaded.people.referees, defaults.people.referees);
  EXPECT_EQ(loaded.people.kit_similarity, defaults.people.kit_similarity);
  EXPECT_EQ(loaded.motion.max_speed_mps, defaults.motion.max_speed_mps);
  EXPECT_EQ(loaded.motion.pass_interval_s, defaults.motion.pass_interval_s);
  EXPECT_EQ(loaded.render.noise_sigma, defaults.render.noise_sigma);
  EXPECT_EQ(loaded.render.codec, defaults.render.codec);
}

TEST(SimConfig, PartialOverride) {
  SimConfig c = LoadSimConfig(WriteText("people:\n  kit_similarity: 0.9\nrig:\n  image_width_px: 640\n"));
  EXPECT_EQ(c.people.kit_similarity, 0.9);
  EXPECT_EQ(c.rig.image_width_px, 640);
  EXPECT_EQ(c.rig.image_height_px, SimConfig{}.rig.image_height_px);
}

std::string ErrorOf(const std::string& text) {
  try {
    LoadSimConfig(WriteText(text));
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << text;
  return "";
}

TEST(SimConfig, BadInputNamesTheField) {
  EXPECT_NE(ErrorOf("people:\n  kit_similarty: 0.9\n").find(":2: field 'people.kit_similarty': unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf("render:\n  noise_sigma: loud\n").find("field 'render.noise_sigma'"), std::string::npos);
  EXPECT_NE(ErrorOf("fps: .nan\n").find("field 'fps': must be a finite number"), std::string::npos);
  EXPECT_NE(ErrorOf("people:\n  kit_similarity: 2\n").find("kit_similarity must be in [0, 1]"), std::string::npos);
  EXPECT_NE(ErrorOf("rig:\n  lens: spherical\n").find("rig.lens"), std::string::npos);
  EXPECT_NE(ErrorOf("rig: [1, 2\n").find("malformed YAML"), std::string::npos);
}

}  // namespace
}  // namespace ipt::sim
