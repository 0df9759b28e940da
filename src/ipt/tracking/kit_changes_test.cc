#include "ipt/tracking/kit_changes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include "ipt/tracking/track_attributes.h"
#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// Two kits sqrt(2) apart in 3 dimensions; observations spread 0.1 around them.
TeamKits Kits() {
  TeamKits kits;
  kits.center[0] = Eigen::Vector3d(1, 0, 0);
  kits.center[1] = Eigen::Vector3d(0, 1, 0);
  kits.spread = 0.1;
  return kits;
}

// One observation a second (25 frames) per entry of `team`, at that team's kit plus noise.
std::vector<KitWindow> Windows(const std::vector<int>& team, std::mt19937* rng, double noise = 0.05) {
  std::normal_distribution<double> n(0, noise);
  std::vector<KitWindow> windows;
  for (size_t k = 0; k < team.size(); ++k) {
    const int first = 1 + 25 * static_cast<int>(k);
    Eigen::VectorXd kit = team[k] == 0 ? Eigen::Vector3d(1, 0, 0) : Eigen::Vector3d(0, 1, 0);
    if (team[k] == 2) kit = Eigen::Vector3d(0.5, 0.5, 0);  // an occluder's kit mixed in
    if (team[k] == 3) kit = Eigen::Vector3d(0, 0, 1);      // a goalkeeper's
    for (int d = 0; d < 3; ++d) kit[d] += n(*rng);
    windows.push_back({first, first + 24, kit});
  }
  return windows;
}

TEST(KitChanges, ASwapIsCutWhereTheKitChanges) {
  std::mt19937 rng(1);
  std::vector<int> team(20, 0);
  for (size_t k = 12; k < team.size(); ++k) team[k] = 1;
  EXPECT_EQ(KitChangeWindows(Windows(team, &rng), Kits(), {}), (std::vector<size_t>{12}));
  // A-B-A: both changes, when the middle gains more than two stretches' penalty (12
  // windows of about 4.3 nats against 2 x 10).
  team.assign(36, 0);
  for (size_t k = 12; k < 24; ++k) team[k] = 1;
  EXPECT_EQ(KitChangeWindows(Windows(team, &rng), Kits(), {}), (std::vector<size_t>{12, 24}));
}

// The gain of a cut is what the partition asks for: each window of the other kit weighs
// min((sqrt(2) / 0.1)^2 / 2, 4.6) = 4.6 nats against the first team, 0 for its own (no noise).
TEST(KitChanges, TheGainOfACutAgainstItsPenalty) {
  std::mt19937 rng(2);
  std::vector<int> team(10, 0);
  for (size_t k = 5; k < team.size(); ++k) team[k] = 1;
  const std::vector<KitWindow> windows = Windows(team, &rng, 0.0);
  // Stretches of 5: the best single team loses 5 x 4.6 = 23 nats; a cut gains them.
  KitChangeOptions options;
  options.min_gain_nats = 23 - 1e-6;
  EXPECT_EQ(KitChangeWindows(windows, Kits(), options), (std::vector<size_t>{5}));
  options.min_gain_nats = 23 + 1e-6;
  EXPECT_TRUE(KitChangeWindows(windows, Kits(), options).empty());
  // Below the cap: with a wider spread (sqrt(2) / 2: 2^2 / 2 = 2 nats a window) 10 nats.
  TeamKits wide = Kits();
  wide.spread = std::sqrt(2.0) / 2;
  options.min_gain_nats = 10 - 1e-6;
  EXPECT_EQ(KitChangeWindows(windows, wide, options), (std::vector<size_t>{5}));
  options.min_gain_nats = 10 + 1e-6;
  EXPECT_TRUE(KitChangeWindows(windows, wide, options).empty());
}

TEST(KitChanges, NoCutForOneKitABriefOcclusionOrTooFewWindows) {
  std::mt19937 rng(3);
  EXPECT_TRUE(KitChangeWindows(Windows(std::vector<int>(40, 1), &rng), Kits(), {}).empty());
  // Three seconds of a mixed kit (an occluder) weigh too little.
  std::vector<int> team(30, 0);
  team[10] = team[11] = team[12] = 2;
  EXPECT_TRUE(KitChangeWindows(Windows(team, &rng), Kits(), {}).empty());
  // Two windows of the other team at the end: under min_windows.
  team.assign(30, 0);
  team[28] = team[29] = 1;
  EXPECT_TRUE(KitChangeWindows(Windows(team, &rng), Kits(), {}).empty());
  KitChangeOptions off;
  off.min_gain_nats = 0;
  team.assign(30, 0);
  for (size_t k = 15; k < team.size(); ++k) team[k] = 1;
  EXPECT_TRUE(KitChangeWindows(Windows(team, &rng), Kits(), off).empty());
  EXPECT_EQ(KitChangeWindows(Windows(team, &rng), Kits(), {}), (std::vector<size_t>{15}));
}

// A goalkeeper's kit is neither team's: a track that goes on from the goalkeeper to a
// player is cut when the match's kits include his, and not when they are the teams' alone
// (both teams explain his windows equally badly).
TEST(KitChanges, AGoalkeeperAndAPlayerSwapped) {
  std::mt19937 rng(5);
  std::vector<int> team(30, 3);
  for (size_t k = 15; k < team.size(); ++k) team[k] = 0;
  const std::vector<KitWindow> windows = Windows(team, &rng);
  EXPECT_TRUE(KitChangeWindows(windows, Kits(), {}).empty());
  TeamKits with_keeper = Kits();
  with_keeper.other = {Eigen::Vector3d(0, 0, 1)};
  EXPECT_EQ(KitChangeWindows(windows, with_keeper, {}), (std::vector<size_t>{15}));
  // His own track, whole, is never cut.
  EXPECT_TRUE(KitChangeWindows(Windows(std::vector<int>(30, 3), &rng), with_keeper, {}).empty());
}

