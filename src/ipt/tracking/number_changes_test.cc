#include "ipt/tracking/number_changes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <cstdint>
#include <random>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// An observation sure of candidate `number` among `candidates` (log(0.9 + floor) for it,
// log(0.1 / (candidates - 1) + floor) for the others), one per second.
NumberRead Sure(int second, int number, int candidates, double floor = 0.01) {
  NumberRead r{25 * second + 1, 25 * second + 10, {}};
  for (int m = 0; m < candidates; ++m)
    r.log_likelihood.push_back(std::log((m == number ? 0.9 : 0.1 / (candidates - 1)) + floor));
  return r;
}

NumberChangeOptions On(double gain, int min_reads = 3) {
  NumberChangeOptions o;
  o.min_gain_nats = gain;
  o.min_reads = min_reads;
  return o;
}

// The log-likelihood of observations [b, e) under their best candidate, summed one by one.
double BestSum(const std::vector<NumberRead>& reads, size_t b, size_t e) {
  double best = -std::numeric_limits<double>::infinity();
  for (size_t m = 0; m < reads[0].log_likelihood.size(); ++m) {
    double sum = 0;
    for (size_t k = b; k < e; ++k) sum += reads[k].log_likelihood[m];
    best = std::max(best, sum);
  }
  return best;
}

// -(log-likelihood) + penalty per stretch of a partition given by its cuts; infinite when
// a stretch is shorter than min_reads.
double PartitionCost(const std::vector<NumberRead>& reads, const std::vector<size_t>& cuts,
                     const NumberChangeOptions& o) {
  double cost = 0;
  size_t begin = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(reads.size());
  for (size_t end : ends) {
    if (end - begin < static_cast<size_t>(o.min_reads)) return std::numeric_limits<double>::infinity();
    cost += -BestSum(reads, begin, end) + o.min_gain_nats;
    begin = end;
  }
  return cost;
}

// The reference: every partition (every subset of the n - 1 places between observations).
double BestPartitionCost(const std::vector<NumberRead>& reads, const NumberChangeOptions& o) {
  double best = std::numeric_limits<double>::infinity();
  const size_t places = reads.size() - 1;
  for (uint32_t mask = 0; mask < (1u << places); ++mask) {
    std::vector<size_t> cuts;
    for (size_t k = 0; k < places; ++k)
      if (mask & (1u << k)) cuts.push_back(k + 1);
    best = std::min(best, PartitionCost(reads, cuts, o));
  }
  return best;
}

TEST(NumberChanges, ASwapBetweenTwoNumbersIsFoundWhereItHappens) {
  // Each sure observation of the other number gains log(0.91) - log(0.1 / 3 + 0.01) = 3.04
  // nats; a cut costs 10.
  std::vector<NumberRead> reads;
  for (int s = 0; s < 6; ++s) reads.push_back(Sure(s, 0, 4));
  for (int s = 6; s < 14; ++s) reads.push_back(Sure(s, 2, 4));
  EXPECT_EQ(NumberChangeReads(reads, On(10)), std::vector<size_t>({6}));
  // Back to the first number: two cuts, worth it for 8 observations (24.3 nats > 20) ...
  for (int s = 14; s < 19; ++s) reads.push_back(Sure(s, 0, 4));
  EXPECT_EQ(NumberChangeReads(reads, On(10)), std::vector<size_t>({6, 14}));
  // ... not for 6 (18.2 nats): a binary split would find no single cut worth it either.
  reads.erase(reads.begin() + 6, reads.begin() + 8);
  EXPECT_TRUE(NumberChangeReads(reads, On(10)).empty());
}

