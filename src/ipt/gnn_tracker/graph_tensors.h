// Level graphs (tracking/tracklet_graph.h) as the network's tensors.
#pragma once

#include <vector>

#include "ipt/gnn_tracker/gnn_net.h"
#include "ipt/tracking/tracklet_graph.h"

namespace ipt::gnn_tracker {

// The disjoint union of `graphs` (node and edge indices offset; graph i is category
// context group i).
GraphTensors ToGraphTensors(const std::vector<const tracking::LevelGraph*>& graphs);

// What `net` says of one level (no gradient): the last step's edge logits, and the category
// head's probabilities when `with_category` (the caller decides: the top level of a head).
tracking::LevelScores ScoreLevel(GnnTrackerNet& net, const tracking::LevelGraph& graph, bool with_category);

}  // namespace ipt::gnn_tracker
