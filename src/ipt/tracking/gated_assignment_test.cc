#include "ipt/tracking/gated_assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <limits>
#include <random>

namespace ipt::tracking {
namespace {

constexpr double kImpossible = std::numeric_limits<double>::infinity();

// The largest sum of (unmatched - cost) over one-to-one sets of pairs costing less than
// `unmatched`, by trying every set (the reference).
double BestSaving(const Eigen::MatrixXd& cost, double unmatched) {
  const int rows = static_cast<int>(cost.rows()), cols = static_cast<int>(cost.cols());
  double best = 0;
  std::vector<int> col_of(rows, -1);
  std::vector<bool> used(cols, false);
  const std::function<void(int, double)> visit = [&](int row, double saving) {
    if (row == rows) {
      best = std::max(best, saving);
      return;
    }
    visit(row + 1, saving);  // row left unmatched
    for (int c = 0; c < cols; ++c) {
      if (used[c] || !(cost(row, c) < unmatched)) continue;
      used[c] = true;
      visit(row + 1, saving + unmatched - cost(row, c));
      used[c] = false;
    }
  };
  visit(0, 0);
  return best;
}

TEST(GatedAssignment, TheChosenPairsSaveTheMostByBruteForce) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> size(0, 5), coin(0, 3);
  std::uniform_real_distribution<double> value(0, 10);
  for (int instance = 0; instance < 500; ++instance) {
    Eigen::MatrixXd cost(size(rng), size(rng));
    double max_finite = -1;
    for (int i = 0; i < cost.rows(); ++i)
      for (int j = 0; j < cost.cols(); ++j) {
        cost(i, j) = coin(rng) == 0 ? kImpossible : value(rng);
        if (std::isfinite(cost(i, j))) max_finite = std::max(max_finite, cost(i, j));
      }
    // With an explicit cost of leaving a row and a column unmatched (some pairs cost more),
    // and without (the largest finite cost + 1: every possible pair is worth taking).
    for (const std::optional<double> unmatched : {std::optional<double>(5.0), std::optional<double>()}) {
      const double u = unmatched.value_or(max_finite + 1);
      const std::vector<std::pair<int, int>> pairs = AssignInsideGates(cost, unmatched);
      std::vector<bool> row_used(cost.rows(), false), col_used(cost.cols(), false);
      double saving = 0;
      for (auto [i, j] : pairs) {
        ASSERT_FALSE(row_used[i] || col_used[j]) << "instance " << instance;
        row_used[i] = col_used[j] = true;
        ASSERT_LT(cost(i, j), u) << "instance " << instance;  // never impossible nor too dear
        saving += u - cost(i, j);
      }
      EXPECT_TRUE(std::is_sorted(pairs.begin(), pairs.end()));
      if (max_finite >= 0) EXPECT_NEAR(saving, BestSaving(cost, u), 1e-9) << "instance " << instance;
      else EXPECT_TRUE(pairs.empty());
    }
  }
}

}  // namespace
}  // namespace ipt::tracking
