// The tiny synthetic match the pipeline and viz tests share (tests only): 10 fps, 320 x 180
// camera images, a 512 x 256 panorama, so that a 2-second match renders in well under a second.
#pragma once

#include "ipt/sim/synthetic_match.h"

namespace ipt::sim::testing {

inline SimConfig TinyMatchConfig() {
  SimConfig config;
  config.fps = 10;
  config.rig.image_width_px = 320;
  config.rig.image_height_px = 180;
  config.panorama.width_px = 512;
  config.panorama.height_px = 256;
  return config;
}

}  // namespace ipt::sim::testing
