#include "ipt/pipeline/track_level.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "ipt/io/match.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/registry/model_package.h"
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
  visit("", "report_filtered_position", o.report_filtered_position);
  visit("", "report_tentative_hits", o.report_tentative_hits);
}

std::string FieldName(const std::string& prefix, const std::string& section, const std::string& key) {
  std::string out = prefix;
  for (const std::string& part : {section, key}) {
    if (!part.empty()) out += (out.empty() ? "" : ".") + part;
  }
  return out;
}

}  // namespace

nlohmann::json OnlineTrackerOptionsToJson(const tracking::OnlineTrackerOptions& options) {
  nlohmann::json j = nlohmann::json::object();
  tracking::OnlineTrackerOptions o = options;
  VisitOptions(o, [&](const std::string& section, const char* key, const auto& value) {
    if (section.empty()) j[key] = value;
    else j[section][key] = value;
  });
  return j;
}

tracking::OnlineTrackerOptions OnlineTrackerOptionsFromJson(const nlohmann::json& json, const std::string& source) {
  const std::string prefix = "architecture.options";
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  if (!json.is_object()) fail(prefix, "expected an object of online tracker options");
  // Known keys per section; anything else is an error (a typo must not pass silently).
  std::map<std::string, std::set<std::string>> known;
  tracking::OnlineTrackerOptions o;
  VisitOptions(o, [&](const std::string& section, const char* key, const auto&) { known[section].insert(key); });
  known[""].insert(kKalmanSection);
  for (const auto& [key, value] : json.items()) {
    if (!known[""].count(key)) fail(FieldName(prefix, "", Echo(key)), "unknown option");
  }
  if (!json.contains(kKalmanSection) || !json[kKalmanSection].is_object()) {
    fail(FieldName(prefix, kKalmanSection, ""), "missing (an object of Kalman options)");
  }
  for (const auto& [key, value] : json[kKalmanSection].items()) {
    if (!known[kKalmanSection].count(key)) fail(FieldName(prefix, kKalmanSection, Echo(key)), "unknown option");
  }
  VisitOptions(o, [&](const std::string& section, const char* key, auto& value) {
    const nlohmann::json& holder = section.empty() ? json : json[section];
    const std::string field = FieldName(prefix, section, key);
    if (!holder.contains(key)) fail(field, "missing");
    const nlohmann::json& v = holder[key];
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) fail(field, "must be true or false");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) fail(field, "must be an integer");
      if (v.get<int64_t>() < std::numeric_limits<T>::min() || v.get<int64_t>() > std::numeric_limits<T>::max()) {
        fail(field, "out of range");
      }
    } else {
      if (!v.is_number()) fail(field, "must be a number");
    }
    value = v.get<T>();
  });
  try {
    o.Check();
  } catch (const Error& e) {
    fail(prefix, e.message());
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

registry::TrainedWeights TrainTracker(const registry::TrainingContext& ctx) {
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
  const std::string source = (package_dir / "model.json").string();
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
  std::vector<tracking::TrackerDetection> detections;
  for (int f = 1; f <= layer.frames; ++f) {
    detections.clear();
    for (; r < rows && layer.frame[r] == f; ++r) {
      tracking::TrackerDetection d;
      // The foot-points refined by the crop encoder (frame_level.h): the detector's alone
      // are a panorama pixel apart in depth on the far side (~0.5 m).
      d.foot_in_pitch_m = {layer.refined_foot_points_m[2 * r], layer.refined_foot_points_m[2 * r + 1]};
      d.score = layer.score[r];
      const float* e = layer.Row(crop_encoder::kEmbeddingField, r);
      d.embedding.assign(e, e + width);
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
  file.metadata = {{"format", kTrackLayerFormat}, {"tracks", std::to_string(tracker.num_track_ids())}};
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
  for (int64_t i = 0; i < rows; ++i) {
    const bool tracked = layer.track_id[i] >= 0;
    if (layer.track_id[i] < -1 || (tracked && !(std::isfinite(layer.position_m[2 * i]) && std::isfinite(layer.position_m[2 * i + 1])))) {
      throw InputError(source, 0, kTrackIdField, fmt::format("row {}: track id {} without a finite position", i, layer.track_id[i]));
    }
  }
  return layer;
}

io::SafetensorsFile ProduceTrackLayer(const store::LayerInputs& inputs) {
  IPT_CHECK(inputs.input_layer.has_value(), "the track layer is computed from the frame layer, which is missing");
  const std::string source = "frame layer of " + inputs.match_dir.string();
  const FrameLayer frame_layer = ReadFrameLayer(*inputs.input_layer, source);
  const double fps = io::ReadMatchYaml(inputs.match_dir / "match.yaml").fps;
  const registry::ModelStore models(inputs.model_store.empty() ? registry::DefaultModelStoreRoot() : inputs.model_store);
  auto it = inputs.refs.find("tracker");
  IPT_CHECK(it != inputs.refs.end(), "the collection names no tracker, needed for the track layer");
  const auto options = ReadOnlineTrackerPackage(models.PackageDir(models.Resolve(it->second)));
  Stopwatch watch;
  io::SafetensorsFile file = ComputeTrackLayer(frame_layer, fps, options);
  if (inputs.stage_seconds) (*inputs.stage_seconds)[kTrackerStage] += watch.Seconds();
  if (inputs.progress) inputs.progress(frame_layer.frames, frame_layer.frames);
  return file;
}

}  // namespace ipt::pipeline
