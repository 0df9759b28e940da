#include "ipt/pipeline/track_level.h"

#include "ipt/pipeline/models.h"

#include <spdlog/spdlog.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/eval/assignment.h"
#include "ipt/eval/ptfe.h"
#include "ipt/gnn_tracker/gnn_tracker_training.h"
#include "ipt/io/match.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/registry/model_graph.h"
#include "ipt/store/precompute.h"
#include "ipt/registry/model_package.h"
#include "ipt/io/options_json.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {
namespace {

constexpr const char* kKalmanSection = "kalman";

// Every option once: (section, key, value). Section "" is the top level.
template <typename Options, typename Visit>
void VisitOptions(Options& o, Visit&& visit) {
  visit(kKalmanSection, "acceleration_density_m2ps3", o.kalman.acceleration_density_m2ps3);
  visit(kKalmanSection, "measurement_sigma_m", o.kalman.measurement_sigma_m);
  visit(kKalmanSection, "initial_velocity_sigma_mps", o.kalman.initial_velocity_sigma_mps);
  visit("", "high_score", o.high_score);
  visit("", "low_score", o.low_score);
  visit("", "birth_score", o.birth_score);
  visit("", "confirm_hits", o.confirm_hits);
  visit("", "lost_seconds", o.lost_seconds);
  visit("", "gate_sigmas", o.gate_sigmas);
  visit("", "min_gate_m", o.min_gate_m);
  visit("", "max_gate_m", o.max_gate_m);
  visit("", "appearance_weight_m", o.appearance_weight_m);
  visit("", "max_appearance_distance", o.max_appearance_distance);
  visit("", "embedding_momentum", o.embedding_momentum);
  visit("", "kit_weight_m", o.kit_weight_m);
  visit("", "kit_momentum", o.kit_momentum);
  visit("", "kit_in_weak_stage", o.kit_in_weak_stage);
  visit("", "jersey_weight_m", o.jersey_weight_m);
  visit("", "jersey_half_certainty_crops", o.jersey_half_certainty_crops);
  visit("", "report_filtered_position", o.report_filtered_position);
  visit("", "report_tentative_hits", o.report_tentative_hits);
}
const auto kVisitAllOptions = [](auto& options, auto&& visit) { VisitOptions(options, visit); };

}  // namespace

nlohmann::json OnlineTrackerOptionsToJson(const tracking::OnlineTrackerOptions& options) {
  return io::OptionsToJson(options, kVisitAllOptions);
}

tracking::OnlineTrackerOptions OnlineTrackerOptionsFromJson(const nlohmann::json& json, const std::string& source) {
  const std::string prefix = "architecture.options";
  tracking::OnlineTrackerOptions o;
  // The kit options (session 16) and the jersey options (session 18) may be absent: off,
  // as those packages ran (the kit term is on by default since session 19).
  tracking::OnlineTrackerOptions as_they_ran;
  as_they_ran.kit_weight_m = 0;
  as_they_ran.jersey_weight_m = 0;
  const nlohmann::json completed =
      io::WithAddedOptions(json, OnlineTrackerOptionsToJson(as_they_ran),
                           {"kit_weight_m", "kit_momentum", "kit_in_weak_stage", "jersey_weight_m",
                            "jersey_half_certainty_crops"});
  io::OptionsFromJson(completed, source, prefix, o, kVisitAllOptions);
  try {
    o.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, prefix, e.message());
  }
  return o;
}

tracking::OnlineTrackerOptions ReadOnlineTrackerRecipe(const std::filesystem::path& path) {
  const std::string file = path.string();
  const YAML::Node root = io::LoadYamlFile(file);
  io::YamlReader r(file);
  if (!root.IsMap()) r.Fail(root, "", "expected a mapping");
  r.OnlyKeys(root, "", {"model", "type", "options"});
  const std::string model = r.GetOr<std::string>(root, "model", "", "tracker");
  if (model != "tracker") r.Fail(root["model"], "model", "'" + io::EchoValue(model) + "' is not tracker");
  const std::string type = r.Get<std::string>(root, "type", "");
  if (type != kOnlineTrackerType) {
    r.Fail(root["type"], "type", "unknown tracker type '" + io::EchoValue(type) + "' (known: online_tracker)");
  }
  tracking::OnlineTrackerOptions o;
  io::ConfigSection top(r, root["options"], "options");
  io::ConfigSection kalman(r, top.Child(kKalmanSection), "options.kalman");
  VisitOptions(o, [&](const std::string& section, const char* key, auto& value) {
    (section.empty() ? top : kalman).Read(key, &value);
  });
  top.Finish();
  kalman.Finish();
  try {
    o.Check();
  } catch (const Error& e) {
    const YAML::Node options = root["options"];
    throw InputError(file, options.IsDefined() ? options.Mark().line + 1 : 0, "options", e.message());
  }
  return o;
}

