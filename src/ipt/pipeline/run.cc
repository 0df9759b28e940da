#include "ipt/pipeline/run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <optional>

#include "ipt/eval/output_dir.h"
#include "ipt/eval/pipeline_output.h"
#include "ipt/eval/ptfe.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/io/match_dir.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/identity_resolver/identity_resolver.h"
#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/models.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/training.h"
#include "ipt/store/artifact_store.h"
#include "ipt/store/precompute.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

constexpr const char* kRunFormat = "ipt-run/1";
constexpr const char* kWriteStage = "write";

void RunOptions::Check() const {
  IPT_CHECK(max_frames >= 0 && max_frames <= limits::kMaxFrames, "max_frames must be in [0, {}], got {}",
            limits::kMaxFrames, max_frames);
  IPT_CHECK(threads >= 1 && threads <= limits::kMaxThreads, "threads must be in [1, {}], got {}", limits::kMaxThreads,
            threads);
  attributes.Check();
  IPT_CHECK(tracker.empty() || tracker == "gnn" || tracker == "online" || registry::IsModelRefPrefix(tracker),
            "tracker must be gnn, online or a tracker ref, got '{}'", Echo(tracker));
  IPT_CHECK(jersey.empty() || jersey == "vote" || jersey == "classifier", "jersey must be vote or classifier, got '{}'",
            Echo(jersey));
  IPT_CHECK(!track_layer || tracker.empty(), "given tracks (track_layer) run with the collection's models, not --tracker {}",
            Echo(tracker));
}

const std::vector<std::string>& RunModels() {
  static const std::vector<std::string> models = {"detector", "crop_encoder", "tracker"};
  return models;
}

std::map<std::string, std::string> CheckRunCollection(const fs::path& models_yaml, const fs::path& model_store,
                                                      const std::vector<std::string>& models) {
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  const registry::ModelStore store(model_store);
  const registry::ModelCollection collection = registry::ReadCollection(models_yaml);
  // The collection must name every model this run uses, and what concerns them must
  // validate (a stale model the run does not use does not stop it).
  std::vector<registry::Violation> relevant;
  for (auto& v : registry::ValidateCollection(collection, graph, store)) {
    if (std::count(models.begin(), models.end(), v.model)) relevant.push_back(std::move(v));
  }
  for (const auto& model : models) {
    if (!collection.refs.count(model)) {
      relevant.push_back({model, "", fmt::format("the collection has no {}, which this command needs", model)});
    }
  }
  if (!relevant.empty()) {
    std::string what;
    for (const auto& v : relevant) what += (what.empty() ? "" : "; ") + v.message;
    throw InputError(models_yaml.string(), 0, "models." + relevant.front().model,
                     what + " (`ipt models validate` lists every violation)");
  }
  std::map<std::string, std::string> refs;
  for (const auto& model : models) {
    refs[model] = store.Resolve(collection.refs.at(model));
    // The package's recorded schema must be the graph's: what the run reads by name.
    const registry::ModelManifest manifest = store.Get(refs[model]);
    const registry::ModelSpec& spec = graph.Model(model);
    const std::string source = (store.PackageDir(refs[model]) / registry::kManifestFileName).string();
    if (manifest.kind != spec.kind) {
      throw InputError(source, 0, "kind", fmt::format("'{}', the graph's {} is a {}", Echo(manifest.kind), model, spec.kind));
    }
    for (const auto& expected : spec.outputs) {
      auto it = std::find_if(manifest.outputs.begin(), manifest.outputs.end(),
                             [&](const registry::FieldSpec& f) { return f.name == expected.name; });
      if (it == manifest.outputs.end()) {
        throw InputError(source, 0, "outputs", fmt::format("no field '{}' (the graph's {} outputs '{}')", expected.name,
                                                           model, expected.ToString()));
      }
      if (!(*it == expected)) {
        throw InputError(source, 0, "outputs", fmt::format("'{}', the graph's {} outputs '{}'", it->ToString(), model,
                                                           expected.ToString()));
      }
    }
  }
  return refs;
}

