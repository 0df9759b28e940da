#include "ipt/tracking/fragment_links.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <limits>
#include <random>
#include <set>
#include <tuple>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

constexpr double kFps = 25;

// A track walking from `start` at `velocity` (m/s) over frames [first, last], with one
// embedding for all its rows.
TrackEnds Walker(int64_t id, int first, int last, Eigen::Vector2d start, Eigen::Vector2d velocity,
                 std::vector<float> embedding, const FragmentLinkOptions& options = {}) {
  std::vector<int> frames;
  std::vector<Eigen::Vector2d> points;
  std::vector<float> embeddings;
  for (int f = first; f <= last; ++f) {
    frames.push_back(f);
    points.push_back(start + velocity * ((f - first) / kFps));
    embeddings.insert(embeddings.end(), embedding.begin(), embedding.end());
  }
  return EndsOfTrack(id, frames, points, embeddings, static_cast<int>(embedding.size()), options, kFps);
}

const std::vector<float> kRed = {1, 0, 0}, kBlue = {0, 1, 0};

using Links = std::vector<std::pair<int64_t, int64_t>>;
Links Pairs(const std::vector<FragmentLink>& links) {
  Links out;
  for (const FragmentLink& l : links) out.emplace_back(l.from_track, l.to_track);
  return out;
}

TEST(FragmentLinks, APersonLostForAFewFramesIsJoined) {
  const FragmentLinkOptions options;
  // Running at 4 m/s along x, lost for 10 frames (0.44 s from row to row), found 1.76 m on.
  const TrackEnds a = Walker(1, 1, 50, {10, 30}, {4, 0}, kRed);
  const TrackEnds b = Walker(2, 61, 120, {10 + 4 * 60 / kFps, 30}, {4, 0}, kRed);
  ASSERT_TRUE(a.end_velocity_mps.has_value());
  EXPECT_NEAR(a.end_velocity_mps->x(), 4, 1e-9);  // a straight line: the fit is exact
  const std::vector<FragmentLink> links = LinkFragments({a, b}, options, kFps);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].from_track, 1);
  EXPECT_EQ(links[0].to_track, 2);
  EXPECT_NEAR(links[0].cost_m, 0, 1e-9);  // on the predicted spot, same appearance

  FragmentLinkOptions off;
  off.max_gap_seconds = 0;
  EXPECT_TRUE(LinkFragments({a, b}, off, kFps).empty());
  FragmentLinkOptions short_gaps;
  short_gaps.max_gap_seconds = 0.3;  // 7.5 frames < the gap of 11
  EXPECT_TRUE(LinkFragments({a, b}, short_gaps, kFps).empty());
}

TEST(FragmentLinks, NothingUnreachableOrOverlappingIsJoined) {
  const FragmentLinkOptions options;
  const TrackEnds a = Walker(1, 1, 50, {10, 30}, {0, 0}, kRed);
  // 5 frames later, 5 m away: slack 1 m + 8 m/s x 0.2 s = 2.6 m reachable.
  EXPECT_TRUE(LinkFragments({a, Walker(2, 55, 90, {15, 30}, {0, 0}, kRed)}, options, kFps).empty());
  EXPECT_EQ(LinkFragments({a, Walker(2, 55, 90, {12.5, 30}, {0, 0}, kRed)}, options, kFps).size(), 1u);
  // Starting in a's last frame (or before) is not a continuation.
  EXPECT_TRUE(LinkFragments({a, Walker(2, 50, 90, {10, 30}, {0, 0}, kRed)}, options, kFps).empty());
  // Nor one that ends before the other starts, the other way round (time runs forward).
  const std::vector<FragmentLink> links = LinkFragments({Walker(2, 60, 90, {10, 30}, {0, 0}, kRed), a}, options, kFps);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].from_track, 1);
}

