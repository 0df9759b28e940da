#include "ipt/tracking/appearance_changes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "ipt/tracking/number_changes.h"
#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

constexpr int kDim = 16;

// One observation a second (25 frames) per entry of `person`: person p's mean (a fixed
// random vector per p) plus Gaussian noise of `noise` per dimension.
std::vector<AppearanceWindow> Windows(const std::vector<int>& person, std::mt19937* rng, double noise = 0.05) {
  std::mt19937 means_rng(99);  // the same people in every call
  std::normal_distribution<double> unit(0, 1);
  std::vector<Eigen::VectorXd> means;
  for (int p = 0; p < 4; ++p) {
    Eigen::VectorXd m(kDim);
    for (int d = 0; d < kDim; ++d) m[d] = unit(means_rng);
    means.push_back(m.normalized());
  }
  std::vector<AppearanceWindow> windows;
  for (size_t k = 0; k < person.size(); ++k) {
    const int first = 1 + 25 * static_cast<int>(k);
    Eigen::VectorXd o = means.at(static_cast<size_t>(person[k]));
    for (int d = 0; d < kDim; ++d) o[d] += noise * unit(*rng);
    windows.push_back({first, first + 24, o, 25});
  }
  return windows;
}

// -(log-likelihood) of windows [b, e) around their own mean, written out.
double CostByHand(const std::vector<AppearanceWindow>& w, size_t b, size_t e, double spread_sq) {
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(kDim);
  for (size_t k = b; k < e; ++k) mean += w[k].mean_embedding;
  mean /= static_cast<double>(e - b);
  double sum = 0;
  for (size_t k = b; k < e; ++k) sum += (w[k].mean_embedding - mean).squaredNorm();
  return sum / (2 * spread_sq);
}

// The best partition by trying every one (2^(n-1) sets of cuts): the reference for the
// optimal partitioning with PELT's pruning.
// Only cuts k where may_cut[k] (empty: anywhere).
std::vector<size_t> BruteForcePartition(const std::vector<AppearanceWindow>& w, double spread_sq, double penalty,
                                        size_t min_windows, const std::vector<bool>& may_cut = {}) {
  const size_t n = w.size();
  double best = std::numeric_limits<double>::infinity();
  std::vector<size_t> best_cuts;
  for (uint32_t mask = 0; mask < (1u << (n - 1)); ++mask) {
    std::vector<size_t> cuts;
    bool legal = true;
    for (size_t k = 1; k < n; ++k) {
      if (!(mask & (1u << (k - 1)))) continue;
      cuts.push_back(k);
      if (!may_cut.empty() && !may_cut[k]) legal = false;
    }
    double total = 0;
    size_t begin = 0;
    for (size_t k = 0; k <= cuts.size(); ++k) {
      const size_t end = k < cuts.size() ? cuts[k] : n;
      if (end - begin < min_windows) legal = false;
      total += CostByHand(w, begin, end, spread_sq) + penalty;
      begin = end;
    }
    if (legal && total < best - 1e-9) {
      best = total;
      best_cuts = cuts;
    }
  }
  return best_cuts;
}

TEST(AppearanceChanges, ASwapIsCutWhereTheAppearanceChanges) {
  std::mt19937 rng(1);
  std::vector<int> person(20, 0);
  for (size_t k = 12; k < person.size(); ++k) person[k] = 1;
  AppearanceChangeOptions options;
  options.min_gain_nats = 50;
  const double spread_sq = kDim * 0.05 * 0.05;
  // The people lie >= 1.15 apart: A-B-A of 10 windows each gains >= 20 x 10 / 30 x 1.15^2 /
  // 0.08 = 110 nats against two stretches' penalty, 100.
  const std::vector<AppearanceWindow> people = Windows({0, 1, 2, 3}, &rng, 0.0);
  for (int a = 0; a < 4; ++a)
    for (int b = a + 1; b < 4; ++b) ASSERT_GE((people[a].mean_embedding - people[b].mean_embedding).norm(), 1.15);
  EXPECT_EQ(AppearanceChangeWindows(Windows(person, &rng), spread_sq, options), (std::vector<size_t>{12}));
  // A-B-A and A-B-C: both changes.
  person.assign(30, 0);
  for (size_t k = 10; k < 20; ++k) person[k] = 1;
  EXPECT_EQ(AppearanceChangeWindows(Windows(person, &rng), spread_sq, options), (std::vector<size_t>{10, 20}));
  for (size_t k = 20; k < 30; ++k) person[k] = 2;
  EXPECT_EQ(AppearanceChangeWindows(Windows(person, &rng), spread_sq, options), (std::vector<size_t>{10, 20}));
  // One person over 200 windows: no cut. Off: none either.
  person.assign(200, 3);
  EXPECT_TRUE(AppearanceChangeWindows(Windows(person, &rng), spread_sq, options).empty());
  person.assign(20, 0);
  for (size_t k = 10; k < 20; ++k) person[k] = 1;
  options.min_gain_nats = 0;
  EXPECT_TRUE(AppearanceChangeWindows(Windows(person, &rng), spread_sq, options).empty());
}

