#include "ipt/tracking/path_rounding.h"

#include <lemon/list_graph.h>
#include <lemon/network_simplex.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

void CheckEdges(int num_nodes, const std::vector<ScoredEdge>& edges) {
  IPT_CHECK(num_nodes >= 0, "RoundToPaths: negative node count");
  for (size_t k = 0; k < edges.size(); ++k) {
    const ScoredEdge& e = edges[k];
    IPT_CHECK(e.from >= 0 && e.from < num_nodes && e.to >= 0 && e.to < num_nodes,
              "RoundToPaths: edge {} ({} -> {}) names a node outside 0..{}", k, e.from, e.to, num_nodes - 1);
    IPT_CHECK(e.from != e.to, "RoundToPaths: edge {} is a self-loop on node {}", k, e.from);
    IPT_CHECK(std::isfinite(e.score) && std::abs(e.score) <= kMaxAbsScore,
              "RoundToPaths: edge {} has score {}, outside [-{}, {}]", k, e.score, kMaxAbsScore, kMaxAbsScore);
  }
}

std::vector<int> Greedy(int num_nodes, const std::vector<ScoredEdge>& edges, const std::vector<int>& eligible) {
  std::vector<int> order = eligible;
  // Decreasing score; ties by index, so the result is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return edges[a].score > edges[b].score; });
  std::vector<char> has_out(num_nodes, 0), has_in(num_nodes, 0);
  std::vector<int> chosen;
  for (int k : order) {
    if (has_out[edges[k].from] || has_in[edges[k].to]) continue;
    has_out[edges[k].from] = has_in[edges[k].to] = 1;
    chosen.push_back(k);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<int> MinCostFlow(int num_nodes, const std::vector<ScoredEdge>& edges, const std::vector<int>& eligible) {
  using Graph = lemon::ListDigraph;
  Graph g;
  const Graph::Node source = g.addNode(), sink = g.addNode();
  // Out- and in-copies only for nodes that an eligible edge touches.
  std::vector<Graph::Node> out_copy(num_nodes, lemon::INVALID), in_copy(num_nodes, lemon::INVALID);
  Graph::ArcMap<int64_t> capacity(g), cost(g);
  auto add_arc = [&](Graph::Node a, Graph::Node b, int64_t cap, int64_t c) {
    const Graph::Arc arc = g.addArc(a, b);
    capacity[arc] = cap;
    cost[arc] = c;
    return arc;
  };
  std::vector<Graph::Arc> edge_arcs;
  edge_arcs.reserve(eligible.size());
  int64_t sources = 0;
  for (int k : eligible) {
    const ScoredEdge& e = edges[k];
    if (out_copy[e.from] == lemon::INVALID) {
      out_copy[e.from] = g.addNode();
      add_arc(source, out_copy[e.from], 1, 0);
      ++sources;
    }
    if (in_copy[e.to] == lemon::INVALID) {
      in_copy[e.to] = g.addNode();
      add_arc(in_copy[e.to], sink, 1, 0);
    }
    edge_arcs.push_back(add_arc(out_copy[e.from], in_copy[e.to], 1, -std::llround(e.score * kScoreScale)));
  }
  // Flow not worth sending through a pair goes straight to the sink.
  add_arc(source, sink, sources, 0);
  Graph::NodeMap<int64_t> supply(g, 0);
  supply[source] = sources;
  supply[sink] = -sources;
  lemon::NetworkSimplex<Graph, int64_t, int64_t> solver(g);
  solver.upperMap(capacity).costMap(cost).supplyMap(supply);
  const bool optimal = solver.run() == lemon::NetworkSimplex<Graph, int64_t, int64_t>::OPTIMAL;
  IPT_ASSERT(optimal);  // always feasible: the source -> sink arc carries any flow
  std::vector<int> chosen;
  for (size_t i = 0; i < eligible.size(); ++i) {
    if (solver.flow(edge_arcs[i]) > 0) chosen.push_back(eligible[i]);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace

const char* RoundingMethodName(RoundingMethod method) {
  return method == RoundingMethod::kGreedy ? "greedy" : "min_cost_flow";
}

RoundingMethod ParseRoundingMethod(const std::string& name) {
  if (name == "min_cost_flow") return RoundingMethod::kMinCostFlow;
  if (name == "greedy") return RoundingMethod::kGreedy;
  IPT_THROW("unknown rounding '{}' (known: min_cost_flow, greedy)", name.substr(0, 40));
}

std::vector<int> RoundToPaths(int num_nodes, const std::vector<ScoredEdge>& edges, double min_score,
                              RoundingMethod method) {
  CheckEdges(num_nodes, edges);
  IPT_CHECK(std::isfinite(min_score) && std::abs(min_score) <= kMaxAbsScore, "RoundToPaths: min_score {} out of range",
            min_score);
  std::vector<int> eligible;
  for (int k = 0; k < static_cast<int>(edges.size()); ++k) {
    // Rounded as the flow sees it, so that both methods agree on what is worth taking.
    if (edges[k].score > min_score && std::llround((edges[k].score - min_score) * kScoreScale) > 0) eligible.push_back(k);
  }
  if (eligible.empty()) return {};
  if (method == RoundingMethod::kGreedy) return Greedy(num_nodes, edges, eligible);
  // Costs relative to min_score: taking an edge gains score - min_score.
  std::vector<ScoredEdge> shifted;
  shifted.reserve(edges.size());
  for (const ScoredEdge& e : edges) shifted.push_back({e.from, e.to, e.score - min_score});
  return MinCostFlow(num_nodes, shifted, eligible);
}

}  // namespace ipt::tracking
