// The GNN tracker network's configuration (torch-free: recorded in the package's
// architecture.network, read by the run time and the trainer).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ipt::gnn_tracker {

struct GnnNetConfig {
  int node_features = 0;  // input widths (tracking::NodeFeatureCount, kEdgeFeatureCount)
  int edge_features = 0;
  int node_dim = 32;      // MPNTrack uses 32 / 16 for node / edge embeddings
  int edge_dim = 16;
  int hidden = 64;        // MLP hidden width
  int steps = 10;         // message passing steps (MPNTrack: 12; SUSHI: 10 per level)
  bool category_head = true;
  bool stop_gradient = true;  // the category loss does not reach the tracking network
  void Check() const;
  nlohmann::json ToJson() const;
  static GnnNetConfig FromJson(const nlohmann::json& j, const std::string& source);
};

}  // namespace ipt::gnn_tracker
