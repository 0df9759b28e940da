#include "ipt/eval/assignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One augmenting path from free row `i` in the reduced-cost graph (row-major cost, nc columns).
// Returns the sink column; fills path, shortest costs and the visited row/column sets.
int AugmentingPath(int nc, const std::vector<double>& cost, const std::vector<double>& u,
                   const std::vector<double>& v, std::vector<int>& path, const std::vector<int>& row4col,
                   std::vector<double>& shortest, int i, std::vector<char>& visited_rows,
                   std::vector<char>& visited_cols, std::vector<int>& remaining, double* min_value) {
  double min_val = 0;
  int num_remaining = nc;
  // Reverse order: a constant matrix gives the identity assignment (as SciPy).
  for (int it = 0; it < nc; ++it) remaining[it] = nc - it - 1;
  std::fill(visited_rows.begin(), visited_rows.end(), 0);
  std::fill(visited_cols.begin(), visited_cols.end(), 0);
  std::fill(shortest.begin(), shortest.end(), kInf);
  int sink = -1;
  while (sink == -1) {
    int index = -1;
    double lowest = kInf;
    visited_rows[i] = 1;
    for (int it = 0; it < num_remaining; ++it) {
      int j = remaining[it];
      double r = min_val + cost[static_cast<size_t>(i) * nc + j] - u[i] - v[j];
      if (r < shortest[j]) {
        path[j] = i;
        shortest[j] = r;
      }
      // Among equal minima prefer a column that is still free (a new sink).
      if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == -1)) {
        lowest = shortest[j];
        index = it;
      }
    }
    min_val = lowest;
    IPT_ASSERT(min_val != kInf);  // finite costs always admit a full assignment
    int j = remaining[index];
    if (row4col[j] == -1) {
      sink = j;
    } else {
      i = row4col[j];
    }
    visited_cols[j] = 1;
    remaining[index] = remaining[--num_remaining];
  }
  *min_value = min_val;
  return sink;
}

}  // namespace

std::vector<std::pair<int, int>> LinearSumAssignment(const Eigen::MatrixXd& matrix, bool maximize) {
  int nr = static_cast<int>(matrix.rows()), nc = static_cast<int>(matrix.cols());
  if (nr == 0 || nc == 0) return {};
  IPT_CHECK(matrix.allFinite(), "assignment cost matrix has non-finite entries");
  // Solve with rows <= cols; a tall matrix is transposed.
  const bool transpose = nc < nr;
  if (transpose) std::swap(nr, nc);
  std::vector<double> cost(static_cast<size_t>(nr) * nc);
  for (int i = 0; i < nr; ++i) {
    for (int j = 0; j < nc; ++j) {
      double value = transpose ? matrix(j, i) : matrix(i, j);
      cost[static_cast<size_t>(i) * nc + j] = maximize ? -value : value;
    }
  }
  std::vector<double> u(nr, 0), v(nc, 0), shortest(nc);
  std::vector<int> path(nc, -1), col4row(nr, -1), row4col(nc, -1), remaining(nc);
  std::vector<char> visited_rows(nr), visited_cols(nc);
  for (int current = 0; current < nr; ++current) {
    double min_val = 0;
    int sink = AugmentingPath(nc, cost, u, v, path, row4col, shortest, current, visited_rows,
                              visited_cols, remaining, &min_val);
    // Dual update.
    u[current] += min_val;
    for (int i = 0; i < nr; ++i) {
      if (visited_rows[i] && i != current) u[i] += min_val - shortest[col4row[i]];
    }
    for (int j = 0; j < nc; ++j) {
      if (visited_cols[j]) v[j] -= min_val - shortest[j];
    }
    // Augment along the path.
    int j = sink;
    while (true) {
      int i = path[j];
      row4col[j] = i;
      std::swap(col4row[i], j);
      if (i == current) break;
    }
  }
  std::vector<std::pair<int, int>> result;
  result.reserve(nr);
  if (transpose) {
    // Original rows are our columns: report sorted by original row.
    std::vector<int> order(nr);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return col4row[a] < col4row[b]; });
    for (int k : order) result.emplace_back(col4row[k], k);
  } else {
    for (int i = 0; i < nr; ++i) result.emplace_back(i, col4row[i]);
  }
  return result;
}

}  // namespace ipt::eval
