#include "ipt/tracking/gated_assignment.h"

#include <algorithm>
#include <cmath>

#include "ipt/eval/assignment.h"
#include "ipt/util/check.h"

namespace ipt::tracking {

std::vector<std::pair<int, int>> AssignInsideGates(const Eigen::MatrixXd& cost, std::optional<double> unmatched_cost) {
  const int rows = static_cast<int>(cost.rows()), cols = static_cast<int>(cost.cols());
  std::vector<std::pair<int, int>> pairs;
  if (rows == 0 || cols == 0) return pairs;
  double max_finite = 0;
  bool any_finite = false;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      if (std::isfinite(cost(i, j))) {
        IPT_ASSERT(cost(i, j) >= 0);
        max_finite = std::max(max_finite, cost(i, j));
        any_finite = true;
      }
  if (!any_finite) return pairs;
  const double unmatched = unmatched_cost.value_or(max_finite + 1);
  IPT_ASSERT(std::isfinite(unmatched) && unmatched > 0);
  // An impossible pair costs more than leaving its row and its column unmatched.
  const double impossible = 2 * std::max(unmatched, max_finite);
  const int n = rows + cols;
  Eigen::MatrixXd extended = Eigen::MatrixXd::Zero(n, n);
  extended.topLeftCorner(rows, cols) = cost.unaryExpr([&](double c) { return std::isfinite(c) ? c : impossible; });
  extended.topRightCorner(rows, rows).setConstant(unmatched / 2);
  extended.bottomLeftCorner(cols, cols).setConstant(unmatched / 2);
  for (auto [i, j] : eval::LinearSumAssignment(extended))
    if (i < rows && j < cols && cost(i, j) < unmatched) pairs.emplace_back(i, j);
  return pairs;
}

}  // namespace ipt::tracking
