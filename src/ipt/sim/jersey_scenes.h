// Jersey scenes: still frames of a drawn stadium (Vary) filled with people who
// mostly face a camera near enough for their number to be read, each with a new
// kit, body and number 0..99. They are the number reader's training data: a
// match shows a few dozen players, so the matches a reader can be trained on
// show a few hundred numbers on a few dozen kits, and the reader learns those
// players instead of digits (docs/models.md, "Crop encoder").
//
// Everything a match does is done the same way: people are drawn by MakePeople,
// posed by ComputePose through PersonState, rendered by CameraRenderer::Render,
// and labelled by AnnotateFrame (legibility, side, size, occlusion). What differs:
// every frame is a new scene (no motion), numbers are uniform over 0..99, people
// are placed where their number faces a camera, and compression is JPEG at a
// drawn quality in place of the match's video codec.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <opencv2/core.hpp>
#include <vector>

#include "ipt/geometry/rig.h"
#include "ipt/io/annotations.h"
#include "ipt/sim/config.h"

namespace ipt::sim {

struct JerseySceneOptions {
  int scenes_per_stadium = 16;   // frames per Vary draw (each camera's background is built once per draw)
  int people_per_scene = 14;     // placed per frame (referees among them carry no number)
  // Share of the people placed to be legible: facing a camera (back or front within
  // legible_max_turn_deg of square-on) and retried at new places until the label says
  // legible (at most kMaxPlacementTries); the others stand anywhere, facing anywhere.
  double legible_share = 0.75;
  double legible_max_turn_deg = 50;  // a little beyond legibility's 45 degrees: the edge cases
  double min_separation_m = 0.7;     // between foot-points; nearer people still hide parts of numbers
  double max_speed_mps = 7;          // pose: running speed drawn in [0, this] (arm and leg swing)
  // Camera sizes drawn per stadium: full HD and 4K. In HD a back number is at most
  // 9-10 px tall even at the touchline below most rigs, so HD scenes show almost no
  // legible number; the reader reads HD crops from what it learns at 9-12 px in these.
  std::vector<std::array<int, 2>> image_sizes_px{{1920, 1080}, {3840, 2160}};
  int jpeg_quality_min = 45, jpeg_quality_max = 90;  // compression of each rendered frame
  void Check() const;
};

// Placement tries per person before it stands wherever the last try put it.
constexpr int kMaxPlacementTries = 200;

struct JerseyScene {
  int index = 0;                        // 0 .. scenes_per_stadium - 1
  geometry::Rig rig;                    // the stadium's cameras ([0] left, [1] right)
  cv::Mat frames[2];                    // each camera's frame, rendered and compressed (8-bit BGR)
  // AnnotateFrame's rows, frame 1, one per person placed: person_id in 1..people_per_scene
  // (someone is left out, and the ids skip them, when no try found room).
  std::vector<io::Annotation> people;
};

// Renders the scenes of the stadium drawn for `seed` (Vary(base, seed) with the
// options' image sizes) and hands each to `on_scene`. Deterministic for (base, seed,
// options). Throws ipt::Error for invalid options or base config.
void RenderJerseyScenes(const SimConfig& base, uint64_t seed, const JerseySceneOptions& options,
                        const std::function<void(const JerseyScene&)>& on_scene);

}  // namespace ipt::sim
