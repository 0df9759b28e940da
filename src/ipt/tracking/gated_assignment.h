// A linear sum assignment in which some pairs are impossible and rows and columns may stay
// unmatched (torch-free): the online tracker's per-frame association and the joining of
// track fragments (fragment_links.h) both ask for it.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <utility>
#include <vector>

namespace ipt::tracking {

// Pairs (row, col) of `cost` (entries >= 0; +infinity = impossible) minimising the total
// cost of the chosen pairs plus unmatched_cost / 2 for each row and each column left
// unmatched; that is, maximising the sum over chosen pairs of (unmatched_cost - cost). A
// pair costing unmatched_cost or more is never chosen, nor an impossible one. Sorted by row.
// Without unmatched_cost: the largest finite cost + 1, so that every possible pair is worth
// more than leaving its row and its column unmatched.
//
// lapjv's extend_cost / cost_limit construction (as ByteTrack uses it): the linear sum
// assignment of the (rows + cols) square matrix
//   [ C                  U/2 (rows x rows) ]
//   [ U/2 (cols x cols)  0                 ]
// with U = unmatched_cost and impossible pairs at twice the larger of U and the largest
// finite cost.
std::vector<std::pair<int, int>> AssignInsideGates(const Eigen::MatrixXd& cost,
                                                   std::optional<double> unmatched_cost = std::nullopt);

}  // namespace ipt::tracking