// Two people lost where they meet, found again side by side: the appearance tells which is
// which; without it the motion does.
TEST(FragmentLinks, AppearanceAndMotionTellWhoContinuesWhom) {
  FragmentLinkOptions options;
  // Both stop at (20, 30) and (20, 30.4); both starts lie 0.2 m from either end.
  const TrackEnds red = Walker(1, 1, 50, {20, 30}, {0, 0}, kRed);
  const TrackEnds blue = Walker(2, 1, 50, {20, 30.4}, {0, 0}, kBlue);
  const TrackEnds blue_again = Walker(3, 55, 90, {20, 30.2}, {0, 0}, kBlue);
  const TrackEnds red_again = Walker(4, 55, 90, {20.0, 30.2}, {0, 0}, kRed);
  EXPECT_EQ(Pairs(LinkFragments({red, blue, blue_again, red_again}, options, kFps)), (Links{{1, 4}, {2, 3}}));

  // Crossing runners, 6 m/s each way along x, lost for 1 s: each found 6 m on, 0.2 m from
  // where the other was lost. Same appearance: the prediction (over 1 s) decides.
  const TrackEnds east = Walker(1, 1, 50, {20 - 6 * 49 / kFps, 30}, {6, 0}, kRed);
  const TrackEnds west = Walker(2, 1, 50, {26 + 6 * 49 / kFps, 30.4}, {-6, 0}, kRed);
  const TrackEnds east_again = Walker(3, 76, 120, {26, 30.2}, {6, 0}, kRed);
  const TrackEnds west_again = Walker(4, 76, 120, {20, 30.2}, {-6, 0}, kRed);
  EXPECT_EQ(Pairs(LinkFragments({east, west, east_again, west_again}, options, kFps)), (Links{{1, 3}, {2, 4}}));
  // A pair excluded beforehand: 1's other candidate, 4, lies 6 m from either
  // prediction, dearer than max_link_cost_m; 1 stays unlinked.
  const auto not_1_to_3 = [](int64_t from, int64_t to) { return !(from == 1 && to == 3); };
  EXPECT_EQ(Pairs(LinkFragments({east, west, east_again, west_again}, options, kFps, not_1_to_3)), (Links{{2, 4}}));
  // Predicted for 0.5 s only, each runner stops 3 m on, halfway: every pair costs the same.
  options.prediction_horizon_seconds = 0.5;
  const std::vector<FragmentLink> short_horizon = LinkFragments({east, west, east_again, west_again}, options, kFps);
  ASSERT_EQ(short_horizon.size(), 2u);
  for (const FragmentLink& l : short_horizon) EXPECT_NEAR(l.cost_m, std::hypot(3.0, 0.2), 1e-9);
}

// Rows of a track over frames [first, last] with one name, number and category.
void AddRows(std::vector<eval::PipelineRow>* rows, int64_t id, int first, int last, std::optional<int> player,
             std::optional<int> jersey, io::Category category = io::Category::kTeamA) {
  for (int f = first; f <= last; ++f) {
    eval::PipelineRow r;
    r.frame = f;
    r.track_id = id;
    r.category = category;
    r.player_id = player;
    r.jersey = jersey;
    rows->push_back(r);
  }
}

// The (id, name, number) of the row in each frame (these tests' tracks share no frame).
std::map<int, std::tuple<int64_t, std::optional<int>, std::optional<int>>> Tracks(
    const std::vector<eval::PipelineRow>& rows) {
  std::map<int, std::tuple<int64_t, std::optional<int>, std::optional<int>>> out;
  for (const eval::PipelineRow& r : rows) out.try_emplace(r.frame, r.track_id, r.player_id, r.jersey);
  return out;
}

TEST(FragmentLinks, ChainsTakeTheFirstTracksIdAndTheirNameUnlessNamesDisagree) {
  std::vector<eval::PipelineRow> rows;
  AddRows(&rows, 1, 1, 10, 5, 7);                   // player 5, number 7
  AddRows(&rows, 2, 12, 20, std::nullopt, std::nullopt);  // unnamed
  AddRows(&rows, 3, 22, 30, std::nullopt, 7);
  std::vector<eval::PipelineRow> joined = rows;
  EXPECT_EQ(JoinLinkedRows(joined, {{2, 3, 0}, {1, 2, 0}}), 2);
  for (const eval::PipelineRow& r : joined) {
    EXPECT_EQ(r.track_id, 1);
    EXPECT_EQ(r.player_id, 5);
    EXPECT_EQ(r.jersey, 7);
  }
  // Another name, another number or another category: never joined.
  for (int change = 0; change < 3; ++change) {
    std::vector<eval::PipelineRow> other = rows;
    for (eval::PipelineRow& r : other) {
      if (r.track_id != 2) continue;
      if (change == 0) r.player_id = 6;
      if (change == 1) r.jersey = 8;
      if (change == 2) r.category = io::Category::kTeamB;
    }
    EXPECT_EQ(JoinLinkedRows(other, {{1, 2, 0}, {2, 3, 0}}), change == 0 ? 1 : 0) << change;  // 2 -> 3 agrees only when 2 bears another name
    EXPECT_NE(Tracks(other).at(12), Tracks(other).at(1)) << change;
  }
  // An unnamed chain takes the name of the track that continues it.
  std::vector<eval::PipelineRow> named_later;
  AddRows(&named_later, 4, 1, 10, std::nullopt, std::nullopt);
  AddRows(&named_later, 5, 12, 20, 9, 3);
  EXPECT_EQ(JoinLinkedRows(named_later, {{4, 5, 0}}), 1);
  EXPECT_EQ(Tracks(named_later).at(1), std::make_tuple(int64_t{4}, std::optional<int>(9), std::optional<int>(3)));
  EXPECT_EQ(Tracks(named_later).at(12), Tracks(named_later).at(1));
}