namespace {


// Every field of TrackAttributesOptions with its key: the one list the reader and
// run.json use.
template <typename Options, typename Visit>
void VisitAttributesOptions(Options& o, Visit&& visit) {
  visit("side_window_seconds", o.side_window_seconds);
  visit("kit_init_min_detections", o.kit_init_min_detections);
  visit("kit_init_max_tracks", o.kit_init_max_tracks);
  visit("kit_min_cluster_share", o.kit_min_cluster_share);
  visit("min_legible_probability", o.min_legible_probability);
  visit("min_number_probability", o.min_number_probability);
  visit("roster_numbers_only", o.roster_numbers_only);
  visit("min_allowed_probability", o.min_allowed_probability);
  visit("min_jersey_votes", o.min_jersey_votes);
  visit("min_jersey_vote_share", o.min_jersey_vote_share);
  visit("min_jersey_probability", o.min_jersey_probability);
  visit("category_from_tracker", o.category_from_tracker);
  visit("kit_outlier_factor", o.kit_outlier_factor);
  visit("kit_outlier_min_distance", o.kit_outlier_min_distance);
  visit("goalkeeper_overlap_seconds", o.goalkeeper_overlap_seconds);
  visit("min_confident_detections", o.min_confident_detections);
  visit("confident_score", o.confident_score);
  visit("substitution_gap_touchline_m", o.substitution_gaps.touchline_distance_m);
  visit("substitution_gap_min_jump_m", o.substitution_gaps.min_jump_m);
  visit("number_change_min_gain_nats", o.number_changes.min_gain_nats);
  visit("number_change_min_legible_probability", o.number_changes.min_legible_probability);
  visit("number_change_probability_floor", o.number_changes.probability_floor);
  visit("number_change_min_reads", o.number_changes.min_reads);
  visit("number_change_window_seconds", o.number_changes.window_seconds);
  visit("exchange_min_gain_nats", o.exchanges.min_gain_nats);
  visit("exchange_meeting_distance_m", o.exchanges.meeting_distance_m);
  visit("exchange_min_reads", o.exchanges.min_reads);
  visit("exchange_max_meetings", o.exchanges.max_meetings);
  visit("exchange_same_kit_only", o.exchanges.same_kit_only);
  visit("kit_change_min_gain_nats", o.kit_changes.min_gain_nats);
  visit("kit_change_max_window_nats", o.kit_changes.max_window_nats);
  visit("kit_change_min_windows", o.kit_changes.min_windows);
  visit("kit_change_window_seconds", o.kit_changes.window_seconds);
  visit("appearance_change_min_gain_nats", o.appearance_changes.min_gain_nats);
  visit("appearance_change_min_windows", o.appearance_changes.min_windows);
  visit("appearance_change_window_seconds", o.appearance_changes.window_seconds);
  visit("appearance_change_rejoin_unless_named_apart", o.appearance_changes.rejoin_unless_named_apart);
  visit("appearance_change_meeting_radius_m", o.appearance_changes.meeting_radius_m);
  visit("appearance_change_meeting_gap_seconds", o.appearance_changes.meeting_gap_seconds);
  visit("appearance_change_remove_shared_drift", o.appearance_changes.remove_shared_drift);
  visit("appearance_change_shared_drift_min_tracks", o.appearance_changes.shared_drift_min_tracks);
  visit("name_splice_max_overlap_seconds", o.name_splices.max_overlap_seconds);
  visit("name_splice_max_jump_m", o.name_splices.max_jump_m);
  visit("name_splice_drifted_tails", o.name_splices.drifted_tails);
  visit("name_splice_max_gap_seconds", o.name_splices.max_gap_seconds);
  visit("name_splice_drift_slack_m", o.name_splices.drift_slack_m);
  visit("name_splice_drift_max_speed_mps", o.name_splices.drift_max_speed_mps);
  visit("name_splice_max_passes", o.name_splices.max_passes);
  visit("name_splice_drift_window_seconds", o.name_splices.drift_window_seconds);
  visit("name_splice_max_nested_clash_fraction", o.name_splices.max_nested_clash_fraction);
  visit("name_elimination_min_seconds", o.name_elimination.min_seconds);
  visit("name_elimination_max_speed_mps", o.name_elimination.max_speed_mps);
  visit("name_elimination_position_slack_m", o.name_elimination.position_slack_m);
  visit("name_elimination_max_handover_seconds", o.name_elimination.max_handover_seconds);
  visit("fragment_link_max_gap_seconds", o.fragment_links.max_gap_seconds);
  visit("fragment_link_max_speed_mps", o.fragment_links.max_speed_mps);
  visit("fragment_link_position_slack_m", o.fragment_links.position_slack_m);
  visit("fragment_link_prediction_horizon_seconds", o.fragment_links.prediction_horizon_seconds);
  visit("fragment_link_appearance_weight_m", o.fragment_links.appearance_weight_m);
  visit("fragment_link_max_link_cost_m", o.fragment_links.max_link_cost_m);
  visit("fragment_link_embedding_seconds", o.fragment_links.embedding_seconds);
  visit("fragment_link_velocity_seconds", o.fragment_links.velocity_seconds);
  visit("fragment_link_max_handover_seconds", o.fragment_links.max_handover_seconds);
  visit("fragment_link_handover_radius_m", o.fragment_links.handover_radius_m);
  visit("fragment_link_max_duplicate_seconds", o.fragment_links.max_duplicate_seconds);
  visit("fragment_link_duplicate_radius_m", o.fragment_links.duplicate_radius_m);
  visit("fragment_link_duplicate_min_shared_fraction", o.fragment_links.duplicate_min_shared_fraction);
  visit("smooth_sigma_frames", o.smoothing.sigma_frames);
  visit("max_filled_gap_frames", o.smoothing.max_filled_gap_frames);
  visit("stray_end_max_rows", o.stray_ends.max_rows);
  visit("stray_end_min_gap_seconds", o.stray_ends.min_gap_seconds);
}

}  // namespace

