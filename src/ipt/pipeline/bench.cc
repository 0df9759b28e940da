#include "ipt/pipeline/bench.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "ipt/io/match_dir.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

PipelineBench BenchPipeline(const fs::path& match_dir, const fs::path& out_dir, const RunOptions& options) {
  std::error_code ec;
  IPT_CHECK(!options.cache.empty() && (!fs::exists(options.cache, ec) || fs::is_empty(options.cache, ec)),
            "the benchmark's precompute store {} must be empty or absent (a cold run computes every stage)",
            options.cache.string());
  PipelineBench bench;
  bench.peak_is_the_runs = ResetPeakRss();
  if (!bench.peak_is_the_runs) spdlog::warn("the peak memory cannot be reset here: it is the process's");
  bench.cold = Run(match_dir, out_dir, options);
  bench.cold_peak_rss_bytes = PeakRssSinceResetBytes();
  bench.warm = Run(match_dir, out_dir, options);
  IPT_ASSERT(bench.warm.layers.at("frame").hit && bench.warm.layers.at("track").hit);
  return bench;
}

nlohmann::json ToJson(const PipelineBench& b) {
  const double frames = std::max(1, b.cold.frames);
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [stage, seconds] : b.cold.stage_seconds) stages[stage] = 1000 * seconds / frames;
  auto run = [&](const RunReport& r) {
    return nlohmann::json{{"seconds", r.total_seconds}, {"frames_per_second", frames / r.total_seconds},
                          {"ms_per_frame", 1000 * r.total_seconds / frames}};
  };
  return {{"frames", b.cold.frames},
          {"detections", b.cold.detections},
          {"tracks", b.cold.tracks},
          {"threads", b.cold.threads},
          {"tracker", b.cold.tracker_type},
          {"jersey", b.cold.jersey_source},
          {"player_id", b.cold.identity_source},
          {"stages_ms_per_frame", stages},
          {"cold", run(b.cold)},
          {"warm", run(b.warm)},
          {"peak_rss_mib", b.cold_peak_rss_bytes / 1048576.0},
          {"peak_rss_of", b.peak_is_the_runs ? "the cold run" : "the process"}};
}

MatchLevelBench BenchMatchLevel(const fs::path& match_dir, const fs::path& models_yaml, const fs::path& model_store,
                                const SyntheticLayersOptions& layers, int threads) {
  const io::MatchDir match = io::OpenMatchDir(match_dir);
  const registry::ModelCollection collection = registry::ReadCollection(models_yaml);
  std::optional<jn_classifier::JnClassifier> jn;
  std::optional<identity_resolver::IdentityResolver> resolver;
  const registry::ModelStore store(model_store);
  if (collection.refs.count("jn_classifier")) {
    const auto ref = CheckRunCollection(models_yaml, model_store, {"jn_classifier"}).at("jn_classifier");
    jn_classifier::JnClassifierRunOptions jn_options;
    jn_options.threads = threads;
    jn.emplace(store.PackageDir(ref), jn_options);
  }
  if (collection.refs.count("identity_resolver")) {
    IPT_CHECK(jn, "{}: the identity resolver names players with the JN classifier's probabilities; the collection "
                  "names no jn_classifier", models_yaml.string());
    const auto ref = CheckRunCollection(models_yaml, model_store, {"identity_resolver"}).at("identity_resolver");
    resolver.emplace(store.PackageDir(ref), threads);
  }
  MatchLevelBench b;
  b.minutes = layers.minutes;
  Stopwatch synthesize;
  const SyntheticLayers synthetic = SynthesizeMatchLayers(match.info, layers);
  b.synthesize_seconds = synthesize.Seconds();
  const FrameLayer& f = synthetic.frames;
  b.frames = f.frames;
  b.people = synthetic.people;
  b.rows = f.rows;
  b.tracks = synthetic.tracks_count;
  auto bytes = [](const auto& v) { return static_cast<int64_t>(v.size() * sizeof(v[0])); };
  b.layers_bytes = bytes(f.frame) + bytes(f.foot_points_m) + bytes(f.refined_foot_points_m) + bytes(f.score) +
                   bytes(synthetic.tracks.track_id) + bytes(synthetic.tracks.position_m);
  for (const auto& [field, values] : f.crop_fields) b.layers_bytes += bytes(values);
  b.peak_is_the_match_levels = ResetPeakRss();
  if (!b.peak_is_the_match_levels) spdlog::warn("the peak memory cannot be reset here: it is the process's");
  b.rss_before_bytes = CurrentRssBytes();
  Stopwatch watch;
  const MatchLevelOutput out = RunMatchLevel(f, synthetic.tracks, match.info, tracking::TrackAttributesOptions{},
                                             jn ? &*jn : nullptr, resolver ? &*resolver : nullptr, true);
  b.match_level_seconds = watch.Seconds();
  b.peak_rss_bytes = PeakRssSinceResetBytes();
  b.stage_seconds = out.stage_seconds;
  b.person_tracks = out.tracks;
  b.identities = out.identities;
  return b;
}

nlohmann::json ToJson(const MatchLevelBench& b) {
  const double frames = std::max(1, b.frames);
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [stage, seconds] : b.stage_seconds) stages[stage] = {{"seconds", seconds}, {"ms_per_frame", 1000 * seconds / frames}};
  return {{"minutes", b.minutes},
          {"frames", b.frames},
          {"people", b.people},
          {"rows", b.rows},
          {"tracks", b.tracks},
          {"person_tracks", b.person_tracks},
          {"identities", b.identities},
          {"synthesize_seconds", b.synthesize_seconds},
          {"match_level_seconds", b.match_level_seconds},
          {"stages", stages},
          {"layers_mib", b.layers_bytes / 1048576.0},
          {"rss_before_mib", b.rss_before_bytes / 1048576.0},
          {"peak_rss_mib", b.peak_rss_bytes / 1048576.0},
          {"peak_rss_of", b.peak_is_the_match_levels ? "the match level" : "the process"}};
}

}  // namespace ipt::pipeline