// Carrying a name over must not put the player on two tracks in one frame.
TEST(FragmentLinks, ANameIsNotCarriedWhereThePlayerIsAlready) {
  for (const bool forward : {true, false}) {
    SCOPED_TRACE(forward);
    std::vector<eval::PipelineRow> rows;
    // Forward: 1 (player 5) -> 2 (unnamed), while 3 (player 5) runs over 2's frames.
    // Backward: 1 (unnamed) -> 2 (player 5), while 3 (player 5) runs over 1's frames.
    AddRows(&rows, 1, 1, 10, forward ? std::optional<int>(5) : std::nullopt, std::nullopt);
    AddRows(&rows, 2, 12, 20, forward ? std::nullopt : std::optional<int>(5), std::nullopt);
    AddRows(&rows, 3, forward ? 15 : 5, forward ? 30 : 8, 5, std::nullopt);
    std::vector<eval::PipelineRow> joined = rows;
    EXPECT_EQ(JoinLinkedRows(joined, {{1, 2, 0}}), 0);
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(joined[i].track_id, rows[i].track_id);
      EXPECT_EQ(joined[i].player_id, rows[i].player_id);
    }
    // Where the other track of that name does not meet the receiving one, it is carried.
    std::vector<eval::PipelineRow> apart;
    AddRows(&apart, 1, 1, 10, forward ? std::optional<int>(5) : std::nullopt, std::nullopt);
    AddRows(&apart, 2, 12, 20, forward ? std::nullopt : std::optional<int>(5), std::nullopt);
    AddRows(&apart, 3, 40, 50, 5, std::nullopt);
    EXPECT_EQ(JoinLinkedRows(apart, {{1, 2, 0}}), 1);
  }
}

// Nor to a track lying in a gap of another track of that name: the gap is filled later
// (track smoothing), and the player would stand in two places there (held-out 9400: a
// splice's cut-off head rejoined inside the first track's gap). Track 3 (player 5) has rows
// over 1-4 and 10; track 1 (unnamed, 5-8) continues into track 2 (player 5, 11-20).
TEST(FragmentLinks, ANameIsNotCarriedIntoAGapOfAnotherTrackOfThatName) {
  for (const int last_of_3 : {10, 4}) {
    SCOPED_TRACE(last_of_3);
    std::vector<eval::PipelineRow> rows;
    AddRows(&rows, 3, 1, 4, 5, std::nullopt);
    if (last_of_3 == 10) AddRows(&rows, 3, 10, 10, 5, std::nullopt);
    AddRows(&rows, 1, 5, 8, std::nullopt, std::nullopt);
    AddRows(&rows, 2, 11, 20, 5, std::nullopt);
    // With track 3 ending at frame 4 the two meet nowhere and the name is carried.
    EXPECT_EQ(JoinLinkedRows(rows, {{1, 2, 0}}), last_of_3 == 10 ? 0 : 1);
  }
}

// Nor to a track in frames the player does not play: player 5 goes off at frame 11 for
// player 6, who continues near where he left (the substitution at the halfway line).
TEST(FragmentLinks, ANameIsNotCarriedPastASubstitution) {
  io::MatchInfo match;
  match.frame_count = 100;
  match.roster = {{5, io::Category::kTeamA, 7, "a7"}, {6, io::Category::kTeamA, 9, "a9", std::nullopt, false}};
  match.substitutions = {{11, 5, 6}};
  match.substitution_tolerance_seconds = 0;  // exact frames
  for (const bool forward : {true, false}) {
    SCOPED_TRACE(forward);
    std::vector<eval::PipelineRow> rows;
    AddRows(&rows, 1, 1, 10, forward ? std::optional<int>(5) : std::nullopt, std::nullopt);
    AddRows(&rows, 2, 12, 20, forward ? std::nullopt : std::optional<int>(6), std::nullopt);
    std::vector<eval::PipelineRow> joined = rows;
    EXPECT_EQ(JoinLinkedRows(joined, {{1, 2, 0}}, &match), 0);
    EXPECT_EQ(Tracks(joined), Tracks(rows));
    EXPECT_EQ(JoinLinkedRows(joined, {{1, 2, 0}}), 1);  // without the line-up: carried
  }
}