tracking::TrackAttributesOptions ReadTrackAttributesOptions(const std::filesystem::path& path) {
  const std::string file = path.string();
  const YAML::Node root = io::LoadYamlFile(file);
  io::YamlReader r(file);
  if (!root.IsMap()) r.Fail(root, "", "expected a mapping of track attribute options");
  tracking::TrackAttributesOptions o;
  io::ConfigSection section(r, root, "");
  VisitAttributesOptions(o, [&](const char* key, auto& value) { section.Read(key, &value); });
  section.Finish();
  try {
    o.Check();
  } catch (const Error& e) {
    // Name the key the file gave: the first whose value alone, on the defaults, fails the
    // check (nested options' messages name their own fields, e.g. max_gap_seconds for
    // fragment_link_max_gap_seconds); the whole file when only values together fail.
    VisitAttributesOptions(o, [&](const char* key, const auto& value) {
      tracking::TrackAttributesOptions alone;
      VisitAttributesOptions(alone, [&](const char* other, auto& slot) {
        if constexpr (std::is_same_v<std::decay_t<decltype(slot)>, std::decay_t<decltype(value)>>) {
          if (std::string_view(other) == key) slot = value;
        }
      });
      try {
        alone.Check();
      } catch (const Error& alone_error) {
        r.Fail(root[key], key, alone_error.message());
      }
    });
    throw InputError(file, 0, "", e.message());
  }
  return o;
}

nlohmann::json ToJson(const tracking::TrackAttributesOptions& options) {
  nlohmann::json j = nlohmann::json::object();
  VisitAttributesOptions(options, [&](const char* key, const auto& value) { j[key] = value; });
  return j;
}

nlohmann::json RunReport::ToJson() const {
  nlohmann::json j;
  j["format"] = kRunFormat;
  j["match"] = match;
  j["refs"] = refs;
  for (const auto& [name, layer] : layers) {
    j["layers"][name] = {{"key", layer.key}, {"cache", layer.hit ? "hit" : "miss"}, {"seconds", layer.seconds}};
  }
  j["frames"] = frames;
  j["detections"] = detections;
  j["rows"] = rows;
  j["filled_rows"] = filled_rows;
  j["tracks"] = tracks;
  j["dropped_non_person_tracks"] = dropped_tracks;
  j["dropped_unconfirmed_tracks"] = dropped_unconfirmed_tracks;
  j["substitution_cuts"] = substitution_cuts;
  j["number_change_cuts"] = number_change_cuts;
  j["kit_change_cuts"] = kit_change_cuts;
  j["appearance_change_cuts"] = appearance_change_cuts;
  j["appearance_cuts_undone"] = appearance_cuts_undone;
  j["exchanges"] = exchanges;
  j["name_splices"] = name_splices;
  j["name_splice_clashes_unnamed"] = name_splice_clashes_unnamed;
  j["tracks_named_by_elimination"] = tracks_named_by_elimination;
  j["fragment_links"] = fragment_links;
  j["handover_rows_dropped"] = handover_rows_dropped;
  j["stray_end_rows_dropped"] = stray_end_rows_dropped;
  nlohmann::json ms = nlohmann::json::object();
  for (const auto& [stage, seconds] : stage_seconds) ms[stage] = frames > 0 ? 1000 * seconds / frames : 0.0;
  j["timings_ms_per_frame"] = ms;
  j["timings_note"] = "stages measured in this run; a cache hit skips the stages of its layer; decode_stitch runs on a "
                      "background thread, overlapped with the networks";
  j["total_seconds"] = total_seconds;
  j["frames_per_second"] = total_seconds > 0 ? frames / total_seconds : 0.0;
  j["peak_memory_mib"] = peak_rss_bytes / 1048576.0;
  j["threads"] = threads;
  j["attributes"] = pipeline::ToJson(attributes);
  j["tracker"] = tracker_type;
  j["jersey"] = jersey_source;
  j["player_id"] = identity_source;
  if (identity_source == "identity_resolver") {
    j["identities"] = identities;
    j["identities_named_unsure"] = identities_named_unsure;
  }
  return j;
}

