#include "ipt/gnn_tracker/gnn_tracker.h"

#include <set>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/gnn_tracker/gnn_net.h"
#include "ipt/gnn_tracker/graph_tensors.h"
#include "ipt/io/options_json.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::gnn_tracker {

namespace {
const auto kVisitAllTrackingOptions = [](auto& options, auto&& visit) { tracking::VisitChunkedTrackingOptions(options, visit); };
constexpr const char* kRoundingKey = "rounding";
}  // namespace

nlohmann::json TrackingOptionsToJson(const tracking::ChunkedTrackingOptions& options) {
  nlohmann::json j = io::OptionsToJson(options, kVisitAllTrackingOptions);
  j[kRoundingKey] = tracking::RoundingMethodName(options.rounding);
  return j;
}

tracking::ChunkedTrackingOptions TrackingOptionsFromJson(const nlohmann::json& json, const std::string& source,
                                                         const std::string& prefix) {
  tracking::ChunkedTrackingOptions o;
  io::OptionsFromJson(json, source, prefix, o, kVisitAllTrackingOptions, {kRoundingKey});
  const std::string rounding_field = prefix + "." + kRoundingKey;
  if (!json.contains(kRoundingKey) || !json[kRoundingKey].is_string()) {
    throw InputError(source, 0, rounding_field, "missing (min_cost_flow or greedy)");
  }
  try {
    o.rounding = tracking::ParseRoundingMethod(json[kRoundingKey].get<std::string>());
    o.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, prefix, e.message());
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
  const std::string source = (package_dir / registry::kManifestFileName).string();
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
  nn::LoadModule(*net_->net, package_dir / registry::kWeightsFileName);
  net_->net->eval();
  nn::SetTorchThreads(options.threads);
}

GnnTracker::~GnnTracker() = default;
GnnTracker::GnnTracker(GnnTracker&&) noexcept = default;

bool GnnTracker::has_category_head() const { return net_->net->config.category_head; }

tracking::LevelScores GnnTracker::Score(const tracking::LevelGraph& graph) {
  return ScoreLevel(net_->net, graph, has_category_head() && graph.level == tracking_options_.graph.levels());
}

tracking::MatchTracks GnnTracker::Track(const std::vector<int>& frame_of_row, int num_frames,
                                        const tracking::ChunkLoader& load, const tracking::MatchScale& scale,
                                        const ProgressFn& progress) {
  return tracking::TrackInChunks(frame_of_row, num_frames, load, tracking_options_, scale,
                                 [this](const tracking::LevelGraph& g) { return Score(g); }, progress);
}

}  // namespace ipt::gnn_tracker
