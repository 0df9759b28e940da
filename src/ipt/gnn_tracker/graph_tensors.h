// Level graphs (tracking/tracklet_graph.h) as the network's tensors.
#pragma once

#include <vector>

#include "ipt/gnn_tracker/gnn_net.h"
#include "ipt/tracking/tracklet_graph.h"

namespace ipt::gnn_tracker {

// The disjoint union of `graphs` (node and edge indices offset; graph i is category
// context group i).
GraphTensors ToGraphTensors(const std::vector<const tracking::LevelGraph*>& graphs);

}  // namespace ipt::gnn_tracker
