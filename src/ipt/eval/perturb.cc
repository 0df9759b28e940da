#include "ipt/eval/perturb.h"

#include <spdlog/spdlog.h>

#include <map>

#include "ipt/eval/match_evaluation.h"
#include "ipt/eval/output_dir.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/random.h"

namespace ipt::eval {

void PerturbOptions::Check() const {
  for (double rate : {miss_rate, false_positive_rate, category_error_rate, jersey_unknown_rate, jersey_error_rate}) {
    IPT_CHECK(rate >= 0 && rate <= 1, "perturbation rates must be in [0, 1]");
  }
  IPT_CHECK(position_noise_m >= 0 && position_noise_m <= kMaxPositionNoiseM, "position noise must be in [0, {:g}] m",
            kMaxPositionNoiseM);
  IPT_CHECK(id_switches_per_minute >= 0 && id_switches_per_minute <= kMaxSwitchesPerMinute,
            "id switches per minute must be in [0, {:g}]", kMaxSwitchesPerMinute);
  IPT_CHECK(fps > 0 && fps <= limits::kMaxFps, "fps must be in (0, {:g}]", limits::kMaxFps);
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
    else if (a.jersey && rng.Bernoulli(o.jersey_error_rate)) t.jersey = (*a.jersey + rng.UniformInt(1, io::kNumJerseys - 2)) % io::kNumJerseys;
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

void PerturbedBaselineOptions::Check() const {
  IPT_CHECK(!match_dir.empty(), "give the match directory (--gt)");
  IPT_CHECK(!output_dir.empty(), "give the output directory (--out)");
  perturb.Check();
}

int64_t WritePerturbedBaseline(const PerturbedBaselineOptions& options) {
  options.Check();
  // A match directory ipt wrote carries the output marker too: the input check comes first.
  CheckOutputNotInput(options.output_dir, GroundTruthInputs(options.match_dir), "--out");
  CheckReplaceableOutputDir(options.output_dir, /*force=*/true, "--out");
  const MatchGroundTruth gt = LoadMatchGroundTruth(options.match_dir);
  PerturbOptions perturb = options.perturb;
  perturb.fps = gt.match.fps;
  const std::vector<PipelineRow> rows = PerturbGroundTruth(gt.annotations, perturb, options.seed);
  WriteOutputDirectory(options.output_dir, "--out",
                       [&](const std::filesystem::path& dir) { WriteTracksCsv(rows, dir / kTracksCsvName); });
  spdlog::info("wrote {} ({} rows)", (options.output_dir / kTracksCsvName).string(), rows.size());
  return static_cast<int64_t>(rows.size());
}

}  // namespace ipt::eval
