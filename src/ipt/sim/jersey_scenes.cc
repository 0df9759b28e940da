#include "ipt/sim/jersey_scenes.h"

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "ipt/geometry/crop.h"
#include "ipt/geometry/panorama.h"
#include "ipt/sim/jersey_number.h"
#include "ipt/sim/people.h"
#include "ipt/sim/renderer.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/sim/variation.h"
#include "ipt/util/check.h"
#include "ipt/util/random.h"

namespace ipt::sim {
namespace {
constexpr double kPlacementMarginM = 2.0;  // people may stand this far outside the lines
constexpr double kDegToRad = M_PI / 180.0;
constexpr uint64_t kSceneStream = 0x6A65727365790001ULL;  // independent of Vary's and SimulateMatch's streams
constexpr double kBallAwayM = 1000;                      // the ball stays out of the scenes
constexpr double kMaxLightingPeriods = 4;                // scenes' times spread over this many light periods

// Horizontal angle (radians, in the (x, z) plane) from a foot-point to a camera.
double AngleToCamera(const Eigen::Vector2d& foot_m, const geometry::Camera& camera) {
  const Eigen::Vector3d c = camera.center_in_pitch();
  return std::atan2(c.z() - foot_m.y(), c.x() - foot_m.x());
}

// Places `person` (state filled in) away from `placed`; legible ones retried until
// their label says so. False when no try found room.
bool Place(const SimPerson& person, bool want_legible, const SimConfig& config, const geometry::Rig& rig,
           const JerseySceneOptions& o, const std::vector<PersonState>& placed, Rng& rng, PersonState* state) {
  bool found = false;
  for (int attempt = 0; attempt < kMaxPlacementTries; ++attempt) {
    PersonState s;
    // Numbers are legible near the rig (about 10-20 m in HD): those meant to be legible
    // are drawn denser towards the touchline nearer the rig, the density falling with
    // the square root of the distance from it.
    const double across = (want_legible ? std::pow(rng.Uniform(), 2.0) : rng.Uniform()) *
                          (config.pitch.width_m + 2 * kPlacementMarginM);
    const bool rig_beyond_far_line = rig.center_in_pitch.z() > 0.5 * config.pitch.width_m;
    s.pos_m = {rng.Uniform(-kPlacementMarginM, config.pitch.length_m + kPlacementMarginM),
               rig_beyond_far_line ? config.pitch.width_m + kPlacementMarginM - across : across - kPlacementMarginM};
    bool clear = true;
    for (const auto& p : placed) clear &= (p.pos_m - s.pos_m).norm() >= o.min_separation_m;
    if (!clear) continue;
    const auto view = geometry::MakeCropView(rig.cameras, s.pos_m);
    if (!view) continue;
    if (want_legible) {
      const bool back = rng.Bernoulli(0.5);
      const double turn = rng.Uniform(-o.legible_max_turn_deg, o.legible_max_turn_deg) * kDegToRad;
      s.facing_rad = AngleToCamera(s.pos_m, rig.cameras[view->camera_index]) + (back ? M_PI : 0.0) + turn;
    } else {
      s.facing_rad = rng.Uniform(-M_PI, M_PI);
    }
    const double speed = rng.Uniform(0, o.max_speed_mps);
    s.vel_mps = speed * Eigen::Vector2d(std::cos(s.facing_rad), std::sin(s.facing_rad));
    s.gait_phase_rad = rng.Uniform(0, 2 * M_PI);
    *state = s;
    found = true;
    if (!want_legible || !person.entry.jersey) break;
    if (LabelNumber(person, s, rig.cameras[view->camera_index]).legibility == io::Legibility::kLegible) break;
  }
  return found;
}
}  // namespace

void JerseySceneOptions::Check() const {
  IPT_CHECK(scenes_per_stadium >= 1 && scenes_per_stadium <= 10000, "scenes_per_stadium must be in [1, 10000]");
  IPT_CHECK(people_per_scene >= 1 && people_per_scene <= 100, "people_per_scene must be in [1, 100]");
  IPT_CHECK(legible_share >= 0 && legible_share <= 1, "legible_share must be in [0, 1]");
  IPT_CHECK(legible_max_turn_deg >= 0 && legible_max_turn_deg <= 90, "legible_max_turn_deg must be in [0, 90]");
  IPT_CHECK(min_separation_m >= 0 && min_separation_m <= 10, "min_separation_m must be in [0, 10]");
  IPT_CHECK(max_speed_mps >= 0 && max_speed_mps <= 12, "max_speed_mps must be in [0, 12]");
  VariationRanges sizes;  // the one rule for drawable camera sizes
  sizes.image_sizes_px = image_sizes_px;
  sizes.Check();
  IPT_CHECK(jpeg_quality_min >= 1 && jpeg_quality_min <= jpeg_quality_max && jpeg_quality_max <= 100,
            "JPEG qualities must satisfy 1 <= min <= max <= 100, got [{}, {}]", jpeg_quality_min, jpeg_quality_max);
}

void RenderJerseyScenes(const SimConfig& base, uint64_t seed, const JerseySceneOptions& o,
                        const std::function<void(const JerseyScene&)>& on_scene) {
  o.Check();
  VariationRanges ranges;
  ranges.image_sizes_px = o.image_sizes_px;
  const SimConfig config = Vary(base, seed, ranges);
  const geometry::Rig rig = geometry::MakeDefaultRig(config.rig, config.pitch);
  const geometry::Panorama panorama(rig, config.panorama);
  std::vector<CameraRenderer> renderers;
  renderers.reserve(2);
  for (int c = 0; c < 2; ++c) renderers.emplace_back(rig.cameras[c], config.pitch, config.render, seed * 2 + c + 1);
  Rng rng(seed ^ kSceneStream);

  for (int index = 0; index < o.scenes_per_stadium; ++index) {
    // New people every scene: two kits, bodies and referees from MakePeople, numbers
    // uniform over 0..99 (referees keep none).
    People drawn = MakePeople(config.people, rng);
    std::vector<SimPerson> people;
    FrameState state;
    for (int k = 0; k < o.people_per_scene; ++k) {
      SimPerson person = drawn.on_pitch[rng.UniformInt(0, static_cast<int>(drawn.on_pitch.size()) - 1)];
      person.entry.player_id = k + 1;
      if (person.entry.jersey) person.entry.jersey = rng.UniformInt(0, io::kMaxJersey);
      PersonState s;
      if (!Place(person, rng.Bernoulli(o.legible_share), config, rig, o, state.people, rng, &s)) continue;
      people.push_back(person);
      state.people.push_back(s);
    }
    state.ball.pos_m = {0.5 * config.pitch.length_m, -kBallAwayM};  // behind the rig: in no view
    JerseyScene scene;
    scene.index = index;
    scene.rig = rig;
    scene.people = AnnotateFrame(state, people, 1, rig, panorama);
    const double time_s = rng.Uniform(0, kMaxLightingPeriods * config.render.lighting_period_s);
    for (int c = 0; c < 2; ++c) {
      renderers[c].Render(state, people, time_s, &scene.frames[c]);
      std::vector<unsigned char> jpeg;
      cv::imencode(".jpg", scene.frames[c], jpeg,
                   {cv::IMWRITE_JPEG_QUALITY, rng.UniformInt(o.jpeg_quality_min, o.jpeg_quality_max)});
      scene.frames[c] = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    }
    on_scene(scene);
  }
}

}  // namespace ipt::sim