TEST(FragmentLinks, NamedAlikeJoinAndANameCarriedEarlierCountsAsThePlayers) {
  // Two tracks of player 5 in turn join; nothing to join in no rows or one track.
  std::vector<eval::PipelineRow> rows;
  AddRows(&rows, 1, 1, 10, 5, 7);
  AddRows(&rows, 2, 12, 20, 5, 7);
  EXPECT_EQ(JoinLinkedRows(rows, {{1, 2, 0}}), 1);
  EXPECT_EQ(Tracks(rows).at(12), Tracks(rows).at(1));
  std::vector<eval::PipelineRow> none;
  EXPECT_EQ(JoinLinkedRows(none, {}), 0);
  EXPECT_TRUE(LinkFragments({}, FragmentLinkOptions{}, kFps).empty());
  EXPECT_TRUE(LinkFragments({Walker(1, 1, 9, {0, 0}, {0, 0}, kRed)}, FragmentLinkOptions{}, kFps).empty());

  // 1 (player 5) -> 2 (unnamed) carries 5 to 2; then 3 (unnamed, over 2's frames) -> 4
  // (player 5) would carry 5 to 3 as well: refused, 5 is on 2 then.
  std::vector<eval::PipelineRow> carried;
  AddRows(&carried, 1, 1, 10, 5, std::nullopt);
  AddRows(&carried, 2, 12, 40, std::nullopt, std::nullopt);
  AddRows(&carried, 3, 30, 50, std::nullopt, std::nullopt, io::Category::kTeamA);
  AddRows(&carried, 4, 52, 60, 5, std::nullopt);
  std::vector<eval::PipelineRow> joined = carried;
  EXPECT_EQ(JoinLinkedRows(joined, {{1, 2, 0}, {3, 4, 0}}), 1);
  std::map<int64_t, std::set<std::optional<int>>> names;  // by original track
  for (size_t i = 0; i < carried.size(); ++i) names[carried[i].track_id].insert(joined[i].player_id);
  EXPECT_EQ(names.at(2), (std::set<std::optional<int>>{5}));
  EXPECT_EQ(names.at(3), (std::set<std::optional<int>>{std::nullopt}));

  // The named side's number is the chain's: player 5 without a number does not take the
  // number an unnamed track read.
  std::vector<eval::PipelineRow> numbered;
  AddRows(&numbered, 1, 1, 10, 5, std::nullopt);
  AddRows(&numbered, 2, 12, 20, std::nullopt, 9);
  EXPECT_EQ(JoinLinkedRows(numbered, {{1, 2, 0}}), 1);
  for (const eval::PipelineRow& r : numbered) EXPECT_EQ(r.jersey, std::nullopt);
  // Of two unnamed tracks, the number either read.
  std::vector<eval::PipelineRow> unnamed;
  AddRows(&unnamed, 1, 1, 10, std::nullopt, std::nullopt);
  AddRows(&unnamed, 2, 12, 20, std::nullopt, 9);
  EXPECT_EQ(JoinLinkedRows(unnamed, {{1, 2, 0}}), 1);
  for (const eval::PipelineRow& r : unnamed) EXPECT_EQ(r.jersey, 9);
}

TEST(FragmentLinks, LinksThatCannotBeAreRefused) {
  std::vector<eval::PipelineRow> rows;
  AddRows(&rows, 1, 1, 10, std::nullopt, std::nullopt);
  AddRows(&rows, 2, 8, 20, std::nullopt, std::nullopt);
  AddRows(&rows, 3, 30, 40, std::nullopt, std::nullopt);
  std::vector<eval::PipelineRow> copy = rows;
  EXPECT_THROW(JoinLinkedRows(copy, {{1, 2, 0}}), Error);  // overlapping in time
  EXPECT_THROW(JoinLinkedRows(copy, {{1, 9, 0}}), Error);  // no such track
  EXPECT_THROW(JoinLinkedRows(copy, {{1, 3, 0}, {2, 3, 0}}), Error);  // two predecessors
  EXPECT_THROW(JoinLinkedRows(copy, {{1, 3, 0}, {1, 2, 0}}), Error);  // two successors
  // Refused before anything is joined, even when the first of them would be dropped.
  AddRows(&copy, 4, 50, 60, 7, std::nullopt);
  AddRows(&copy, 5, 70, 80, 8, std::nullopt);
  AddRows(&copy, 6, 70, 80, std::nullopt, std::nullopt);
  EXPECT_THROW(JoinLinkedRows(copy, {{4, 5, 0}, {4, 6, 0}}), Error);
  FragmentLinkOptions options;
  TrackEnds a;
  a.track_id = 4;
  EXPECT_THROW(LinkFragments({a, a}, options, kFps), Error);  // one id twice
}

