#include "ipt/pipeline/bench.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <unordered_set>

#include "ipt/eval/pipeline_output.h"
#include "ipt/eval/ptfe.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/io/match_dir.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_package.h"
#include "ipt/store/artifact_store.h"
#include "ipt/util/atomic_path.h"
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
                                const SyntheticLayersOptions& layers, int threads, bool track_level) {
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
  SyntheticLayers synthetic = SynthesizeMatchLayers(match.info, layers);
  b.synthesize_seconds = synthesize.Seconds();
  b.frames = synthetic.frames.frames;
  b.people = synthetic.people;
  b.rows = synthetic.frames.rows;
  b.tracks = synthetic.tracks_count;
  TrackLayer tracks = std::move(synthetic.tracks);

  // The frame layer goes into a store of its own and is read back as `ipt run` reads it:
  // the entry verified (its content hash, streamed), then its crop fields block by block.
  const AtomicPath scratch(fs::temp_directory_path() / "ipt-bench-match-level");  // removed on return
  fs::create_directories(scratch.temp());
  store::ArtifactStore cache(scratch.temp() / "cache");
  const std::string key(64, '0');  // a stand-in: no match content or models make this layer
  store::EntryMeta meta;
  meta.match = "synthetic " + match_dir.filename().string();
  cache.Put("frame", key, FrameLayerFile(std::move(synthetic.frames)), meta);
  b.frame_layer_bytes = static_cast<int64_t>(fs::file_size(scratch.temp() / "cache" / "frame" / key / "tensors.safetensors"));

  b.peak_is_the_match_levels = ResetPeakRss();
  if (!b.peak_is_the_match_levels) spdlog::warn("the peak memory cannot be reset here: it is the process's");
  b.rss_before_bytes = CurrentRssBytes();
  Stopwatch total;
  Stopwatch read;
  const std::optional<fs::path> file = cache.GetFile("frame", key);
  IPT_CHECK(file.has_value(), "the benchmark's frame layer does not verify");
  const FrameLayer f = OpenFrameLayer(*file, "synthetic frame layer");
  b.stage_seconds[kReadLayerStage] = read.Seconds();
  if (track_level) {
    const fs::path tracker = store.PackageDir(store.Resolve(collection.refs.at("tracker")));
    tracks = {};
    tracks = ReadTrackLayer(ComputeTrackLayerWith(f, match_dir, tracker, &b.stage_seconds), f.rows, "computed track layer");
    b.tracked = true;
    std::unordered_set<int64_t> ids(tracks.track_id.begin(), tracks.track_id.end());
    ids.erase(-1);
    b.tracks = static_cast<int64_t>(ids.size());
  }
  auto bytes = [](const auto& v) { return static_cast<int64_t>(v.size() * sizeof(v[0])); };
  b.track_layer_bytes = bytes(tracks.track_id) + bytes(tracks.position_m) + bytes(tracks.category_probabilities);
  io::MatchInfo synthetic_match = match.info;  // as long as the layers (the line-up's last frame)
  synthetic_match.frame_count = b.frames;
  const MatchLevelOutput out = RunMatchLevel(f, tracks, synthetic_match, tracking::TrackAttributesOptions{},
                                             jn ? &*jn : nullptr, resolver ? &*resolver : nullptr, true);
  for (const auto& [stage, seconds] : out.stage_seconds) b.stage_seconds[stage] = seconds;
  Stopwatch write;
  WriteRunRows(synthetic_match, out.rows, scratch.temp());
  b.stage_seconds[kWriteOutputsStage] = write.Seconds();
  b.match_level_seconds = total.Seconds();
  b.peak_rss_bytes = PeakRssSinceResetBytes();
  b.person_tracks = out.tracks;
  b.output_rows = static_cast<int64_t>(out.rows.size());
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
          {"output_rows", b.output_rows},
          {"track_layer", b.tracked ? "computed by the collection's tracker" : "synthesized"},
          {"frame_layer_file_mib", b.frame_layer_bytes / 1048576.0},
          {"track_layer_mib", b.track_layer_bytes / 1048576.0},
          {"rss_before_mib", b.rss_before_bytes / 1048576.0},
          {"peak_rss_mib", b.peak_rss_bytes / 1048576.0},
          {"peak_rss_of", b.peak_is_the_match_levels ? "the match level" : "the process"}};
}

}  // namespace ipt::pipeline