TEST(NumberChanges, TheGainThresholdAndMinReadsDecide) {
  // 3 reads of one number, 3 of another: the gain is 3 (log(0.91) - log(0.1/3 + 0.01))
  // on each side.
  std::vector<NumberRead> reads;
  for (int s = 0; s < 3; ++s) reads.push_back(Sure(s, 0, 4));
  for (int s = 3; s < 6; ++s) reads.push_back(Sure(s, 1, 4));
  const double gain = 3 * (std::log(0.91) - std::log(0.1 / 3 + 0.01));
  EXPECT_EQ(NumberChangeReads(reads, On(gain - 1e-6)), std::vector<size_t>({3}));
  EXPECT_TRUE(NumberChangeReads(reads, On(gain + 1e-6)).empty());
  EXPECT_TRUE(NumberChangeReads(reads, On(gain - 1e-6, 4)).empty());  // 4 reads a side
  EXPECT_TRUE(NumberChangeReads(reads, On(0)).empty());                // off
  EXPECT_TRUE(NumberChangeReads({}, On(1)).empty());
}

TEST(NumberChanges, OneNumberThroughoutIsNeverCut) {
  // Misreads of other numbers here and there, never a run of them.
  std::vector<NumberRead> reads;
  for (int s = 0; s < 200; ++s) reads.push_back(Sure(s, s % 17 == 5 ? 1 + s % 3 : 0, 5));
  EXPECT_TRUE(NumberChangeReads(reads, On(10)).empty());
}

// Exact: the partition found costs what the best of all partitions costs (tried one by
// one), on random observations with random changes of person, penalties and min_reads.
TEST(NumberChanges, FindsTheBestPartitionOnRandomReads) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-6, 0);
  int with_cuts = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int candidates = 1 + trial % 4;
    const int n = 1 + trial % 13;
    std::vector<NumberRead> reads;
    int person = 0;
    for (int s = 0; s < n; ++s) {
      if (rng() % 4 == 0) person = static_cast<int>(rng() % candidates);
      NumberRead r{25 * s + 1, 25 * s + 1, {}};
      for (int m = 0; m < candidates; ++m) r.log_likelihood.push_back(m == person ? u(rng) / 6 : u(rng));
      reads.push_back(r);
    }
    const NumberChangeOptions o = On(0.5 + trial % 7, 1 + trial % 3);
    const std::vector<size_t> cuts = NumberChangeReads(reads, o);
    with_cuts += !cuts.empty();
    const double best = BestPartitionCost(reads, o);
    if (!std::isfinite(best)) {
      EXPECT_TRUE(cuts.empty()) << "trial " << trial;  // fewer than min_reads observations
      continue;
    }
    EXPECT_NEAR(PartitionCost(reads, cuts, o), best, 1e-9) << "trial " << trial;
  }
  EXPECT_GT(with_cuts, 50);  // the comparison covers partitions with cuts
}

TEST(NumberChanges, RefusesBadInput) {
  std::vector<NumberRead> reads = {Sure(0, 0, 3), Sure(0, 1, 3)};  // the same window twice
  EXPECT_THROW(NumberChangeReads(reads, On(1)), Error);
  reads = {Sure(0, 0, 3), Sure(1, 1, 2)};  // candidate counts differ
  EXPECT_THROW(NumberChangeReads(reads, On(1)), Error);
  reads = {Sure(0, 0, 3)};
  reads[0].log_likelihood[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(NumberChangeReads(reads, On(1)), Error);
  NumberChangeOptions bad = On(1);
  bad.window_seconds = 0;
  EXPECT_THROW(bad.Check(), Error);
  bad = On(-1);
  EXPECT_THROW(bad.Check(), Error);
}

TEST(NumberChanges, TheCutGoesWhereTheTrackMeetsSomeone) {
  const std::vector<int> frames = {10, 11, 12, 14, 15, 20};
  const std::vector<double> nearest = {0.2, 3.0, 0.5, 0.4, 0.4, 0.1};
  EXPECT_EQ(CutFrame(frames, nearest, 10, 20), 20);  // (10, 20]: 20 is nearest
  EXPECT_EQ(CutFrame(frames, nearest, 10, 19), 14);  // ties: the earliest
  EXPECT_EQ(CutFrame(frames, nearest, 15, 19), 19);  // no frame of the track in (15, 19]
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(CutFrame({5, 6}, {inf, inf}, 4, 6), 6);  // alone: the first read of the new person
}

}  // namespace
}  // namespace ipt::tracking