TEST(FragmentLinks, EndsReadOnlyTheRowsNearEachEnd) {
  FragmentLinkOptions options;
  options.embedding_seconds = 0.2;  // 5 frames
  options.velocity_seconds = 0.2;
  std::vector<int> frames;
  std::vector<Eigen::Vector2d> points;
  std::vector<float> embeddings;
  for (int f = 1; f <= 30; ++f) {
    frames.push_back(f);
    // Standing still for 20 frames, then 5 m/s along z; red, then blue from frame 21 on.
    points.emplace_back(0, f <= 20 ? 0.0 : 5 * (f - 20) / kFps);
    const std::vector<float>& e = f <= 20 ? kRed : kBlue;
    embeddings.insert(embeddings.end(), e.begin(), e.end());
  }
  const TrackEnds ends = EndsOfTrack(5, frames, points, embeddings, 3, options, kFps);
  EXPECT_EQ(ends.first_frame, 1);
  EXPECT_EQ(ends.last_frame, 30);
  EXPECT_NEAR(ends.start_velocity_mps->norm(), 0, 1e-9);
  EXPECT_NEAR(ends.end_velocity_mps->y(), 5, 1e-9);
  EXPECT_EQ(ends.start_embedding, kRed);
  EXPECT_EQ(ends.end_embedding, kBlue);
  // One row: no velocity; no embeddings: none.
  const TrackEnds single = EndsOfTrack(6, {4}, {{1, 2}}, {}, 0, options, kFps);
  EXPECT_FALSE(single.start_velocity_mps.has_value());
  EXPECT_TRUE(single.end_embedding.empty());
  EXPECT_EQ(single.last_foot_in_pitch_m, Eigen::Vector2d(1, 2));

  EXPECT_THROW(EndsOfTrack(7, {}, {}, {}, 0, options, kFps), Error);
  EXPECT_THROW(EndsOfTrack(7, {2, 2}, {{0, 0}, {0, 0}}, {}, 0, options, kFps), Error);  // two rows in a frame
  EXPECT_THROW(EndsOfTrack(7, {1, 2}, {{0, 0}, {0, 0}}, {1, 0, 0}, 3, options, kFps), Error);  // one embedding
}

// A person walking along z = 10 at 2.5 m/s, seen by a track over frames [first, last],
// `offset_m` to the side of him.
void AddWalk(std::vector<eval::PipelineRow>* rows, int64_t id, int first, int last, double offset_m,
             std::optional<int> player = std::nullopt) {
  const size_t begin = rows->size();
  AddRows(rows, id, first, last, player, std::nullopt);
  for (size_t i = begin; i < rows->size(); ++i) {
    (*rows)[i].x_m = 0.1 * (*rows)[i].frame;
    (*rows)[i].z_m = 10 + offset_m;
  }
}

std::vector<std::pair<int64_t, int>> TrackAndFrame(const std::vector<eval::PipelineRow>& rows,
                                                   const std::vector<size_t>& indices) {
  std::vector<std::pair<int64_t, int>> out;
  for (size_t i : indices) out.emplace_back(rows[i].track_id, rows[i].frame);
  return out;
}

// Hand-overs: track 2 starts on track 1's person 6 frames before track 1 ends. Its rows up
// to frame 50 are dropped, and the linking then joins the two.
TEST(FragmentLinks, TheDuplicateHeadOfAHandOverIsDroppedAndTheLinkingJoinsIt) {
  FragmentLinkOptions options;
  options.max_handover_seconds = 0.44;  // 11 frames
  options.handover_radius_m = 1.0;
  options.max_duplicate_seconds = 0;  // hand-overs alone
  std::vector<eval::PipelineRow> rows;
  AddWalk(&rows, 1, 1, 50, 0.0);
  AddWalk(&rows, 2, 45, 100, 0.3);
  AddWalk(&rows, 3, 45, 100, 5.0);  // another person, 5 m away: no hand-over
  const std::vector<size_t> dropped = HandoverRows(rows, options, kFps);
  std::vector<std::pair<int64_t, int>> expected;
  for (int f = 45; f <= 50; ++f) expected.emplace_back(2, f);
  EXPECT_EQ(TrackAndFrame(rows, dropped), expected);
  EXPECT_TRUE(std::is_sorted(dropped.begin(), dropped.end()));
  // Without them track 2 starts after track 1 ends, and the two are linked.
  std::vector<eval::PipelineRow> kept;
  for (size_t i = 0; i < rows.size(); ++i)
    if (!std::binary_search(dropped.begin(), dropped.end(), i)) kept.push_back(rows[i]);
  std::vector<TrackEnds> ends;
  for (int64_t id : {1, 2, 3}) {
    std::vector<int> frames;
    std::vector<Eigen::Vector2d> points;
    for (const eval::PipelineRow& r : kept) {
      if (r.track_id != id) continue;
      frames.push_back(r.frame);
      points.emplace_back(r.x_m, r.z_m);
    }
    ends.push_back(EndsOfTrack(id, frames, points, {}, 0, options, kFps));
  }
  EXPECT_EQ(Pairs(LinkFragments(ends, options, kFps)), (Links{{1, 2}}));
  options.max_handover_seconds = 0;  // off
  EXPECT_TRUE(HandoverRows(rows, options, kFps).empty());
}

