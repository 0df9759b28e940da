#include "ipt/eval/perturb.h"

#include <map>

#include "ipt/util/check.h"
#include "ipt/util/random.h"

namespace ipt::eval {

void PerturbOptions::Check() const {
  for (double rate : {miss_rate, false_positive_rate, category_error_rate, jersey_unknown_rate, jersey_error_rate}) {
    IPT_CHECK(rate >= 0 && rate <= 1, "perturbation rates must be in [0, 1]");
  }
  IPT_CHECK(position_noise_m >= 0 && id_switches_per_minute >= 0 && fps > 0, "perturbation options must be >= 0");
}

std::vector<PipelineRow> PerturbGroundTruth(const std::vector<io::Annotation>& gt, const PerturbOptions& o,
                                            uint64_t seed) {
  o.Check();
  Rng rng(seed);
  struct TrackLabels {
    int64_t track_id;
    std::optional<io::Category> category;
    std::optional<int> jersey, player_id;
  };
  std::map<int, TrackLabels> current;  // person -> current predicted track
  int64_t next_track = 1;
  const double switch_probability = o.id_switches_per_minute / (60.0 * o.fps);
  auto new_track = [&](const io::Annotation& a) {
    TrackLabels t;
    t.track_id = next_track++;
    t.category = a.category;
    if (rng.Bernoulli(o.category_error_rate)) t.category = static_cast<io::Category>((static_cast<int>(a.category) + rng.UniformInt(1, io::kNumCategories - 1)) % io::kNumCategories);
    t.jersey = a.jersey;
    if (a.jersey && rng.Bernoulli(o.jersey_unknown_rate)) t.jersey.reset();
    else if (a.jersey && rng.Bernoulli(o.jersey_error_rate)) t.jersey = (*a.jersey + rng.UniformInt(1, 98)) % 100;
    // The identity follows the labels: right only when category and jersey are right.
    t.player_id = t.category == a.category && t.jersey == a.jersey ? std::optional<int>(a.person_id) : std::nullopt;
    return t;
  };
  std::vector<PipelineRow> out;
  out.reserve(gt.size() + gt.size() / 10);
  int64_t fp_track = -1;
  for (const auto& a : gt) {
    auto it = current.find(a.person_id);
    if (it == current.end() || rng.Bernoulli(switch_probability)) {
      current[a.person_id] = new_track(a);
      it = current.find(a.person_id);
    }
    if (!rng.Bernoulli(o.miss_rate)) {
      PipelineRow r;
      r.frame = a.frame;
      r.track_id = it->second.track_id;
      r.x_m = a.x_m + rng.Normal(0, o.position_noise_m);
      r.z_m = a.z_m + rng.Normal(0, o.position_noise_m);
      r.score = rng.Uniform(0.5, 1.0);
      r.category = it->second.category;
      r.jersey = it->second.jersey;
      r.player_id = it->second.player_id;
      out.push_back(r);
    }
    if (rng.Bernoulli(o.false_positive_rate)) {
      PipelineRow r;
      r.frame = a.frame;
      r.track_id = fp_track--;  // one-frame ghosts, negative ids never collide with real ones
      r.x_m = rng.Uniform(0, 105);
      r.z_m = rng.Uniform(0, 68);
      r.score = rng.Uniform(0.1, 0.6);
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace ipt::eval