RunReport Run(const fs::path& match_dir, const fs::path& out, const RunOptions& options) {
  options.Check();
  Stopwatch total;
  RegisterModels();  // idempotent: the layer producers
  const fs::path model_store = options.model_store.empty() ? registry::DefaultModelStoreRoot() : options.model_store;
  const fs::path cache_root = options.cache.empty() ? store::DefaultArtifactStoreRoot() : options.cache;

  // Every check before any work: the match (videos against match.yaml), the output,
  // the collection and its packages.
  const io::MatchDir match = io::OpenMatchDir(match_dir);
  std::vector<fs::path> inputs = match.InputFiles();
  inputs.insert(inputs.end(), {options.models_yaml, model_store, cache_root});
  CheckOutputNotInput(out, inputs, "--out");
  CheckReplaceableOutputDir(out, /*force=*/true, "--out");  // ipt run replaces its own output
  RunReport report;
  report.match = match.info.name;
  report.threads = options.threads;
  report.attributes = options.attributes;
  report.refs = CheckRunCollection(options.models_yaml, model_store);
  if (options.tracker == "online") {
    // The online tracker's default options, packaged for this collection's upstream models.
    registry::ModelStore models(model_store);
    registry::TrainingContext context;
    report.refs["tracker"] = registry::TrainModel("tracker", registry::ModelGraph::PathA(),
                                                  registry::ReadCollection(options.models_yaml), models, context);
  }
  if (!options.tracker.empty() && options.tracker != "online" && options.tracker != "gnn") {
    const registry::ModelStore models(model_store);
    const std::string ref = models.Resolve(options.tracker);
    const registry::ModelManifest m = registry::ReadPackage(models.PackageDir(ref));
    for (const char* upstream : {"detector", "crop_encoder"}) {
      auto it = m.trained_with.find(upstream);
      if (m.kind != "tracker" || it == m.trained_with.end() || it->second != report.refs.at(upstream)) {
        throw InputError((models.PackageDir(ref) / registry::kManifestFileName).string(), 0, std::string("trained_with.") + upstream,
                         "--tracker " + options.tracker + " is not a tracker trained with the collection's " + upstream);
      }
    }
    report.refs["tracker"] = ref;
  }
  report.tracker_type = CheckTrackerPackage(registry::ModelStore(model_store).PackageDir(report.refs.at("tracker")));
  if (options.tracker == "gnn" && report.tracker_type != gnn_tracker::kGnnTrackerType) {
    throw InputError(options.models_yaml.string(), 0, "models.tracker",
                     "--tracker gnn: the collection's tracker is an " + report.tracker_type);
  }

  // Model 4: the collection's JN classifier reads the jersey, when the collection names
  // one and the run uses the tracker it was trained with; else the vote.
  const registry::ModelCollection collection = registry::ReadCollection(options.models_yaml);
  std::optional<jn_classifier::JnClassifier> jn;
  if (options.jersey != "vote" && collection.refs.count("jn_classifier")) {
    const bool collections_tracker =
        registry::ModelStore(model_store).Resolve(collection.refs.at("tracker")) == report.refs.at("tracker");
    if (collections_tracker) {
      report.refs["jn_classifier"] = CheckRunCollection(options.models_yaml, model_store, {"jn_classifier"}).at("jn_classifier");
      jn.emplace(registry::ModelStore(model_store).PackageDir(report.refs["jn_classifier"]),
                 jn_classifier::JnClassifierRunOptions{options.threads});
    } else if (options.jersey == "classifier") {
      throw InputError(options.models_yaml.string(), 0, "models.jn_classifier",
                       "--jersey classifier: the JN classifier was trained with the collection's tracker, not --tracker " +
                           options.tracker);
    } else {
      spdlog::info("jersey: the vote (the collection's JN classifier was trained with its tracker, not --tracker {})",
                   options.tracker);
    }
  } else if (options.jersey == "classifier") {
    throw InputError(options.models_yaml.string(), 0, "models.jn_classifier", "--jersey classifier: the collection names none");
  }
  report.jersey_source = jn ? "jn_classifier" : "vote";
  // Model 5: the collection's identity resolver names the players, when the collection
  // names one, the run uses its tracker and the JN classifier gives the naming evidence;
  // else each track's jersey is looked up in the roster.
  std::optional<identity_resolver::IdentityResolver> resolver;
  if (collection.refs.count("identity_resolver")) {
    if (jn) {
      report.refs["identity_resolver"] =
          CheckRunCollection(options.models_yaml, model_store, {"identity_resolver"}).at("identity_resolver");
      resolver.emplace(registry::ModelStore(model_store).PackageDir(report.refs["identity_resolver"]), options.threads);
    } else {
      spdlog::info("player ids: roster look-up (the identity resolver needs the collection's JN classifier and tracker)");
    }
  }
  report.identity_source = resolver ? "identity_resolver" : "roster_lookup";

  store::ArtifactStore cache(cache_root);
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  store::PrecomputeOptions precompute;
  precompute.model_store = model_store;
  precompute.max_frames = options.max_frames;
  precompute.stage_seconds = &report.stage_seconds;
  auto layer = [&](const std::string& name, const std::string& stage, bool load_tensors) {
    precompute.load_tensors = load_tensors;
    if (options.progress) {
      precompute.producer_progress = [&, stage](int64_t done, int64_t n) { options.progress(stage, done, n); };
    }
    Stopwatch watch;
    store::LayerResult r = store::GetOrCompute(cache, graph, name, match.dir, report.refs,
                                               store::ProducerRegistry::Global(), precompute);
    report.layers[name] = {r.key.key, r.hit, watch.Seconds()};
    spdlog::info("{} layer {}: {} ({}/{}/{})", name, r.hit ? "cache hit" : "computed", registry::ShortRef(r.key.key),
                 cache_root.string(), name, r.key.key);
    return r;
  };
  FrameLayer frames;
  TrackLayer tracks;
  if (options.track_layer) {
    // Given tracks are not the store's either; the frame layer may be.
    if (options.frame_layer) {
      frames = ReadFrameLayer(*options.frame_layer, "given frame layer");
      report.layers["frame"] = {"given", false, 0};
    } else {
      const store::LayerResult frame_entry = layer("frame", "frame level", /*load_tensors=*/false);
      frames = OpenFrameLayer(frame_entry.file, frame_entry.file.string());
    }
    Stopwatch watch;
    tracks = options.track_layer(frames);
    CheckTrackLayer(tracks, frames.rows, "given track layer");
    report.tracker_type = kGivenTrackLayer;
    report.refs.erase("tracker");  // none ran; the collection's chose models 4 and 5
    report.layers["track"] = {"given", false, watch.Seconds()};
  } else if (options.frame_layer) {
    // Given layers are not the store's: computed here, stored nowhere.
    frames = ReadFrameLayer(*options.frame_layer, "given frame layer");
    Stopwatch watch;
    const io::SafetensorsFile track_file = ComputeTrackLayerWith(
        frames, match.dir, registry::ModelStore(model_store).PackageDir(report.refs.at("tracker")), &report.stage_seconds);
    tracks = ReadTrackLayer(track_file, frames.rows, "computed track layer");
    report.layers["frame"] = {"given", false, 0};
    report.layers["track"] = {"not stored", false, watch.Seconds()};
  } else {
    // The frame layer stays in its file and the match level reads it block by block: a
    // 90-minute one is 2.6 GB (docs/performance.md).
    const store::LayerResult frame_entry = layer("frame", "frame level", /*load_tensors=*/false);
    frames = OpenFrameLayer(frame_entry.file, frame_entry.file.string());
    const store::LayerResult track_entry = layer("track", "track level", /*load_tensors=*/true);
    tracks = ReadTrackLayer(track_entry.tensors, frames.rows,
                            fmt::format("track layer {}", registry::ShortRef(track_entry.key.key)));
  }
  report.frames = frames.frames;
  report.detections = frames.rows;

  MatchLevelOutput match_level = RunMatchLevel(frames, tracks, match.info, options.attributes, jn ? &*jn : nullptr,
                                               resolver ? &*resolver : nullptr, options.drop_non_person_tracks);
  for (const auto& [stage, seconds] : match_level.stage_seconds) report.stage_seconds[stage] = seconds;
  report.dropped_tracks = match_level.dropped;
  report.dropped_unconfirmed_tracks = match_level.dropped_unconfirmed;
  report.substitution_cuts = match_level.substitution_cuts;
  report.number_change_cuts = match_level.number_change_cuts;
  report.kit_change_cuts = match_level.kit_change_cuts;
  report.appearance_change_cuts = match_level.appearance_change_cuts;
  report.appearance_cuts_undone = match_level.appearance_cuts_undone;
  report.exchanges = match_level.exchanges;
  report.name_splices = match_level.name_splices;
  report.name_splice_clashes_unnamed = match_level.name_splice_clashes_unnamed;
  report.tracks_named_by_elimination = match_level.tracks_named_by_elimination;
  report.fragment_links = match_level.fragment_links;
  report.handover_rows_dropped = match_level.handover_rows_dropped;
  report.stray_end_rows_dropped = match_level.stray_end_rows_dropped;
  report.identities = match_level.identities;
  report.identities_named_unsure = static_cast<int64_t>(match_level.guessed_player_ids.size());
  const std::vector<eval::PipelineRow>& rows = match_level.rows;
  report.rows = static_cast<int64_t>(rows.size());
  report.filled_rows = match_level.filled_rows;
  report.tracks = match_level.tracks;
  if (options.progress) options.progress("attributes", report.tracks, report.tracks);

  Stopwatch watch;
  eval::WriteOutputDirectory(out, "--out", [&](const fs::path& temp) {
    WriteRunRows(match.info, rows, temp);
    report.stage_seconds[kWriteStage] = watch.Seconds();
    report.total_seconds = total.Seconds();
    report.peak_rss_bytes = PeakRssBytes();
    WriteFileAtomic(temp / "run.json", report.ToJson().dump(2) + "\n");
  });
  return report;
}