// Duplicates: a longer overlap than a hand-over's where the two tracks coincide. Track 1
// walks over frames 1-100; track 2 follows the same person `offset_m` beside him from
// `b_first` to frame 200. Hand-overs here: 10 frames at 1 m; duplicates: 50 frames at 0.5 m.
TEST(FragmentLinks, ATrackCoincidingWithAnotherOverALongerOverlapIsADuplicate) {
  FragmentLinkOptions options;
  options.max_handover_seconds = 0.4;  // 10 frames
  options.handover_radius_m = 1.0;
  options.max_duplicate_seconds = 2.0;  // 50 frames
  options.duplicate_radius_m = 0.5;
  options.duplicate_min_shared_fraction = 0.5;
  // `edit` changes the rows before the rule reads them.
  const auto dropped_of = [&](int b_first, double offset_m,
                              const std::function<void(std::vector<eval::PipelineRow>&)>& edit = nullptr) {
    std::vector<eval::PipelineRow> rows;
    AddWalk(&rows, 1, 1, 100, 0.0);
    AddWalk(&rows, 2, b_first, 200, offset_m);
    if (edit) edit(rows);
    return TrackAndFrame(rows, HandoverRows(rows, options, kFps));
  };
  using Dropped = std::vector<std::pair<int64_t, int>>;
  Dropped expected;
  for (int f = 51; f <= 100; ++f) expected.emplace_back(2, f);
  EXPECT_EQ(dropped_of(51, 0.3), expected);    // 50 frames at 0.3 m: the longest duplicate
  EXPECT_EQ(dropped_of(50, 0.3), Dropped{});   // 51 frames
  EXPECT_EQ(dropped_of(51, 0.8), Dropped{});   // 0.8 m: a hand-over's distance, too long for one
  EXPECT_EQ(dropped_of(91, 0.8).size(), 10u);  // ... which is one at 10 frames
  EXPECT_EQ(dropped_of(51, 0.5), expected);    // the radius itself is near
  // One shared frame beyond the radius makes it neither.
  EXPECT_EQ(dropped_of(61, 0.3, [](auto& rows) {
              for (auto& r : rows)
                if (r.track_id == 2 && r.frame == 70) r.z_m += 0.3;
            }),
            Dropped{});
  // The shared frames: track 1 loses its person over frames 51-75 (25 of track 2's 50 rows
  // in the overlap left shared: half, enough) or 51-76 (24: too few).
  const auto track_1_lost_until = [](int last_lost) {
    return [last_lost](std::vector<eval::PipelineRow>& rows) {
      rows.erase(std::remove_if(rows.begin(), rows.end(),
                                [&](auto& r) { return r.track_id == 1 && r.frame >= 51 && r.frame <= last_lost; }),
                 rows.end());
    };
  };
  EXPECT_EQ(dropped_of(51, 0.3, track_1_lost_until(75)), expected);
  EXPECT_EQ(dropped_of(51, 0.3, track_1_lost_until(76)), Dropped{});
  // The limits a hand-over keeps: track 2 ending with track 1, or starting with it.
  EXPECT_EQ(dropped_of(51, 0.3, [](auto& rows) {
              rows.erase(std::remove_if(rows.begin(), rows.end(), [](auto& r) { return r.track_id == 2 && r.frame > 100; }),
                         rows.end());
            }),
            Dropped{});
  EXPECT_EQ(dropped_of(1, 0.3), Dropped{});
  options.max_duplicate_seconds = 0;  // off: hand-overs alone
  EXPECT_EQ(dropped_of(51, 0.3), Dropped{});
  EXPECT_EQ(dropped_of(91, 0.3).size(), 10u);
  options.max_handover_seconds = 0;  // both off
  EXPECT_EQ(dropped_of(91, 0.3), Dropped{});
  options.max_duplicate_seconds = 2.0;  // duplicates alone
  EXPECT_EQ(dropped_of(51, 0.3), expected);
}