// The kit a track wears: the one of the largest log-likelihood summed over its windows, by
// the cut model's capped terms (a few windows of an occluder's kit do not decide).
TEST(KitChanges, TheLikeliestKitOfATrack) {
  std::mt19937 rng(6);
  TeamKits with_keeper = Kits();
  with_keeper.other = {Eigen::Vector3d(0, 0, 1)};
  EXPECT_EQ(LikeliestKit(Windows(std::vector<int>(10, 0), &rng), with_keeper, {}), 0);
  EXPECT_EQ(LikeliestKit(Windows(std::vector<int>(10, 1), &rng), with_keeper, {}), 1);
  EXPECT_EQ(LikeliestKit(Windows(std::vector<int>(10, 3), &rng), with_keeper, {}), 2);
  // 6 windows of team B's kit against 4 of team A's: B (a mixed track is the kit cut's).
  EXPECT_EQ(LikeliestKit(Windows({0, 1, 1, 0, 1, 1, 0, 1, 1, 0}, &rng), with_keeper, {}), 1);
  // Reference: the summed terms, computed here from the model's formula.
  const std::vector<KitWindow> mixed = Windows({0, 2, 2, 1, 1, 3, 2}, &rng);
  std::vector<Eigen::VectorXd> centers = {with_keeper.center[0], with_keeper.center[1], with_keeper.other[0]};
  std::vector<double> sum(3, 0.0);
  for (const KitWindow& w : mixed)
    for (size_t c = 0; c < 3; ++c) {
      const double z = (w.mean_kit - centers[c]).norm() / with_keeper.spread;
      sum[c] -= std::min(0.5 * z * z, KitChangeOptions{}.max_window_nats);
    }
  EXPECT_EQ(LikeliestKit(mixed, with_keeper, {}), std::max_element(sum.begin(), sum.end()) - sum.begin());
  EXPECT_EQ(LikeliestKit({}, with_keeper, {}), std::nullopt);
}

TEST(KitChanges, TeamKitsFromTheTracks) {
  std::mt19937 rng(4);
  std::vector<std::vector<KitWindow>> tracks;
  for (int t = 0; t < 10; ++t) tracks.push_back(Windows(std::vector<int>(100, t % 2), &rng));
  const std::optional<TeamKits> kits = FitTeamKits(tracks, std::vector<bool>(tracks.size(), true), TrackAttributesOptions{});
  ASSERT_TRUE(kits);
  // One center per kit (in either order), the spread near the noise's median distance:
  // for 3 dimensions of sigma 0.05, the median of a chi with 3 degrees is 1.538 sigma.
  const double to_a = std::min((kits->center[0] - Eigen::Vector3d(1, 0, 0)).norm(),
                               (kits->center[1] - Eigen::Vector3d(1, 0, 0)).norm());
  const double to_b = std::min((kits->center[0] - Eigen::Vector3d(0, 1, 0)).norm(),
                               (kits->center[1] - Eigen::Vector3d(0, 1, 0)).norm());
  EXPECT_LT(to_a, 0.01);
  EXPECT_LT(to_b, 0.01);
  EXPECT_NEAR(kits->spread, 1.538 * 0.05, 0.005);  // 1,000 observations
  EXPECT_TRUE(kits->other.empty());
  // One track: no split.
  EXPECT_FALSE(FitTeamKits({tracks[0]}, {true}, TrackAttributesOptions{}));
  // Two goalkeeper tracks (one kit, far from both teams'; not players by their role): one
  // kit of theirs. Taken for players, they join a team's cluster and give none.
  tracks.push_back(Windows(std::vector<int>(100, 3), &rng));
  tracks.push_back(Windows(std::vector<int>(100, 3), &rng));
  std::vector<bool> is_player(tracks.size(), true);
  is_player[10] = is_player[11] = false;
  const std::optional<TeamKits> with_keepers = FitTeamKits(tracks, is_player, TrackAttributesOptions{});
  ASSERT_TRUE(with_keepers);
  ASSERT_EQ(with_keepers->other.size(), 1u);
  EXPECT_LT((with_keepers->other[0] - Eigen::Vector3d(0, 0, 1)).norm(), 0.01);
  EXPECT_TRUE(FitTeamKits(tracks, std::vector<bool>(tracks.size(), true), TrackAttributesOptions{})->other.empty());
  EXPECT_THROW(FitTeamKits(tracks, {true}, TrackAttributesOptions{}), Error);
}

TEST(KitChanges, RejectsBadOptionsAndInput) {
  KitChangeOptions bad;
  bad.max_window_nats = 0;
  EXPECT_THROW(bad.Check(), Error);
  bad = {};
  bad.min_windows = 0;
  EXPECT_THROW(bad.Check(), Error);
  bad = {};
  bad.window_seconds = 0;
  EXPECT_THROW(bad.Check(), Error);
  bad = {};
  bad.min_gain_nats = -1;
  EXPECT_THROW(bad.Check(), Error);
  std::vector<KitWindow> windows = {{1, 25, Eigen::Vector2d(1, 0)}};
  EXPECT_THROW(KitChangeWindows(windows, Kits(), {}), Error);  // 2 values against 3
}

}  // namespace
}  // namespace ipt::tracking
