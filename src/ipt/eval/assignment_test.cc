#include "ipt/eval/assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace ipt::eval {
namespace {

// Brute force over all injective maps from the smaller side: the independent reference.
double BruteForceBest(const Eigen::MatrixXd& c, bool maximize) {
  const bool tall = c.rows() > c.cols();
  const Eigen::MatrixXd m = tall ? Eigen::MatrixXd(c.transpose()) : c;
  std::vector<int> cols(m.cols());
  std::iota(cols.begin(), cols.end(), 0);
  double best = maximize ? -1e300 : 1e300;
  // Enumerate permutations of columns; the first rows() entries pick the columns.
  std::sort(cols.begin(), cols.end());
  do {
    double sum = 0;
    for (int i = 0; i < m.rows(); ++i) sum += m(i, cols[i]);
    best = maximize ? std::max(best, sum) : std::min(best, sum);
  } while (std::next_permutation(cols.begin(), cols.end()));
  return best;
}

TEST(LinearSumAssignment, MatchesBruteForceOnRandomMatrices) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> value(-5, 5);
  std::uniform_int_distribution<int> size(1, 6), small_int(0, 3);
  for (int trial = 0; trial < 400; ++trial) {
    int r = size(rng), c = size(rng);
    Eigen::MatrixXd m(r, c);
    // Half the trials use small integers: many ties.
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < c; ++j) m(i, j) = trial % 2 ? value(rng) : small_int(rng);
    for (bool maximize : {false, true}) {
      auto pairs = LinearSumAssignment(m, maximize);
      ASSERT_EQ(pairs.size(), static_cast<size_t>(std::min(r, c)));
      std::vector<char> row_used(r), col_used(c);
      double sum = 0;
      for (auto [i, j] : pairs) {
        EXPECT_FALSE(row_used[i]++);
        EXPECT_FALSE(col_used[j]++);
        sum += m(i, j);
      }
      EXPECT_NEAR(sum, BruteForceBest(m, maximize), 1e-9) << m;
      for (size_t k = 1; k < pairs.size(); ++k) EXPECT_LT(pairs[k - 1].first, pairs[k].first);
    }
  }
}

TEST(LinearSumAssignment, ConstantMatrixGivesIdentityAndEmptyIsEmpty) {
  auto pairs = LinearSumAssignment(Eigen::MatrixXd::Zero(4, 4));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pairs[i], std::make_pair(i, i));
  EXPECT_TRUE(LinearSumAssignment(Eigen::MatrixXd(0, 3)).empty());
}

}  // namespace
}  // namespace ipt::eval
