#include "ipt/gnn_tracker/graph_tensors.h"

#include "ipt/util/check.h"

namespace ipt::gnn_tracker {

GraphTensors ToGraphTensors(const std::vector<const tracking::LevelGraph*>& graphs) {
  int64_t nodes = 0, edges = 0, node_width = 0;
  for (const auto* g : graphs) {
    nodes += g->num_nodes();
    edges += g->num_edges();
    if (g->num_nodes() > 0) node_width = static_cast<int64_t>(g->node_features.size()) / g->num_nodes();
  }
  GraphTensors t;
  t.graphs = static_cast<int64_t>(graphs.size());
  t.node_features = torch::empty({nodes, node_width});
  t.edge_features = torch::empty({edges, tracking::kEdgeFeatureCount});
  t.edge_from = torch::empty({edges}, torch::kLong);
  t.edge_to = torch::empty({edges}, torch::kLong);
  t.node_graph = torch::empty({nodes}, torch::kLong);
  t.node_weight = torch::empty({nodes});
  t.node_x = torch::empty({nodes});
  float* nf = t.node_features.data_ptr<float>();
  float* ef = t.edge_features.data_ptr<float>();
  int64_t* from = t.edge_from.data_ptr<int64_t>();
  int64_t* to = t.edge_to.data_ptr<int64_t>();
  int64_t* group = t.node_graph.data_ptr<int64_t>();
  float* weight = t.node_weight.data_ptr<float>();
  float* x = t.node_x.data_ptr<float>();
  int64_t node_offset = 0, edge_offset = 0;
  for (size_t gi = 0; gi < graphs.size(); ++gi) {
    const tracking::LevelGraph& g = *graphs[gi];
    IPT_ASSERT(g.num_nodes() == 0 || static_cast<int64_t>(g.node_features.size()) == g.num_nodes() * node_width);
    std::copy(g.node_features.begin(), g.node_features.end(), nf + node_offset * node_width);
    std::copy(g.edge_features.begin(), g.edge_features.end(), ef + edge_offset * tracking::kEdgeFeatureCount);
    for (int e = 0; e < g.num_edges(); ++e) {
      from[edge_offset + e] = node_offset + g.edge_from[e];
      to[edge_offset + e] = node_offset + g.edge_to[e];
    }
    for (int v = 0; v < g.num_nodes(); ++v) {
      group[node_offset + v] = static_cast<int64_t>(gi);
      weight[node_offset + v] = static_cast<float>(g.nodes[v].size());
      // The node's x feature (tracklet_graph.h: the second to last node feature).
      x[node_offset + v] = g.node_features[(v + 1) * node_width - 2];
    }
    node_offset += g.num_nodes();
    edge_offset += g.num_edges();
  }
  return t;
}

tracking::LevelScores ScoreLevel(GnnTrackerNet& net, const tracking::LevelGraph& graph, bool with_category) {
  torch::NoGradGuard no_grad;
  const GraphTensors t = ToGraphTensors({&graph});
  const GnnOutput out = net->forward(t);
  tracking::LevelScores scores;
  if (graph.num_edges() > 0) {
    const torch::Tensor logits = out.edge_logits.back().contiguous();
    scores.edge_logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  }
  if (with_category && graph.num_nodes() > 0) {
    const torch::Tensor p = torch::softmax(net->CategoryLogits(out.node_embedding, t), 1).contiguous();
    scores.category_probabilities.assign(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
  }
  return scores;
}

}  // namespace ipt::gnn_tracker
