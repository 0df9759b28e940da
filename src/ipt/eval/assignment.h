// Linear sum assignment (rectangular), the matching step of every tracking metric.
//
// Shortest augmenting path algorithm (Jonker-Volgenant without initialisation, as
// described by D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
// IEEE TAES 2016) — the algorithm SciPy's linear_sum_assignment uses, including its
// tie-breaking, so that metrics computed here match TrackEval's exactly.
#pragma once

#include <Eigen/Core>
#include <utility>
#include <vector>

namespace ipt::eval {

// Returns min(rows, cols) (row, col) pairs, sorted by row, minimising (or with
// maximize, maximising) the sum of the chosen entries. Entries must be finite.
std::vector<std::pair<int, int>> LinearSumAssignment(const Eigen::MatrixXd& cost,
                                                     bool maximize = false);

}  // namespace ipt::eval
