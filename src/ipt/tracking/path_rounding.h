// Rounding a tracker's edge scores to a valid solution: a set of edges in which every
// node has at most one predecessor and at most one successor. Edges run forward in time
// (from an earlier tracklet to a later one), so the chosen edges are disjoint paths, i.e.
// tracks (Brasó & Leal-Taixé, "Learning a Neural Solver for Multiple Object Tracking",
// CVPR 2020; Cetintas et al., "Unifying Short and Long-Term Tracking with Graph
// Hierarchies" (SUSHI), CVPR 2023, round the same way).
//
// Exact: the best such set (largest total score over chosen edges, only edges with
// score > min_score taken) is a min-cost flow — source -> out(i) -> in(j) -> sink, unit
// capacities, cost -score on out(i) -> in(j), plus a free source -> sink arc — solved by
// LEMON's network simplex (integer costs: scores are scaled by kScoreScale and rounded).
// Greedy: edges by decreasing score, taken while both ends are free (an option; not
// optimal, but no solver).
#pragma once

#include <string>
#include <vector>

namespace ipt::tracking {

struct ScoredEdge {
  int from = 0;        // node index, the earlier tracklet
  int to = 0;          // node index, the later tracklet
  double score = 0;    // e.g. the edge classifier's logit; higher = more likely the same person
};

enum class RoundingMethod { kMinCostFlow, kGreedy };
const char* RoundingMethodName(RoundingMethod method);  // "min_cost_flow", "greedy"
// Parses a name above; throws ipt::Error listing the known names otherwise.
RoundingMethod ParseRoundingMethod(const std::string& name);

// Scores are scaled by this and rounded for the integer flow: 1e-6 of a logit is far
// below any difference the classifier means.
constexpr double kScoreScale = 1e6;
// Largest |score| accepted: scaled sums over a chunk's edges stay far inside int64.
constexpr double kMaxAbsScore = 1e6;

// The chosen edges (indices into `edges`, increasing). Every node (0..num_nodes-1)
// has at most one chosen outgoing and one chosen incoming edge; only edges with
// score > min_score are chosen. With kMinCostFlow the total score of the chosen edges is
// the largest possible (up to the scaling). Throws ipt::Error on a node index out of
// range, a self-loop, or a score that is not finite or exceeds kMaxAbsScore. Parallel edges are allowed (the best is
// taken).
std::vector<int> RoundToPaths(int num_nodes, const std::vector<ScoredEdge>& edges, double min_score = 0,
                              RoundingMethod method = RoundingMethod::kMinCostFlow);

}  // namespace ipt::tracking
