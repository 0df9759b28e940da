// A track's velocity at one of its ends (torch-free): the GNN tracker's tracklet features
// (tracklet_graph.h) and the joining of track fragments (fragment_links.h) read it.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace ipt::tracking {

// Least-squares slope (m/s) of foot-points (x, z; pitch metres) against time (1-based
// frames at `fps`). False, and *velocity_mps untouched, with fewer than two points or all
// in one frame.
bool FitVelocityMps(const std::vector<int>& frames, const std::vector<Eigen::Vector2d>& foot_in_pitch_m, double fps,
                    Eigen::Vector2d* velocity_mps);

}  // namespace ipt::tracking
