#include "ipt/gnn_tracker/gnn_tracker.h"

#include <set>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/gnn_tracker/gnn_net.h"
#include "ipt/gnn_tracker/graph_tensors.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::gnn_tracker {
namespace {

// Every option once: (section, key, value); section "" is the top level.
template <typename Options, typename Visit>
void VisitTrackingOptions(Options& o, Visit&& visit) {
  visit("graph", "chunk_frames", o.graph.chunk_frames);
  visit("graph", "top_k", o.graph.top_k);
  visit("graph", "min_detection_score", o.graph.min_detection_score);
  visit("graph", "max_speed_mps", o.graph.max_speed_mps);
  visit("graph", "position_slack_m", o.graph.position_slack_m);
  visit("graph", "appearance_weight_m", o.graph.appearance_weight_m);
  visit("graph", "velocity_window_s", o.graph.velocity_window_s);
  visit("graph", "min_link_probability", o.graph.min_link_probability);
  visit("", "overlap_frames", o.overlap_frames);
  visit("", "min_track_detections", o.min_track_detections);
}

}  // namespace

nlohmann::json TrackingOptionsToJson(const tracking::ChunkedTrackingOptions& options) {
  nlohmann::json j = nlohmann::json::object();
  tracking::ChunkedTrackingOptions o = options;
  VisitTrackingOptions(o, [&](const std::string& section, const char* key, const auto& value) {
    if (section.empty()) j[key] = value;
    else j[section][key] = value;
  });
  j["rounding"] = tracking::RoundingMethodName(options.rounding);
  return j;
}

tracking::ChunkedTrackingOptions TrackingOptionsFromJson(const nlohmann::json& json, const std::string& source,
                                                         const std::string& prefix) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  if (!json.is_object()) fail(prefix, "expected an object of tracking options");
  tracking::ChunkedTrackingOptions o;
  std::map<std::string, std::set<std::string>> known;
  VisitTrackingOptions(o, [&](const std::string& section, const char* key, const auto&) { known[section].insert(key); });
  known[""].insert({"graph", "rounding"});
  for (const auto& [key, value] : json.items()) {
    if (!known[""].count(key)) fail(prefix + "." + Echo(key), "unknown option");
  }
  if (!json.contains("graph") || !json["graph"].is_object()) fail(prefix + ".graph", "missing (an object)");
  for (const auto& [key, value] : json["graph"].items()) {
    if (!known["graph"].count(key)) fail(prefix + ".graph." + Echo(key), "unknown option");
  }
  VisitTrackingOptions(o, [&](const std::string& section, const char* key, auto& value) {
    const nlohmann::json& holder = section.empty() ? json : json[section];
    const std::string field = prefix + (section.empty() ? "" : "." + section) + "." + key;
    if (!holder.contains(key)) fail(field, "missing");
    const nlohmann::json& v = holder[key];
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer() || v.get<int64_t>() < -(int64_t(1) << 30) || v.get<int64_t>() > (int64_t(1) << 30)) {
        fail(field, "must be an integer in range");
      }
    } else if (!v.is_number()) {
      fail(field, "must be a number");
    }
    value = v.get<T>();
  });
  if (!json.contains("rounding") || !json["rounding"].is_string()) fail(prefix + ".rounding", "missing (min_cost_flow or greedy)");
  try {
    o.rounding = tracking::ParseRoundingMethod(json["rounding"].get<std::string>());
    o.Check();
  } catch (const Error& e) {
    fail(prefix, e.message());
  }
  return o;
}

void GnnTrackerRunOptions::Check() const {
  IPT_CHECK(threads >= 1 && threads <= 256, "gnn tracker: threads must be in [1, 256]");
}

int GnnNodeFeatureCount() {
  return tracking::NodeFeatureCount(crop_encoder::kEmbeddingDim, crop_encoder::kKitDim, crop_encoder::kNumRoles);
}

struct GnnTracker::Net {
  GnnTrackerNet net{nullptr};
};

GnnTracker::GnnTracker(const std::filesystem::path& package_dir, const GnnTrackerRunOptions& options)
    : net_(std::make_unique<Net>()) {
  options.Check();
  const registry::ModelManifest manifest = registry::ReadPackage(package_dir);
  const std::string source = (package_dir / "model.json").string();
  if (manifest.kind != "tracker") throw InputError(source, 0, "kind", "'" + Echo(manifest.kind) + "' is not a tracker");
  const nlohmann::json& a = manifest.architecture;
  if (!a.is_object() || !a.contains("type") || a["type"] != kGnnTrackerType) {
    throw InputError(source, 0, "architecture.type", "not a gnn_tracker");
  }
  for (const auto& [key, value] : a.items()) {
    static const std::set<std::string> known = {"type", "network", "tracking", "node_features", "edge_features"};
    if (!known.count(key)) throw InputError(source, 0, "architecture." + Echo(key), "unknown key");
  }
  // The features must be the ones this build computes, by name and order.
  const auto node_names = tracking::NodeFeatureNames(crop_encoder::kEmbeddingDim, crop_encoder::kKitDim, crop_encoder::kNumRoles);
  if (!a.contains("node_features") || a["node_features"] != nlohmann::json(node_names)) {
    throw InputError(source, 0, "architecture.node_features", "not the node features this build computes");
  }
  if (!a.contains("edge_features") || a["edge_features"] != nlohmann::json(tracking::EdgeFeatureNames())) {
    throw InputError(source, 0, "architecture.edge_features", "not the edge features this build computes");
  }
  if (!a.contains("tracking")) throw InputError(source, 0, "architecture.tracking", "missing");
  tracking_options_ = TrackingOptionsFromJson(a["tracking"], source, "architecture.tracking");
  if (!a.contains("network")) throw InputError(source, 0, "architecture.network", "missing");
  const GnnNetConfig config = GnnNetConfig::FromJson(a["network"], source);
  if (config.node_features != GnnNodeFeatureCount() || config.edge_features != tracking::kEdgeFeatureCount) {
    throw InputError(source, 0, "architecture.network", "feature widths differ from the named features");
  }
  net_->net = GnnTrackerNet(config);
  nn::LoadModule(*net_->net, package_dir / "weights.safetensors");
  net_->net->eval();
  nn::SetTorchThreads(options.threads);
}

GnnTracker::~GnnTracker() = default;
GnnTracker::GnnTracker(GnnTracker&&) noexcept = default;

bool GnnTracker::has_category_head() const { return net_->net->config.category_head; }

tracking::LevelScores GnnTracker::Score(const tracking::LevelGraph& graph) {
  torch::NoGradGuard no_grad;
  const GraphTensors t = ToGraphTensors({&graph});
  GnnOutput out = net_->net->forward(t);
  tracking::LevelScores scores;
  if (graph.num_edges() > 0) {
    const torch::Tensor logits = out.edge_logits.back().contiguous();
    scores.edge_logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  }
  if (has_category_head() && graph.level == tracking_options_.graph.levels() && graph.num_nodes() > 0) {
    const torch::Tensor p = torch::softmax(net_->net->CategoryLogits(out.node_embedding, t), 1).contiguous();
    scores.category_probabilities.assign(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
  }
  return scores;
}

tracking::MatchTracks GnnTracker::Track(const std::vector<int>& frame_of_row, int num_frames,
                                        const tracking::ChunkLoader& load, const tracking::MatchScale& scale,
                                        const ProgressFn& progress) {
  return tracking::TrackInChunks(frame_of_row, num_frames, load, tracking_options_, scale,
                                 [this](const tracking::LevelGraph& g) { return Score(g); }, progress);
}

}  // namespace ipt::gnn_tracker