TEST(FragmentLinks, OnlyNearShortOverlapsOfAgreeingTracksAreHandOvers) {
  FragmentLinkOptions options;
  options.max_handover_seconds = 0.44;  // 11 frames
  options.handover_radius_m = 1.0;
  options.max_duplicate_seconds = 0;  // hand-overs alone
  const auto dropped_of = [&](const std::function<void(std::vector<eval::PipelineRow>&)>& add_b) {
    std::vector<eval::PipelineRow> rows;
    AddWalk(&rows, 1, 1, 50, 0.0, 5);
    add_b(rows);
    return TrackAndFrame(rows, HandoverRows(rows, options, kFps));
  };
  using Dropped = std::vector<std::pair<int64_t, int>>;
  EXPECT_EQ(dropped_of([](auto& rows) { AddWalk(&rows, 2, 40, 100, 0.5); }).size(), 11u);  // 11 frames: the most
  EXPECT_EQ(dropped_of([](auto& rows) { AddWalk(&rows, 2, 39, 100, 0.5); }), Dropped{});    // 12 frames
  EXPECT_EQ(dropped_of([](auto& rows) { AddWalk(&rows, 2, 45, 50, 0.5); }), Dropped{});     // ends with track 1
  EXPECT_EQ(dropped_of([](auto& rows) { AddWalk(&rows, 2, 1, 100, 0.5); }), Dropped{});     // starts with it
  EXPECT_EQ(dropped_of([](auto& rows) { AddWalk(&rows, 2, 45, 100, 0.5, 6); }), Dropped{});  // another player
  EXPECT_EQ(dropped_of([](auto& rows) { AddWalk(&rows, 2, 45, 100, 0.5, 5); }).size(), 6u);  // the same one
  EXPECT_EQ(dropped_of([](auto& rows) {
              AddWalk(&rows, 2, 45, 100, 0.5);
              for (auto& r : rows)
                if (r.track_id == 2 && r.frame == 48) r.z_m += 1.0;  // 1.5 m away in one shared frame
            }),
            Dropped{});
  // No shared frame: track 1 is lost over 45..49, track 2 over 50.
  EXPECT_EQ(dropped_of([](auto& rows) {
              rows.erase(std::remove_if(rows.begin(), rows.end(), [](auto& r) { return r.frame >= 45 && r.frame < 50; }),
                         rows.end());
              AddWalk(&rows, 2, 45, 100, 0.5);
              rows.erase(std::remove_if(rows.begin(), rows.end(), [](auto& r) { return r.track_id == 2 && r.frame == 50; }),
                         rows.end());
            }),
            Dropped{});
  // Of two tracks it may continue, the nearer one's.
  std::vector<eval::PipelineRow> rows;
  AddWalk(&rows, 1, 1, 50, 0.0);
  AddWalk(&rows, 2, 5, 48, 0.8);
  AddWalk(&rows, 3, 46, 100, 0.6);  // 0.6 m from track 1, 0.2 m from track 2
  Dropped expected;
  for (int f = 46; f <= 48; ++f) expected.emplace_back(3, f);
  EXPECT_EQ(TrackAndFrame(rows, HandoverRows(rows, options, kFps)), expected);  // up to track 2's end
}

TEST(FragmentLinks, BadOptionsNameTheField) {
  const auto message = [](const std::function<void(FragmentLinkOptions&)>& edit) {
    FragmentLinkOptions o;
    edit(o);
    try {
      o.Check();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([](auto& o) { o.max_gap_seconds = -1; }).find("max_gap_seconds"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.max_speed_mps = NAN; }).find("max_speed_mps"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.position_slack_m = -0.1; }).find("position_slack_m"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.appearance_weight_m = -2; }).find("appearance_weight_m"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.max_link_cost_m = 0; }).find("max_link_cost_m"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.prediction_horizon_seconds = -1; }).find("prediction_horizon_seconds"),
            std::string::npos);
  EXPECT_NE(message([](auto& o) { o.embedding_seconds = 0; }).find("embedding_seconds"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.velocity_seconds = 1e9; }).find("velocity_seconds"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.max_handover_seconds = -1; }).find("max_handover_seconds"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.handover_radius_m = 0; }).find("handover_radius_m"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.max_duplicate_seconds = -1; }).find("max_duplicate_seconds"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.duplicate_radius_m = 0; }).find("duplicate_radius_m"), std::string::npos);
  EXPECT_NE(message([](auto& o) { o.duplicate_min_shared_fraction = 1.5; }).find("duplicate_min_shared_fraction"),
            std::string::npos);
  EXPECT_EQ(message([](auto&) {}), "no error");
}