// The gain of one cut between two noiseless stretches: n1 n2 / (n1 + n2) d^2 / (2 s^2).
TEST(AppearanceChanges, TheGainOfACutAgainstItsPenalty) {
  std::mt19937 rng(2);
  std::vector<int> person(12, 0);
  for (size_t k = 4; k < person.size(); ++k) person[k] = 1;
  const std::vector<AppearanceWindow> w = Windows(person, &rng, 0.0);
  const double spread_sq = 0.01;
  const double d = (w[0].mean_embedding - w[11].mean_embedding).norm();
  const double gain = 4.0 * 8.0 / 12.0 * d * d / (2 * spread_sq);
  EXPECT_NEAR(LargestSingleAppearanceCutGain(w, spread_sq, 3), gain, 1e-9 * gain);
  AppearanceChangeOptions options;
  options.min_windows = 3;
  options.min_gain_nats = gain * (1 - 1e-6);
  EXPECT_EQ(AppearanceChangeWindows(w, spread_sq, options), (std::vector<size_t>{4}));
  options.min_gain_nats = gain * (1 + 1e-6);
  EXPECT_TRUE(AppearanceChangeWindows(w, spread_sq, options).empty());
  // Stretches shorter than min_windows are never made: 12 windows cannot hold two of 7.
  options.min_gain_nats = 1;
  options.min_windows = 7;
  EXPECT_TRUE(AppearanceChangeWindows(w, spread_sq, options).empty());
  EXPECT_EQ(LargestSingleAppearanceCutGain(w, spread_sq, 7), 0.0);
}

// On random tracks of up to three people, the partition equals the best of all partitions;
// with cuts allowed only at some boundaries (meetings), the best of the partitions cut there.
TEST(AppearanceChanges, ThePartitionIsTheBestOfAll) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> length(1, 13), who(0, 2), change(0, 4);
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<int> person(static_cast<size_t>(length(rng)));
    int p = who(rng);
    for (int& x : person) {
      if (change(rng) == 0) p = who(rng);
      x = p;
    }
    const std::vector<AppearanceWindow> w = Windows(person, &rng, 0.2);
    AppearanceChangeOptions options;
    options.min_gain_nats = std::uniform_real_distribution<double>(0.5, 30)(rng);
    options.min_windows = std::uniform_int_distribution<int>(1, 3)(rng);
    options.meeting_radius_m = 0;  // may_cut is given directly
    const double spread_sq = 0.3;
    std::vector<bool> may_cut;  // half the trials: anywhere
    if (trial % 2) {
      may_cut.resize(w.size());
      for (size_t k = 1; k < w.size(); ++k) may_cut[k] = change(rng) < 2;
    }
    EXPECT_EQ(AppearanceChangeWindows(w, spread_sq, options, may_cut),
              BruteForcePartition(w, spread_sq, options.min_gain_nats, static_cast<size_t>(options.min_windows), may_cut))
        << "trial " << trial;
  }
}

// A swap far from a meeting is not cut there: the cut moves to the nearest boundary that
// may be cut when that still gains enough, and none is made when no boundary may.
TEST(AppearanceChanges, CutsFallOnlyWhereTheyMayFall) {
  std::mt19937 rng(6);
  std::vector<int> person(20, 0);
  for (size_t k = 12; k < person.size(); ++k) person[k] = 1;
  const std::vector<AppearanceWindow> w = Windows(person, &rng);
  AppearanceChangeOptions options;
  options.min_gain_nats = 50;
  const double spread_sq = kDim * 0.05 * 0.05;
  std::vector<bool> may_cut(w.size(), false);
  EXPECT_TRUE(AppearanceChangeWindows(w, spread_sq, options, may_cut).empty());
  may_cut[11] = true;
  EXPECT_EQ(AppearanceChangeWindows(w, spread_sq, options, may_cut), (std::vector<size_t>{11}));
  may_cut[12] = true;
  EXPECT_EQ(AppearanceChangeWindows(w, spread_sq, options, may_cut), (std::vector<size_t>{12}));
  EXPECT_THROW(AppearanceChangeWindows(w, spread_sq, options, std::vector<bool>(3, true)), Error);
}