namespace {

// Training labels: a detection is of the person within this distance (PTFE's detection
// radius, eval/ptfe.h, so that the tracker learns what the evaluation counts).
const double kLabelDistanceM = eval::PtfeOptions{}.detection_radius_m;

// The recipe's `type` (online_tracker when there is no recipe).
std::string RecipeType(const std::filesystem::path& recipe) {
  if (recipe.empty()) return kOnlineTrackerType;
  const std::string file = recipe.string();
  const YAML::Node root = io::LoadYamlFile(file);
  io::YamlReader r(file);
  if (!root.IsMap()) r.Fail(root, "", "expected a mapping");
  const std::string type = r.Get<std::string>(root, "type", "");
  if (type != kOnlineTrackerType && type != gnn_tracker::kGnnTrackerType) {
    r.Fail(root["type"], "type", "unknown tracker type '" + io::EchoValue(type) + "' (known: online_tracker, gnn_tracker)");
  }
  return type;
}

// Frame layers of `matches` (from the store, computed where missing) with labels.
std::vector<gnn_tracker::LabelledMatch> LabelledMatches(const registry::TrainingContext& ctx,
                                                        const std::vector<std::string>& matches) {
  RegisterModels();  // idempotent: the frame layer's producer, for layers not in the store
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  store::ArtifactStore cache(ctx.cache.empty() ? store::DefaultArtifactStoreRoot() : ctx.cache);
  store::PrecomputeOptions precompute;
  precompute.model_store = ctx.model_store;
  std::map<std::string, std::string> refs;
  for (const std::string& model : graph.Producers("frame")) {
    auto it = ctx.upstream_refs.find(model);
    IPT_CHECK(it != ctx.upstream_refs.end(), "gnn tracker training needs the collection's {} (--models)", model);
    refs[model] = it->second;
  }
  std::vector<gnn_tracker::LabelledMatch> out;
  for (size_t i = 0; i < matches.size(); ++i) {
    const std::filesystem::path dir = matches[i];
    const store::LayerResult r = store::GetOrCompute(cache, graph, "frame", dir, refs, store::ProducerRegistry::Global(), precompute);
    spdlog::info("gnn tracker: frame layer of {} ({}/{}): {}", dir.string(), i + 1, matches.size(), r.hit ? "cache hit" : "computed");
    const FrameLayer layer = ReadFrameLayer(r.tensors, "frame layer of " + dir.string());
    const io::MatchInfo info = io::ReadMatchYaml(dir / io::kMatchYamlName);
    const auto annotations = io::ReadAnnotationsCsv(dir / io::kAnnotationsCsvName, info.frame_count);
    gnn_tracker::LabelledMatch m;
    m.name = dir.string();
    m.detections = FrameLayerChunk(layer, 0, layer.rows);
    m.person = LabelDetections(layer, annotations, kLabelDistanceM, &m.category);
    m.num_frames = layer.frames;
    m.scale = {info.fps, info.pitch.length_m, info.pitch.width_m};
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

registry::TrainedWeights TrainTracker(const registry::TrainingContext& ctx) {
  if (RecipeType(ctx.recipe) == gnn_tracker::kGnnTrackerType) {
    return gnn_tracker::TrainGnnTracker(
        ctx, [&](const std::vector<std::string>& matches) { return LabelledMatches(ctx, matches); });
  }
  const tracking::OnlineTrackerOptions options =
      ctx.recipe.empty() ? tracking::OnlineTrackerOptions{} : ReadOnlineTrackerRecipe(ctx.recipe);
  options.Check();
  io::SafetensorsFile weights;  // no tensors: the provenance makes the ref
  weights.metadata["format"] = kOnlineTrackerWeightsFormat;
  for (const auto& [model, ref] : ctx.upstream_refs) weights.metadata["trained_with." + model] = ref;
  registry::TrainedWeights w;
  w.weights_safetensors = io::SerializeSafetensors(weights);
  w.architecture = {{"type", kOnlineTrackerType}, {"options", OnlineTrackerOptionsToJson(options)}};
  w.metrics = {{"learning", "none"}, {"recipe", ctx.recipe.string()}};
  if (ctx.progress) ctx.progress(1, 1, "online tracker: options packaged");
  spdlog::info("tracker: the online tracker learns nothing; packaging its options{}",
               ctx.recipe.empty() ? " (defaults)" : " from " + ctx.recipe.string());
  return w;
}

tracking::OnlineTrackerOptions ReadOnlineTrackerPackage(const std::filesystem::path& package_dir) {
  const registry::ModelManifest manifest = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / registry::kManifestFileName).string();
  if (manifest.kind != "tracker") throw InputError(source, 0, "kind", "'" + Echo(manifest.kind) + "' is not a tracker");
  const nlohmann::json& a = manifest.architecture;
  if (!a.is_object() || !a.contains("type") || !a["type"].is_string() || a["type"] != kOnlineTrackerType) {
    throw InputError(source, 0, "architecture.type",
                     "this build runs trackers of type online_tracker only (got " +
                         Echo(a.is_object() && a.contains("type") ? a["type"].dump() : "none") + ")");
  }
  for (const auto& [key, value] : a.items()) {
    if (key != "type" && key != "options") throw InputError(source, 0, "architecture." + Echo(key), "unknown key");
  }
  if (!a.contains("options")) throw InputError(source, 0, "architecture.options", "missing");
  return OnlineTrackerOptionsFromJson(a["options"], source);
}

io::SafetensorsFile ComputeTrackLayer(const FrameLayer& layer, double fps, const tracking::OnlineTrackerOptions& options) {
  tracking::OnlineTracker tracker(options, fps);
  const int64_t rows = layer.rows;
  std::vector<int64_t> track_id(rows, -1);
  std::vector<float> position(rows * 2, std::numeric_limits<float>::quiet_NaN());
  const int width = crop_encoder::kEmbeddingDim;
  int64_t r = 0;
  const bool kits = options.kit_weight_m > 0, jerseys = options.jersey_weight_m > 0;
  std::vector<std::string> fields = {crop_encoder::kEmbeddingField};
  if (kits) fields.push_back(crop_encoder::kKitField);
  if (jerseys) {
    fields.insert(fields.end(), {crop_encoder::kPresenceField, crop_encoder::kNumberField, crop_encoder::kDigitsField});
  }
  SequentialRows crop_rows(layer, fields, kRowBlockRows);  // a file's layer is never held
  std::vector<tracking::TrackerDetection> detections;
  for (int f = 1; f <= layer.frames; ++f) {
    detections.clear();
    for (; r < rows && layer.frame[r] == f; ++r) {
      tracking::TrackerDetection d;
      // The foot-points refined by the crop encoder (frame_level.h): the detector's alone
      // are a panorama pixel apart in depth on the far side (~0.5 m).
      d.foot_in_pitch_m = {layer.refined_foot_points_m[2 * r], layer.refined_foot_points_m[2 * r + 1]};
      d.score = layer.score[r];
      const float* e = crop_rows.Row(crop_encoder::kEmbeddingField, r);
      d.embedding.assign(e, e + width);
      if (kits) {
        const float* kit = crop_rows.Row(crop_encoder::kKitField, r);
        d.kit.assign(kit, kit + crop_encoder::kKitDim);
      }
      if (jerseys) {  // as the identity resolver reads a crop (match_level.cc)
        d.legible = crop_encoder::LegibleProbability(crop_rows.Row(crop_encoder::kPresenceField, r));
        const auto p = crop_encoder::JerseyNumberProbabilities(crop_rows.Row(crop_encoder::kNumberField, r),
                                                               crop_rows.Row(crop_encoder::kDigitsField, r));
        d.jersey.assign(p.begin(), p.end());
      }
      d.index = r;
      detections.push_back(std::move(d));
    }
    for (const auto& row : tracker.Update(f, detections).rows) {
      track_id[row.detection_index] = row.track_id;
      position[2 * row.detection_index] = static_cast<float>(row.position_in_pitch_m.x());
      position[2 * row.detection_index + 1] = static_cast<float>(row.position_in_pitch_m.y());
    }
  }
  IPT_ASSERT(r == rows);
  io::SafetensorsFile file;
  file.tensors.push_back(MakeI64Tensor(kTrackIdField, track_id));
  file.tensors.push_back(MakeF32Tensor(kTrackPositionField, position, {rows, 2}));
  file.metadata = {{"format", kTrackLayerFormat},
                   {"tracks", std::to_string(tracker.num_track_ids())},
                   {"tracker", kOnlineTrackerType}};
  return file;
}

TrackLayer ReadTrackLayer(const io::SafetensorsFile& file, int64_t rows, const std::string& source) {
  auto it = file.metadata.find("format");
  if (it == file.metadata.end() || it->second != kTrackLayerFormat) {
    throw InputError(source, 0, "__metadata__.format", std::string("expected ") + kTrackLayerFormat);
  }
  TrackLayer layer;
  const io::TensorData& ids = RequireTensor(file, kTrackIdField, io::DType::kI64, rows, 0, source);
  layer.track_id.resize(rows);
  if (rows > 0) std::memcpy(layer.track_id.data(), ids.bytes.data(), rows * sizeof(int64_t));
  const io::TensorData& pos = RequireTensor(file, kTrackPositionField, io::DType::kF32, rows, 2, source);
  layer.position_m.resize(rows * 2);
  if (rows > 0) std::memcpy(layer.position_m.data(), pos.bytes.data(), rows * 2 * sizeof(float));
  if (file.Find(kTrackCategoryField)) {
    const io::TensorData& c = RequireTensor(file, kTrackCategoryField, io::DType::kF32, rows, io::kNumCategories, source);
    layer.category_probabilities.resize(rows * io::kNumCategories);
    if (rows > 0) std::memcpy(layer.category_probabilities.data(), c.bytes.data(), layer.category_probabilities.size() * sizeof(float));
  }
  CheckTrackLayer(layer, rows, source);
  return layer;
}

void CheckTrackLayer(const TrackLayer& layer, int64_t rows, const std::string& source) {
  if (static_cast<int64_t>(layer.track_id.size()) != rows || static_cast<int64_t>(layer.position_m.size()) != 2 * rows ||
      !(layer.category_probabilities.empty() ||
        static_cast<int64_t>(layer.category_probabilities.size()) == io::kNumCategories * rows)) {
    throw InputError(source, 0, kTrackIdField, fmt::format("the fields are not row-aligned with the {} rows of the frame layer", rows));
  }
  for (int64_t i = 0; i < rows; ++i) {
    const bool tracked = layer.track_id[i] >= 0;
    if (layer.track_id[i] < -1 || (tracked && !(std::isfinite(layer.position_m[2 * i]) && std::isfinite(layer.position_m[2 * i + 1])))) {
      throw InputError(source, 0, kTrackIdField, fmt::format("row {}: track id {} without a finite position", i, layer.track_id[i]));
    }
    for (int k = 0; tracked && k < io::kNumCategories && !layer.category_probabilities.empty(); ++k) {
      const float p = layer.category_probabilities[i * io::kNumCategories + k];
      if (!(p >= 0 && p <= 1)) {
        throw InputError(source, 0, kTrackCategoryField, fmt::format("row {}: probability {} outside [0, 1]", i, p));
      }
    }
  }
}

io::SafetensorsFile ComputeTrackLayerWith(const FrameLayer& frame_layer, const std::filesystem::path& match_dir,
                                          const std::filesystem::path& package, std::map<std::string, double>* stage_seconds) {
  const io::MatchInfo match = io::ReadMatchYaml(match_dir / io::kMatchYamlName);
  io::SafetensorsFile file;
  if (CheckTrackerPackage(package) == gnn_tracker::kGnnTrackerType) {
    gnn_tracker::GnnTracker tracker(package);
    Stopwatch watch;
    file = ComputeGnnTrackLayer(frame_layer, match, tracker);
    if (stage_seconds) (*stage_seconds)[kTrackerStage] += watch.Seconds();
  } else {
    const auto options = ReadOnlineTrackerPackage(package);
    Stopwatch watch;
    file = ComputeTrackLayer(frame_layer, match.fps, options);
    if (stage_seconds) (*stage_seconds)[kTrackerStage] += watch.Seconds();
  }
  return file;
}

io::SafetensorsFile ProduceTrackLayer(const store::LayerInputs& inputs) {
  IPT_CHECK(!inputs.input_layer_file.empty(), "the track layer is computed from the frame layer, which is missing");
  // Read chunk by chunk from its file, never whole (a 90-minute frame layer is 2.6 GB).
  const FrameLayer frame_layer = OpenFrameLayer(inputs.input_layer_file, inputs.input_layer_file.string());
  const registry::ModelStore models(inputs.model_store.empty() ? registry::DefaultModelStoreRoot() : inputs.model_store);
  auto it = inputs.refs.find("tracker");
  IPT_CHECK(it != inputs.refs.end(), "the collection names no tracker, needed for the track layer");
  io::SafetensorsFile file =
      ComputeTrackLayerWith(frame_layer, inputs.match_dir, models.PackageDir(models.Resolve(it->second)), inputs.stage_seconds);
  if (inputs.progress) inputs.progress(frame_layer.frames, frame_layer.frames);
  return file;
}

std::string CheckTrackerPackage(const std::filesystem::path& package_dir) {
  const registry::ModelManifest manifest = registry::ReadPackage(package_dir);
  const nlohmann::json& a = manifest.architecture;
  if (a.is_object() && a.contains("type") && a["type"] == gnn_tracker::kGnnTrackerType) {
    gnn_tracker::GnnTracker check(package_dir);  // throws naming model.json and the field
    return gnn_tracker::kGnnTrackerType;
  }
  ReadOnlineTrackerPackage(package_dir);
  return kOnlineTrackerType;
}

tracking::ChunkDetections FrameLayerChunk(const FrameLayer& layer, int64_t begin, int64_t end) {
  IPT_ASSERT(0 <= begin && begin <= end && end <= layer.rows);
  tracking::ChunkDetections d;
  d.embedding_dim = crop_encoder::kEmbeddingDim;
  d.kit_dim = crop_encoder::kKitDim;
  d.role_dim = crop_encoder::kNumRoles;
  const int64_t n = end - begin;
  // The chunk's rows only: a layer in a file is read chunk by chunk.
  const FrameRowBlock block =
      ReadRows(layer, {crop_encoder::kEmbeddingField, crop_encoder::kKitField, crop_encoder::kRoleField,
                       crop_encoder::kPresenceField, crop_encoder::kNumberField, crop_encoder::kDigitsField},
               begin, end);
  d.frame.reserve(n);
  d.embedding.reserve(n * d.embedding_dim);
  d.jersey.reserve(n * io::kNumJerseys);
  for (int64_t r = begin; r < end; ++r) {
    d.frame.push_back(static_cast<int>(layer.frame[r]));
    d.foot_in_pitch_m.emplace_back(layer.refined_foot_points_m[2 * r], layer.refined_foot_points_m[2 * r + 1]);
    d.score.push_back(layer.score[r]);
    const float* e = block.Row(crop_encoder::kEmbeddingField, r);
    d.embedding.insert(d.embedding.end(), e, e + d.embedding_dim);
    const float* k = block.Row(crop_encoder::kKitField, r);
    d.kit.insert(d.kit.end(), k, k + d.kit_dim);
    float roles[crop_encoder::kNumRoles];
    crop_encoder::Softmax(block.Row(crop_encoder::kRoleField, r), crop_encoder::kNumRoles, roles);
    d.role.insert(d.role.end(), roles, roles + crop_encoder::kNumRoles);
    d.legible.push_back(crop_encoder::LegibleProbability(block.Row(crop_encoder::kPresenceField, r)));
    const auto numbers = crop_encoder::JerseyNumberProbabilities(block.Row(crop_encoder::kNumberField, r),
                                                                 block.Row(crop_encoder::kDigitsField, r));
    d.jersey.insert(d.jersey.end(), numbers.begin(), numbers.end());
  }
  return d;
}

std::vector<int> LabelDetections(const FrameLayer& layer, const std::vector<io::Annotation>& annotations,
                                 double max_distance_m, std::vector<int>* category) {
  std::vector<int> person(layer.rows, -1);
  if (category) category->assign(layer.rows, -1);
  std::map<int, std::vector<const io::Annotation*>> by_frame;
  for (const auto& a : annotations) {
    if (a.in_view) by_frame[a.frame].push_back(&a);
  }
  for (int64_t begin = 0; begin < layer.rows;) {
    int64_t end = begin;
    while (end < layer.rows && layer.frame[end] == layer.frame[begin]) ++end;
    const auto it = by_frame.find(static_cast<int>(layer.frame[begin]));
    if (it != by_frame.end()) {
      const auto& people = it->second;
      Eigen::MatrixXd cost(end - begin, people.size());
      for (int64_t r = begin; r < end; ++r) {
        for (size_t p = 0; p < people.size(); ++p) {
          const double dx = layer.refined_foot_points_m[2 * r] - people[p]->x_m;
          const double dz = layer.refined_foot_points_m[2 * r + 1] - people[p]->z_m;
          const double d = std::hypot(dx, dz);
          cost(r - begin, p) = d <= max_distance_m ? d : 1e6;  // 1e6: not a pair
        }
      }
      for (const auto& [r, p] : eval::LinearSumAssignment(cost)) {
        if (cost(r, p) > max_distance_m) continue;
        person[begin + r] = people[p]->person_id;
        if (category) (*category)[begin + r] = static_cast<int>(people[p]->category);
      }
    }
    begin = end;
  }
  return person;
}

TrackLayer GroundTruthTrackLayer(const FrameLayer& layer, const std::vector<io::Annotation>& annotations,
                                 double max_distance_m) {
  const std::vector<int> person = LabelDetections(layer, annotations, max_distance_m);
  TrackLayer tracks;
  tracks.track_id.assign(layer.rows, -1);
  tracks.position_m.assign(layer.rows * 2, std::numeric_limits<float>::quiet_NaN());
  for (int64_t r = 0; r < layer.rows; ++r) {
    if (person[r] < 0) continue;
    tracks.track_id[r] = person[r];
    tracks.position_m[2 * r] = layer.refined_foot_points_m[2 * r];
    tracks.position_m[2 * r + 1] = layer.refined_foot_points_m[2 * r + 1];
  }
  return tracks;
}

io::SafetensorsFile ComputeGnnTrackLayer(const FrameLayer& layer, const io::MatchInfo& match, gnn_tracker::GnnTracker& tracker) {
  const int64_t rows = layer.rows;
  std::vector<int> frame_of_row(layer.frame.begin(), layer.frame.end());
  const tracking::MatchScale scale{match.fps, match.pitch.length_m, match.pitch.width_m};
  const tracking::MatchTracks tracks =
      tracker.Track(frame_of_row, layer.frames, [&](int64_t b, int64_t e) { return FrameLayerChunk(layer, b, e); }, scale);
  std::vector<float> position(rows * 2, std::numeric_limits<float>::quiet_NaN());
  for (int64_t r = 0; r < rows; ++r) {
    if (tracks.track_id[r] < 0) continue;
    position[2 * r] = layer.refined_foot_points_m[2 * r];
    position[2 * r + 1] = layer.refined_foot_points_m[2 * r + 1];
  }
  io::SafetensorsFile file;
  file.tensors.push_back(MakeI64Tensor(kTrackIdField, tracks.track_id));
  file.tensors.push_back(MakeF32Tensor(kTrackPositionField, position, {rows, 2}));
  if (!tracks.category_probabilities.empty()) {
    std::vector<float> category(rows * io::kNumCategories, std::numeric_limits<float>::quiet_NaN());
    for (int64_t r = 0; r < rows; ++r) {
      if (tracks.track_id[r] < 0) continue;
      std::copy_n(&tracks.category_probabilities[(tracks.track_id[r] - 1) * io::kNumCategories], io::kNumCategories,
                  &category[r * io::kNumCategories]);
    }
    file.tensors.push_back(MakeF32Tensor(kTrackCategoryField, category, {rows, io::kNumCategories}));
  }
  file.metadata = {{"format", kTrackLayerFormat},
                   {"tracks", std::to_string(tracks.num_tracks)},
                   {"tracker", gnn_tracker::kGnnTrackerType},
                   {"chunks", std::to_string(tracks.chunks)}};
  return file;
}

}  // namespace ipt::pipeline