// The cost of b continuing a as the header states it, written out again (the reference).
double ReferenceCost(const TrackEnds& a, const TrackEnds& b, const FragmentLinkOptions& o) {
  const int gap = b.first_frame - a.last_frame;
  if (gap < 1 || gap > o.max_gap_seconds * kFps) return std::numeric_limits<double>::infinity();
  const double gap_s = gap / kFps;
  const double plain = std::hypot(b.first_foot_in_pitch_m.x() - a.last_foot_in_pitch_m.x(), b.first_foot_in_pitch_m.y() - a.last_foot_in_pitch_m.y());
  if (plain > o.position_slack_m + o.max_speed_mps * gap_s) return std::numeric_limits<double>::infinity();
  double forward = plain, backward = plain;
  const double moving_s = gap_s < o.prediction_horizon_seconds ? gap_s : o.prediction_horizon_seconds;
  if (a.end_velocity_mps) {
    const Eigen::Vector2d p = a.last_foot_in_pitch_m + moving_s * *a.end_velocity_mps;
    forward = std::hypot(p.x() - b.first_foot_in_pitch_m.x(), p.y() - b.first_foot_in_pitch_m.y());
  }
  if (b.start_velocity_mps) {
    const Eigen::Vector2d p = b.first_foot_in_pitch_m - moving_s * *b.start_velocity_mps;
    backward = std::hypot(p.x() - a.last_foot_in_pitch_m.x(), p.y() - a.last_foot_in_pitch_m.y());
  }
  double cost = std::min(forward, backward);
  if (!a.end_embedding.empty() && !b.start_embedding.empty()) {
    double dot = 0;
    for (size_t k = 0; k < a.end_embedding.size(); ++k) dot += a.end_embedding[k] * b.start_embedding[k];
    cost += o.appearance_weight_m * (1 - dot);
  }
  return cost;
}

// Against brute force on random small matches: the links are valid (each track at most one
// successor and one predecessor, time forward, every link cheaper than max_link_cost_m) and
// no valid set saves more: sum of (max_link_cost_m - cost).
TEST(FragmentLinks, TheChosenLinksSaveTheMostOfAnyValidSetByBruteForce) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> frame(1, 150), length(1, 60), coin(0, 3);
  std::uniform_real_distribution<double> place(0, 6), speed(-5, 5), unit(-1, 1);
  FragmentLinkOptions options;
  options.max_link_cost_m = 3;  // some possible pairs cost more
  int linked_instances = 0;
  for (int instance = 0; instance < 300; ++instance) {
    const int n = 2 + instance % 5;
    std::vector<TrackEnds> tracks;
    for (int i = 0; i < n; ++i) {
      TrackEnds t;
      t.track_id = 100 + 3 * i;
      t.first_frame = frame(rng);
      t.last_frame = t.first_frame + length(rng) - 1;
      t.first_foot_in_pitch_m = {place(rng), place(rng)};
      t.last_foot_in_pitch_m = {place(rng), place(rng)};
      if (coin(rng)) t.start_velocity_mps = Eigen::Vector2d(speed(rng), speed(rng));
      if (coin(rng)) t.end_velocity_mps = Eigen::Vector2d(speed(rng), speed(rng));
      for (auto* e : {&t.start_embedding, &t.end_embedding}) {
        if (!coin(rng)) continue;
        Eigen::Vector3d v(unit(rng), unit(rng), unit(rng));
        v.normalize();
        *e = {float(v.x()), float(v.y()), float(v.z())};
      }
      tracks.push_back(t);
    }
    const std::vector<FragmentLink> links = LinkFragments(tracks, options, kFps);
    std::map<int64_t, const TrackEnds*> by_id;
    for (const TrackEnds& t : tracks) by_id[t.track_id] = &t;
    std::set<int64_t> froms, tos;
    double saving = 0;
    for (const FragmentLink& l : links) {
      ASSERT_TRUE(froms.insert(l.from_track).second);
      ASSERT_TRUE(tos.insert(l.to_track).second);
      const double reference = ReferenceCost(*by_id.at(l.from_track), *by_id.at(l.to_track), options);
      ASSERT_LT(reference, options.max_link_cost_m);
      EXPECT_NEAR(l.cost_m, reference, 1e-5);
      saving += options.max_link_cost_m - reference;
    }
    // Brute force: every subset of the possible pairs that is a valid set.
    std::vector<std::tuple<int, int, double>> pairs;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (a != b && ReferenceCost(tracks[a], tracks[b], options) < options.max_link_cost_m)
          pairs.emplace_back(a, b, ReferenceCost(tracks[a], tracks[b], options));
    ASSERT_LE(pairs.size(), 20u);
    double best_saving = 0;
    for (uint32_t mask = 0; mask < (1u << pairs.size()); ++mask) {
      std::vector<int> out(n, 0), in(n, 0);
      double sum = 0;
      bool valid = true;
      for (size_t k = 0; k < pairs.size() && valid; ++k) {
        if (!(mask >> k & 1)) continue;
        const auto& [a, b, c] = pairs[k];
        valid = ++out[a] <= 1 && ++in[b] <= 1;
        sum += options.max_link_cost_m - c;
      }
      if (valid) best_saving = std::max(best_saving, sum);
    }
    EXPECT_NEAR(saving, best_saving, 1e-6) << "instance " << instance;
    if (!links.empty()) ++linked_instances;
  }
  EXPECT_GT(linked_instances, 50);  // the instances exercise the assignment
}

}  // namespace
}  // namespace ipt::tracking