// A drift all tracks share (the light) is removed, with people coming and going: each
// track's observations then scatter around its own mean as without the drift, and a swap
// is still cut where it happens.
TEST(AppearanceChanges, TheSharedDriftIsRemoved) {
  const auto make_tracks = [](double drift) {
    std::mt19937 rng(7);
    std::vector<std::vector<AppearanceWindow>> tracks;
    for (int t = 0; t < 24; ++t) {
      const int start = (t * 7) % 40, length = 20 + (t * 13) % 40;  // windows start..start+length-1
      std::vector<int> person(static_cast<size_t>(length), t % 4);
      if (t == 0)
        for (size_t k = 12; k < person.size(); ++k) person[k] = 1;  // a swap: 0 -> 1
      std::vector<AppearanceWindow> windows = Windows(person, &rng);
      for (size_t k = 0; k < windows.size(); ++k) {
        const int index = start + static_cast<int>(k);  // the window's place in the match
        windows[k].first_frame += 25 * start;
        windows[k].last_frame += 25 * start;
        for (int d = 0; d < kDim; ++d) windows[k].mean_embedding[d] += drift * std::sin(index / 6.0 + d);
      }
      tracks.push_back(windows);
    }
    return tracks;
  };
  // Mean squared distance of observations from their track's mean, the swapped track left out.
  const auto scatter = [](const std::vector<std::vector<AppearanceWindow>>& tracks) {
    double sum = 0;
    int n = 0;
    for (size_t t = 1; t < tracks.size(); ++t) {
      Eigen::VectorXd mean = Eigen::VectorXd::Zero(kDim);
      for (const AppearanceWindow& w : tracks[t]) mean += w.mean_embedding;
      mean /= static_cast<double>(tracks[t].size());
      for (const AppearanceWindow& w : tracks[t]) {
        sum += (w.mean_embedding - mean).squaredNorm();
        ++n;
      }
    }
    return sum / n;
  };
  const double noise_only = scatter(make_tracks(0.0));
  std::vector<std::vector<AppearanceWindow>> drifting = make_tracks(0.3);
  EXPECT_GT(scatter(drifting), 5 * noise_only) << noise_only;
  RemoveSharedDrift(25, 5, &drifting);
  EXPECT_LT(scatter(drifting), 1.5 * noise_only) << noise_only;
  AppearanceChangeOptions options;
  options.min_gain_nats = 50;
  EXPECT_EQ(AppearanceChangeWindows(drifting[0], kDim * 0.05 * 0.05, options), (std::vector<size_t>{12}));
  // Too few other tracks in every window: nothing removed.
  std::vector<std::vector<AppearanceWindow>> few = make_tracks(0.3);
  few.resize(3);
  const std::vector<std::vector<AppearanceWindow>> before = few;
  RemoveSharedDrift(25, 5, &few);
  for (size_t t = 0; t < few.size(); ++t)
    for (size_t k = 0; k < few[t].size(); ++k) EXPECT_EQ(few[t][k].mean_embedding, before[t][k].mean_embedding);
  EXPECT_THROW(RemoveSharedDrift(0, 5, &few), Error);
}