void WriteRunRows(const io::MatchInfo& match, const std::vector<eval::PipelineRow>& rows, const fs::path& dir) {
  eval::WriteTracksCsv(rows, dir / kTracksCsv);
  eval::WriteGsrPredictions(match, rows, dir / kGsrPredictionsJson);
}

EncodeReport EncodeMatches(const std::vector<fs::path>& matches, const EncodeOptions& options) {
  IPT_CHECK(options.max_frames >= 0 && options.max_frames <= limits::kMaxFrames, "max_frames must be in [0, {}], got {}",
            limits::kMaxFrames, options.max_frames);
  Stopwatch total;
  RegisterModels();
  const fs::path model_store = options.model_store.empty() ? registry::DefaultModelStoreRoot() : options.model_store;
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  const auto refs = CheckRunCollection(options.models_yaml, model_store, graph.Producers("frame"));
  for (const auto& m : matches) io::OpenMatchDir(m);  // every match checked before any work
  store::ArtifactStore cache(options.cache.empty() ? store::DefaultArtifactStoreRoot() : options.cache);
  EncodeReport report;
  store::PrecomputeOptions precompute;
  precompute.model_store = model_store;
  precompute.max_frames = options.max_frames;
  precompute.stage_seconds = &report.stage_seconds;
  for (size_t i = 0; i < matches.size(); ++i) {
    if (options.progress) {
      precompute.producer_progress = [&, i](int64_t done, int64_t n) { options.progress(i, done, n); };
    }
    store::LayerResult r = store::GetOrCompute(cache, graph, "frame", matches[i], refs,
                                               store::ProducerRegistry::Global(), precompute);
    report.keys.push_back(r.key.key);
    report.hits.push_back(r.hit);
    if (!r.hit) report.frames_computed += ReadFrameLayer(r.tensors, "frame layer " + r.key.key).frames;
  }
  report.seconds = total.Seconds();
  return report;
}

}  // namespace ipt::pipeline
