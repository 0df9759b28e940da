#include "ipt/tracking/path_rounding.h"

#include <gtest/gtest.h>

#include <random>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// Random forward-in-time graph: nodes in `frames` frames, edges from a node to nodes of
// later frames, scores in [-3, 3] (some parallel edges).
struct RandomGraph {
  int num_nodes = 0;
  std::vector<ScoredEdge> edges;
};
RandomGraph MakeRandomGraph(std::mt19937& rng, int max_nodes, int max_edges) {
  RandomGraph g;
  g.num_nodes = std::uniform_int_distribution<int>(0, max_nodes)(rng);
  if (g.num_nodes < 2) return g;
  std::vector<int> frame(g.num_nodes);
  for (int& f : frame) f = std::uniform_int_distribution<int>(0, 4)(rng);
  const int edges = std::uniform_int_distribution<int>(0, max_edges)(rng);
  std::uniform_int_distribution<int> node(0, g.num_nodes - 1);
  std::uniform_real_distribution<double> score(-3, 3);
  for (int k = 0; k < edges * 4 && static_cast<int>(g.edges.size()) < edges; ++k) {
    const int a = node(rng), b = node(rng);
    if (frame[a] < frame[b]) g.edges.push_back({a, b, score(rng)});
  }
  return g;
}

// Each node at most one chosen successor and predecessor; indices valid and increasing;
// only edges above min_score.
void ExpectValid(const RandomGraph& g, const std::vector<int>& chosen, double min_score) {
  std::vector<int> outs(g.num_nodes, 0), ins(g.num_nodes, 0);
  for (size_t i = 0; i < chosen.size(); ++i) {
    ASSERT_GE(chosen[i], 0);
    ASSERT_LT(chosen[i], static_cast<int>(g.edges.size()));
    if (i > 0) {
      ASSERT_LT(chosen[i - 1], chosen[i]);
    }
    const ScoredEdge& e = g.edges[chosen[i]];
    EXPECT_GT(e.score, min_score);
    EXPECT_LE(++outs[e.from], 1) << "node " << e.from << " has two successors";
    EXPECT_LE(++ins[e.to], 1) << "node " << e.to << " has two predecessors";
  }
}

double Total(const RandomGraph& g, const std::vector<int>& chosen) {
  double s = 0;
  for (int k : chosen) s += g.edges[k].score;
  return s;
}

// The best total gain (score - min_score) over every valid subset of edges
// (independent reference; small graphs only).
double BruteForceBest(const RandomGraph& g, double min_score) {
  const int m = static_cast<int>(g.edges.size());
  double best = 0;
  for (uint32_t mask = 0; mask < (1u << m); ++mask) {
    std::vector<int> outs(g.num_nodes, 0), ins(g.num_nodes, 0);
    double total = 0;
    bool ok = true;
    for (int k = 0; k < m && ok; ++k) {
      if (!(mask >> k & 1)) continue;
      const ScoredEdge& e = g.edges[k];
      ok = e.score > min_score && ++outs[e.from] <= 1 && ++ins[e.to] <= 1;
      total += e.score - min_score;
    }
    if (ok) best = std::max(best, total);
  }
  return best;
}

TEST(PathRounding, MinCostFlowIsOptimalAgainstBruteForce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 400; ++trial) {
    const RandomGraph g = MakeRandomGraph(rng, 7, 12);
    const double min_score = trial % 2 == 0 ? 0.0 : 0.5;
    const std::vector<int> chosen = RoundToPaths(g.num_nodes, g.edges, min_score);
    ExpectValid(g, chosen, min_score);
    // Scores are within 0.5e-6 of their scaled rounding; 12 edges at most.
    EXPECT_NEAR(Total(g, chosen) - min_score * chosen.size(), BruteForceBest(g, min_score), 1e-5) << "trial " << trial;
  }
}

TEST(PathRounding, AlwaysValidOnLargeRandomGraphs) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const RandomGraph g = MakeRandomGraph(rng, 300, 3000);
    for (RoundingMethod method : {RoundingMethod::kMinCostFlow, RoundingMethod::kGreedy}) {
      const std::vector<int> chosen = RoundToPaths(g.num_nodes, g.edges, 0.0, method);
      ExpectValid(g, chosen, 0.0);
    }
    // Exact is never worse than greedy.
    EXPECT_GE(Total(g, RoundToPaths(g.num_nodes, g.edges)) + 1e-3,
              Total(g, RoundToPaths(g.num_nodes, g.edges, 0.0, RoundingMethod::kGreedy)));
  }
}

TEST(PathRounding, ExactBeatsGreedyWhereGreedyIsShortSighted) {
  // a->c 2.0 blocks both b->c 1.9 and a->d 1.9; exact takes the two 1.9s.
  const std::vector<ScoredEdge> edges = {{0, 2, 2.0}, {1, 2, 1.9}, {0, 3, 1.9}};
  EXPECT_EQ(RoundToPaths(4, edges), (std::vector<int>{1, 2}));
  EXPECT_EQ(RoundToPaths(4, edges, 0, RoundingMethod::kGreedy), (std::vector<int>{0}));
}

TEST(PathRounding, EdgeCases) {
  EXPECT_TRUE(RoundToPaths(0, {}).empty());
  EXPECT_TRUE(RoundToPaths(1, {}).empty());
  EXPECT_TRUE(RoundToPaths(2, {{0, 1, -0.1}}).empty());             // not worth it
  EXPECT_EQ(RoundToPaths(2, {{0, 1, 0.1}}), (std::vector<int>{0}));
  EXPECT_EQ(RoundToPaths(2, {{0, 1, 0.1}, {0, 1, 0.3}}), (std::vector<int>{1}));  // parallel: the best
  EXPECT_THROW(RoundToPaths(2, {{0, 2, 1.0}}), Error);
  EXPECT_THROW(RoundToPaths(2, {{1, 1, 1.0}}), Error);
  EXPECT_THROW(RoundToPaths(2, {{0, 1, std::nan("")}}), Error);
  EXPECT_THROW(RoundToPaths(2, {{0, 1, 1e300}}), Error);
  EXPECT_EQ(ParseRoundingMethod("greedy"), RoundingMethod::kGreedy);
  EXPECT_EQ(ParseRoundingMethod(RoundingMethodName(RoundingMethod::kMinCostFlow)), RoundingMethod::kMinCostFlow);
  EXPECT_THROW(ParseRoundingMethod("lp"), Error);
}

}  // namespace
}  // namespace ipt::tracking