// Meetings: another person within the radius, or the track resuming after a gap.
TEST(AppearanceChanges, MeetingsAreNearOthersOrAfterGaps) {
  // Rows at frames 1-5, 7, 20, 21: the gap before 7 leaves 1 frame unseen, the one before 20
  // 12.
  const std::vector<int> frames = {1, 2, 3, 4, 5, 7, 20, 21};
  const std::vector<double> nearest_m = {9, 9, 1.5, 9, 9, 9, 9, 9};
  EXPECT_EQ(MeetingDistancesM(frames, nearest_m, 12), nearest_m);
  EXPECT_EQ(MeetingDistancesM(frames, nearest_m, 11), (std::vector<double>{9, 9, 1.5, 9, 9, 9, 0, 9}));
  EXPECT_EQ(MeetingDistancesM(frames, nearest_m, 0), (std::vector<double>{9, 9, 1.5, 9, 9, 0, 0, 9}));
  // Windows of frames 1-2, 3-4, 5-7, 20-21: a boundary holds the rows from the first frame
  // of the window before it to the last of the one after.
  std::vector<AppearanceWindow> w;
  for (auto [first, last] : {std::pair{1, 2}, {3, 4}, {5, 7}, {20, 21}})
    w.push_back({first, last, Eigen::VectorXd::Zero(kDim), 1});
  const std::vector<double> meeting_m = MeetingDistancesM(frames, nearest_m, 11);
  EXPECT_EQ(BoundariesAtMeetings(w, frames, meeting_m, 2.0), (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(BoundariesAtMeetings(w, frames, meeting_m, 1.0), (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(BoundariesAtMeetings(w, frames, MeetingDistancesM(frames, nearest_m, 20), 1.0),
            (std::vector<bool>{false, false, false, false}));
  EXPECT_THROW(MeetingDistancesM({2, 1}, {0, 0}, 1), Error);
  EXPECT_THROW(MeetingDistancesM({1, 2}, {0}, 1), Error);
}

// Half the median squared distance between consecutive observations: for Gaussian noise
// sigma in D dimensions, |o_k - o_k+1|^2 = 2 sigma^2 chi^2_D, whose median for D = 16 is
// 15.34 (chi-square quantile); the few pairs across a swap do not move it.
TEST(AppearanceChanges, TheSpreadIsHalfTheMedianConsecutiveDistance) {
  std::mt19937 rng(4);
  std::vector<std::vector<AppearanceWindow>> tracks;
  for (int t = 0; t < 50; ++t) {
    std::vector<int> person(40, t % 3);
    if (t % 10 == 0)
      for (size_t k = 20; k < 40; ++k) person[k] = 3;
    tracks.push_back(Windows(person, &rng, 0.1));
  }
  tracks.push_back({});
  const std::optional<double> spread_sq = AppearanceSpread(tracks);
  ASSERT_TRUE(spread_sq);
  EXPECT_NEAR(*spread_sq, 0.1 * 0.1 * 15.34, 0.1 * 0.1 * 15.34 * 0.05);
  EXPECT_FALSE(AppearanceSpread({{}, Windows({0}, &rng)}));  // no consecutive pair
  EXPECT_FALSE(AppearanceSpread({Windows({0, 0}, &rng, 0.0)}));  // no scatter
}

TEST(AppearanceChanges, BadInputIsRefused) {
  std::mt19937 rng(5);
  std::vector<AppearanceWindow> w = Windows({0, 0, 1, 1}, &rng);
  AppearanceChangeOptions options;
  options.min_gain_nats = 1;
  EXPECT_THROW(AppearanceChangeWindows(w, 0.0, options), Error);
  EXPECT_THROW(AppearanceChangeWindows(w, std::nan(""), options), Error);
  for (auto bad : {+[](AppearanceChangeOptions* o) { o->min_gain_nats = -1; },
                   +[](AppearanceChangeOptions* o) { o->min_windows = 0; },
                   +[](AppearanceChangeOptions* o) { o->window_seconds = 0; },
                   +[](AppearanceChangeOptions* o) { o->meeting_radius_m = -1; },
                   +[](AppearanceChangeOptions* o) { o->meeting_gap_seconds = 0; },
                   +[](AppearanceChangeOptions* o) { o->min_windows = 1; },  // with meetings needed
                   +[](AppearanceChangeOptions* o) { o->shared_drift_min_tracks = 0; }}) {
    AppearanceChangeOptions o = options;
    bad(&o);
    EXPECT_THROW(o.Check(), Error);
  }
  std::vector<AppearanceWindow> overlapping = w;
  overlapping[1].first_frame = overlapping[0].last_frame;
  EXPECT_THROW(AppearanceChangeWindows(overlapping, 0.1, options), Error);
  std::vector<AppearanceWindow> short_one = w;
  short_one[2].mean_embedding = Eigen::VectorXd::Zero(3);
  EXPECT_THROW(AppearanceChangeWindows(short_one, 0.1, options), Error);
  EXPECT_THROW(AppearanceSpread({w, {short_one[2]}}), Error);
  std::vector<AppearanceWindow> non_finite = w;
  non_finite[3].mean_embedding[0] = std::nan("");
  EXPECT_THROW(AppearanceSpread({non_finite}), Error);
}

}  // namespace
}  // namespace ipt::tracking
