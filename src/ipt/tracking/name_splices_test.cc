#include "ipt/tracking/name_splices.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

constexpr double kFps = 25;

io::MatchInfo Match() {
  io::MatchInfo m;
  m.fps = kFps;
  m.roster = {{1, io::Category::kTeamA, 7, "a7", std::nullopt},
              {2, io::Category::kTeamA, 8, "a8", std::nullopt},
              {11, io::Category::kTeamB, 7, "b7", std::nullopt},
              {20, io::Category::kReferee, std::nullopt, "ref", std::nullopt}};
  return m;
}

// A track's rows over frames [first, last], at position(frame).
template <typename Position>
void AddTrack(std::vector<eval::PipelineRow>* rows, int64_t id, int first, int last, Position position,
              std::optional<int> jersey, std::optional<int> player, io::Category category = io::Category::kTeamA) {
  for (int f = first; f <= last; ++f) {
    eval::PipelineRow r;
    r.frame = f;
    r.track_id = id;
    const auto [x, z] = position(f);
    r.x_m = x, r.z_m = z;
    r.category = category;
    r.jersey = jersey;
    r.player_id = player;
    rows->push_back(r);
  }
}

// The player runs along z = 10 at 0.2 m a frame; someone else stands 8 m away.
std::pair<double, double> Player(int f) { return {0.2 * f, 10.0}; }
std::pair<double, double> Other(int f) { return {0.2 * f, 18.0}; }

std::map<int64_t, std::vector<eval::PipelineRow>> ByTrack(const std::vector<eval::PipelineRow>& rows) {
  std::map<int64_t, std::vector<eval::PipelineRow>> out;
  for (const auto& r : rows) out[r.track_id].push_back(r);
  for (auto& [id, v] : out)
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.frame < b.frame; });
  return out;
}

TEST(NameSplices, AFirstTrackDriftingOntoSomeoneElseLosesItsTail) {
  // Track 1, named player 1, follows him to frame 79 and then drifts onto the other person;
  // track 2 reads his number 7 and follows him from frame 80.
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, [](int f) { return f < 80 ? Player(f) : Other(f); }, 7, 1);
  AddTrack(&rows, 2, 80, 200, Player, 7, std::nullopt);
  int64_t next = 3;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.tails_cut, 1);
  EXPECT_EQ(next, 4);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[1].back().frame, 79);
  EXPECT_EQ(tracks[3].front().frame, 80);
  EXPECT_EQ(tracks[3].back().frame, 100);
  for (const auto& row : tracks[3]) {
    EXPECT_FALSE(row.player_id);
    EXPECT_FALSE(row.jersey);
    EXPECT_DOUBLE_EQ(row.z_m, 18.0);  // rows keep their positions
  }
  for (const auto& row : tracks[2]) EXPECT_EQ(row.player_id, 1);
}

TEST(NameSplices, TracksEndingTogetherAreSplicedByTheFirstOnesTail) {
  // Both tracks run to the match's last frame (200): track 1, named player 1, drifts onto
  // the other person at frame 80, where track 2 (his number) picks him up (validation 5207:
  // 574 rows of the wrong player named, 573 of the right one unnamed).
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 200, [](int f) { return f < 80 ? Player(f) : Other(f); }, 7, 1);
  AddTrack(&rows, 2, 80, 200, Player, 7, std::nullopt);
  int64_t next = 3;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.tails_cut, 1);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[1].back().frame, 79);
  EXPECT_EQ(tracks[3].front().frame, 80);
  EXPECT_EQ(tracks[3].back().frame, 200);
  for (const auto& row : tracks[3]) EXPECT_FALSE(row.player_id);
  for (const auto& row : tracks[2]) EXPECT_EQ(row.player_id, 1);
}

TEST(NameSplices, ASpliceWaitingOnAnotherIsMadeInTheNextPass) {
  // Player 1's path: track 1 (his number, unnamed) to frame 100; track 2 (named him) from
  // frame 101, its head (90-100) and tail (190-200) on the other person; track 3 (named him)
  // from 190. Track 1 and 2 first overlap track 3 (named him): refused; once 2's tail is cut
  // (2 and 3 spliced), 1 and 2 are spliced in the next pass (validation 5207, player 23).
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, Player, 7, std::nullopt);
  AddTrack(&rows, 2, 90, 200, [](int f) { return f <= 100 || f >= 190 ? Other(f) : Player(f); }, 7, 1);
  AddTrack(&rows, 3, 190, 300, Player, 7, 1);
  NameSpliceOptions once;
  once.max_passes = 1;
  std::vector<eval::PipelineRow> one_pass = rows;
  int64_t next = 4;
  EXPECT_EQ(SpliceNames(one_pass, Match(), once, &next).splices, 1);
  const auto one_pass_tracks = ByTrack(one_pass);  // (a temporary's element would not outlive the loop)
  for (const auto& row : one_pass_tracks.at(1)) EXPECT_FALSE(row.player_id);

  next = 4;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 2);
  EXPECT_EQ(r.tails_cut, 1);  // 2's tail; then 2's head
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 5u);
  for (int64_t id : {1, 2, 3})
    for (const auto& row : tracks[id]) {
      EXPECT_EQ(row.player_id, 1) << id;
      EXPECT_DOUBLE_EQ(row.z_m, 10.0) << id << " frame " << row.frame;  // all the player's
    }
  for (int64_t id : {4, 5})
    for (const auto& row : tracks[id]) {
      EXPECT_FALSE(row.player_id) << id;
      EXPECT_DOUBLE_EQ(row.z_m, 18.0) << id;
    }
}

TEST(NameSplices, ATrackIsRetriedWhenItsPlayerGainsANamedTrack) {
  // Player 1's path: track 1 (his number, unnamed) to frame 84, then its tail on the other
  // person to 100; track 2 (his number, unnamed) from 85; track 3 (named him) from 140.
  // Track 1 comes first and meets no track named him (3 starts 1.6 s after it ends); then 2
  // is spliced to 3 and named. In the next pass 1 is tried again, against 2: its tail is
  // cut (validation 5217: an unnamed track reading #68, 845 rows).
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, [](int f) { return f < 85 ? Player(f) : Other(f); }, 7, std::nullopt);
  AddTrack(&rows, 2, 85, 150, Player, 7, std::nullopt);
  AddTrack(&rows, 3, 140, 300, Player, 7, 1);
  NameSpliceOptions once;
  once.max_passes = 1;
  std::vector<eval::PipelineRow> one_pass = rows;
  int64_t next = 4;
  EXPECT_EQ(SpliceNames(one_pass, Match(), once, &next).splices, 1);
  const auto one_pass_tracks = ByTrack(one_pass);
  for (const auto& row : one_pass_tracks.at(1)) EXPECT_FALSE(row.player_id);
  for (const auto& row : one_pass_tracks.at(2)) EXPECT_EQ(row.player_id, 1);

  next = 4;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 2);
  const auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 5u);
  EXPECT_EQ(tracks.at(1).back().frame, 84);
  for (int64_t id : {1, 2, 3})
    for (const auto& row : tracks.at(id)) {
      EXPECT_EQ(row.player_id, 1) << id;
      EXPECT_DOUBLE_EQ(row.z_m, 10.0) << id << " frame " << row.frame;  // all the player's
    }
  for (int64_t id : {4, 5})  // 1's tail, and the head or tail 2 and 3 overlapped in
    for (const auto& row : tracks.at(id)) EXPECT_FALSE(row.player_id) << id;
  const auto& tail = tracks.at(4).front().frame == 85 ? tracks.at(4) : tracks.at(5);  // 1's
  EXPECT_EQ(tail.front().frame, 85);
  EXPECT_EQ(tail.back().frame, 100);
  for (const auto& row : tail) EXPECT_DOUBLE_EQ(row.z_m, 18.0);
}

TEST(NameSplices, ATailThatDriftedBeforeTheNextTrackStartsIsCut) {
  // Track 1, named player 1, follows him to frame 79, then the other person to frame 100;
  // track 2 reads his number and follows him from frame 101 (B starts after A ends).
  auto make = [](int second_from, auto first_position) {
    std::vector<eval::PipelineRow> rows;
    AddTrack(&rows, 1, 1, 100, first_position, 7, 1);
    AddTrack(&rows, 2, second_from, 200, Player, 7, std::nullopt);
    return rows;
  };
  const auto drifts = [](int f) { return f < 80 ? Player(f) : Other(f); };
  std::vector<eval::PipelineRow> rows = make(101, drifts);
  int64_t next = 3;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.tails_cut, 1);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[1].back().frame, 79);  // row 79 is 4.4 m from track 2's first: the nearest
  EXPECT_EQ(tracks[3].front().frame, 80);
  EXPECT_EQ(tracks[3].back().frame, 100);
  for (const auto& row : tracks[3]) EXPECT_FALSE(row.player_id);
  for (const auto& row : tracks[2]) EXPECT_EQ(row.player_id, 1);
  // Nothing is cut: with drifted tails off; when track 2 starts over max_gap_seconds (1 s)
  // after track 1 ends; when track 1 ends near where track 2 starts; when the nearest row
  // is over max_jump_m away.
  auto unchanged = [](std::vector<eval::PipelineRow> rows, const NameSpliceOptions& options) {
    const std::vector<eval::PipelineRow> before = rows;
    int64_t next = 3;
    EXPECT_EQ(SpliceNames(rows, Match(), options, &next).splices, 0);
    EXPECT_EQ(ByTrack(rows).size(), 2u);
    for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].player_id, before[i].player_id);
  };
  NameSpliceOptions off;
  off.drifted_tails = false;
  unchanged(make(101, drifts), off);
  unchanged(make(127, drifts), {});
  NameSpliceOptions longer_gap;
  longer_gap.max_gap_seconds = 2;
  // 26 frames after: within 2 s, but he ran 9.6 m from row 79, and rows 80-99 are 8 m off.
  unchanged(make(127, drifts), longer_gap);
  unchanged(make(101, Player), {});
  NameSpliceOptions short_jump;
  short_jump.max_jump_m = 4;
  unchanged(make(101, drifts), short_jump);
  // A standing player whose last row is 0.5 m off (noise): an earlier row is nearer track 2's
  // first, but the last is within reach (2 m + 10 m/s x 0.04 s), so nothing drifted.
  const auto standing = [](int f) { return std::pair<double, double>{20.0 + (f == 100 ? 0.5 : 0.0), 10.0}; };
  std::vector<eval::PipelineRow> still;
  AddTrack(&still, 1, 1, 100, standing, 7, 1);
  AddTrack(&still, 2, 101, 200, [](int) { return std::pair<double, double>{20.0, 10.0}; }, 7, std::nullopt);
  unchanged(still, {});
  NameSpliceOptions no_reach;  // any jump beyond 0 m drifted
  no_reach.drift_slack_m = 0;
  no_reach.drift_max_speed_mps = 0;
  next = 3;
  EXPECT_EQ(SpliceNames(still, Match(), no_reach, &next).splices, 1);
}

TEST(NameSplices, ATailThatDriftedBeforeAnOverlappingTrackStartsIsCut) {
  // (iv) Track 1, named player 1, follows him to frame `drift` - 1, then the other person
  // (8 m away) to frame 100; track 2 picks him up at frame 80. Neither (i) nor (ii) joins
  // within 5 m (A's rows at 79 and 100 are the other person's), but A's row at `drift` - 1
  // is where the player's path continues (validation 5205: player 27's first track drifted
  // 26 frames before his next one started, and 1,042 rows stayed unnamed).
  const auto rows_with = [](int drift) {
    std::vector<eval::PipelineRow> rows;
    AddTrack(&rows, 1, 1, 100, [drift](int f) { return f < drift ? Player(f) : Other(f); }, 7, 1);
    AddTrack(&rows, 2, 80, 200, Player, 7, std::nullopt);
    return rows;
  };
  std::vector<eval::PipelineRow> rows = rows_with(60);  // 21 frames of running: 4.2 m
  int64_t next = 3;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.tails_cut, 1);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[1].back().frame, 59);
  EXPECT_EQ(tracks[3].front().frame, 60);
  EXPECT_EQ(tracks[3].back().frame, 100);
  for (const auto& row : tracks[3]) EXPECT_FALSE(row.player_id);
  for (const auto& row : tracks[2]) EXPECT_EQ(row.player_id, 1);
  // Not when off, nor when the row nearest is beyond max_jump_m (30 frames: 6 m).
  NameSpliceOptions off;
  off.drifted_tails = false;
  rows = rows_with(60);
  EXPECT_EQ(SpliceNames(rows, Match(), off, &next).splices, 0);
  rows = rows_with(50);
  EXPECT_EQ(SpliceNames(rows, Match(), {}, &next).splices, 0);
  // Nor when that row lies before the drift window (21 frames before B: 0.84 s).
  NameSpliceOptions short_window;
  short_window.drift_window_seconds = 0.8;
  rows = rows_with(60);
  EXPECT_EQ(SpliceNames(rows, Match(), short_window, &next).splices, 0);
  short_window.drift_window_seconds = 0.85;  // 21 frames
  rows = rows_with(60);
  EXPECT_EQ(SpliceNames(rows, Match(), short_window, &next).splices, 1);
}

TEST(NameSplices, ASecondTrackStartingOnSomeoneElseLosesItsHead) {
  // Track 2 starts on the other person at frame 60 and swaps onto player 1 when track 1 ends.
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, Player, std::nullopt, 1);
  AddTrack(&rows, 2, 60, 200, [](int f) { return f <= 100 ? Other(f) : Player(f); }, 7, std::nullopt);
  int64_t next = 10;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.tails_cut, 0);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[1].back().frame, 100);
  EXPECT_EQ(tracks[10].front().frame, 60);
  EXPECT_EQ(tracks[10].back().frame, 100);
  for (const auto& row : tracks[10]) EXPECT_FALSE(row.player_id);
  EXPECT_EQ(tracks[2].front().frame, 101);
  for (const auto& row : tracks[2]) {
    EXPECT_EQ(row.player_id, 1);
    EXPECT_EQ(row.jersey, 7);
  }
}

TEST(NameSplices, TheNamedTrackMayBeTheLaterOne) {
  // Track 1 reads 7 but was left unnamed; track 2, named player 1, picks him up at frame 80.
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, [](int f) { return f < 80 ? Player(f) : Other(f); }, 7, std::nullopt);
  AddTrack(&rows, 2, 80, 200, Player, std::nullopt, 1);
  int64_t next = 3;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.tails_cut, 1);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[1].back().frame, 79);
  for (const auto& row : tracks[1]) EXPECT_EQ(row.player_id, 1);
  for (const auto& row : tracks[2]) EXPECT_EQ(row.player_id, 1);
  for (const auto& row : tracks[3]) EXPECT_FALSE(row.player_id);
}

TEST(NameSplices, ATrackBetweenTwoOfThePlayersIsSplicedToBoth) {
  // Track 2 reads 7 and follows player 1 between his two named tracks, overlapping each: track 1
  // drifts onto the other person at frame 80, after track 2 picked him up; track 2 drifts onto
  // him at frame 181, after track 3 picked him up (seen on validation 5207: a player's number read
  // on the track between his two, left unnamed for 783 rows).
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, [](int f) { return f < 80 ? Player(f) : Other(f); }, 7, 1);
  AddTrack(&rows, 2, 80, 200, [](int f) { return f <= 180 ? Player(f) : Other(f); }, 7, std::nullopt);
  AddTrack(&rows, 3, 181, 300, Player, 7, 1);
  int64_t next = 4;
  const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 2);
  EXPECT_EQ(r.tails_cut, 2);
  EXPECT_EQ(next, 6);
  auto tracks = ByTrack(rows);
  ASSERT_EQ(tracks.size(), 5u);
  EXPECT_EQ(tracks[1].back().frame, 79);
  EXPECT_EQ(tracks[2].front().frame, 80);
  EXPECT_EQ(tracks[2].back().frame, 180);
  EXPECT_EQ(tracks[3].front().frame, 181);
  for (int id : {1, 2, 3}) {
    for (const auto& row : tracks[id]) {
      EXPECT_EQ(row.player_id, 1) << "track " << id;
      EXPECT_DOUBLE_EQ(row.z_m, 10.0) << "track " << id;  // on him
    }
  }
  for (int id : {4, 5}) {  // the tails on the other person, cut off
    ASSERT_FALSE(tracks[id].empty());
    for (const auto& row : tracks[id]) {
      EXPECT_FALSE(row.player_id);
      EXPECT_DOUBLE_EQ(row.z_m, 18.0);
    }
  }
  // Both cuts on the middle track: it starts on the other person while track 1 still has him,
  // and drifts back onto the other person after track 3 picked him up.
  std::vector<eval::PipelineRow> middle;
  AddTrack(&middle, 1, 1, 100, Player, 7, 1);
  AddTrack(&middle, 2, 60, 200, [](int f) { return f > 100 && f <= 180 ? Player(f) : Other(f); }, 7, std::nullopt);
  AddTrack(&middle, 3, 181, 300, Player, 7, 1);
  next = 4;
  const NameSpliceResult m = SpliceNames(middle, Match(), {}, &next);
  EXPECT_EQ(m.splices, 2);
  EXPECT_EQ(m.tails_cut, 1);  // track 1 -> 2 cuts 2's head; 2 -> 3 cuts 2's tail
  auto pieces = ByTrack(middle);
  ASSERT_EQ(pieces.size(), 5u);
  EXPECT_EQ(pieces[2].front().frame, 101);
  EXPECT_EQ(pieces[2].back().frame, 180);
  for (const auto& row : pieces[2]) EXPECT_EQ(row.player_id, 1);
  EXPECT_EQ(pieces[1].back().frame, 100);
  EXPECT_EQ(pieces[3].front().frame, 181);
  for (int id : {4, 5}) {
    ASSERT_FALSE(pieces[id].empty());
    for (const auto& row : pieces[id]) {
      EXPECT_FALSE(row.player_id);
      EXPECT_DOUBLE_EQ(row.z_m, 18.0);
    }
  }
  // With a third track named after him across the middle, nothing is spliced when such a
  // clash refuses a splice; by default the short one (11 of the middle's 121 rows) loses
  // the name and both splices are made.
  std::vector<eval::PipelineRow> crowded;
  AddTrack(&crowded, 1, 1, 100, [](int f) { return f < 80 ? Player(f) : Other(f); }, 7, 1);
  AddTrack(&crowded, 2, 80, 200, [](int f) { return f <= 180 ? Player(f) : Other(f); }, 7, std::nullopt);
  AddTrack(&crowded, 3, 181, 300, Player, 7, 1);
  AddTrack(&crowded, 4, 130, 140, Other, 7, 1);
  const std::vector<eval::PipelineRow> before = crowded;
  NameSpliceOptions refuse;
  refuse.max_nested_clash_fraction = 0;
  next = 5;
  EXPECT_EQ(SpliceNames(crowded, Match(), refuse, &next).splices, 0);
  for (size_t i = 0; i < crowded.size(); ++i) {
    EXPECT_EQ(crowded[i].track_id, before[i].track_id);
    EXPECT_EQ(crowded[i].player_id, before[i].player_id);
  }
  next = 5;
  const NameSpliceResult c = SpliceNames(crowded, Match(), {}, &next);
  EXPECT_EQ(c.splices, 2);
  EXPECT_EQ(c.clashes_unnamed, 1);
  auto around = ByTrack(crowded);
  for (const auto& row : around[2]) EXPECT_EQ(row.player_id, 1);
  ASSERT_EQ(around[4].size(), 11u);
  for (const auto& row : around[4]) EXPECT_FALSE(row.player_id);
}

TEST(NameSplices, NothingIsSplicedWithoutContinuityOrAgainstTheRoster) {
  std::vector<eval::PipelineRow> base;
  AddTrack(&base, 1, 1, 100, Player, 7, 1);
  const auto run = [](std::vector<eval::PipelineRow> rows, NameSpliceOptions options = {}) {
    int64_t next = 100;
    const int64_t splices = SpliceNames(rows, Match(), options, &next).splices;
    return std::make_pair(splices, rows);
  };
  // Both splices jump 8 m: someone else all along.
  std::vector<eval::PipelineRow> rows = base;
  AddTrack(&rows, 2, 80, 200, Other, 7, std::nullopt);
  EXPECT_EQ(run(rows).first, 0);
  // ... but 8 m is within a 9 m limit.
  NameSpliceOptions wide;
  wide.max_jump_m = 9;
  EXPECT_EQ(run(rows, wide).first, 1);
  // Team B's 7 is another player; a number the team does not wear names nobody.
  for (int jersey : {7, 9}) {
    rows = base;
    AddTrack(&rows, 2, 80, 200, Player, jersey, std::nullopt, jersey == 7 ? io::Category::kTeamB : io::Category::kTeamA);
    EXPECT_EQ(run(rows).first, 0) << jersey;
  }
  // An overlap longer than max_overlap_seconds (31 s > 30 s).
  ASSERT_EQ(NameSpliceOptions{}.max_overlap_seconds, 30);
  rows.clear();
  AddTrack(&rows, 1, 1, 900, Player, 7, 1);
  AddTrack(&rows, 2, 126, 1000, Player, 7, std::nullopt);
  EXPECT_EQ(run(rows).first, 0);
  rows.clear();
  AddTrack(&rows, 1, 1, 900, Player, 7, 1);
  AddTrack(&rows, 2, 150, 1000, Player, 7, std::nullopt);  // 751 frames
  EXPECT_EQ(run(rows).first, 0);
  rows.clear();
  AddTrack(&rows, 1, 1, 900, Player, 7, 1);
  AddTrack(&rows, 2, 151, 1000, Player, 7, std::nullopt);  // 30 s exactly
  EXPECT_EQ(run(rows).first, 1);
  // A jump of exactly max_jump_m is spliced: B on someone else until A ends, then 5 m away.
  rows = base;
  AddTrack(&rows, 2, 60, 200, [](int f) { return f <= 100 ? Other(f) : std::make_pair(Player(100).first, 15.0); }, 7,
           std::nullopt);
  EXPECT_EQ(run(rows).first, 1);
  NameSpliceOptions narrower;
  narrower.max_jump_m = 4.99;
  EXPECT_EQ(run(rows, narrower).first, 0);
  // B inside A (it ends first): not a splice.
  rows = base;
  AddTrack(&rows, 2, 50, 90, Player, 7, std::nullopt);
  EXPECT_EQ(run(rows).first, 0);
  // B ending with A, its head on someone else: (ii) would need a row of B after A's end.
  rows = base;
  AddTrack(&rows, 2, 60, 100, [](int f) { return f < 80 ? Other(f) : Player(f); }, 7, std::nullopt);
  EXPECT_EQ(run(rows).first, 0);
  // Another track named after the player meets A's part; or B's, when it is not inside B
  // (B is 80-200), or not short beside it (the nested-clash rule, its own test).
  for (const auto& [first, last] : {std::make_pair(10, 20), std::make_pair(150, 200), std::make_pair(85, 155)}) {
    rows = base;
    AddTrack(&rows, 2, 80, 200, Player, 7, std::nullopt);
    AddTrack(&rows, 3, first, last, Other, 7, 1);
    EXPECT_EQ(run(rows).first, 0) << first;
  }
  // Off.
  rows = base;
  AddTrack(&rows, 2, 80, 200, Player, 7, std::nullopt);
  NameSpliceOptions off;
  off.max_overlap_seconds = 0;
  const auto [splices, unchanged] = run(rows, off);
  EXPECT_EQ(splices, 0);
  ASSERT_EQ(unchanged.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(unchanged[i].track_id, rows[i].track_id);
    EXPECT_EQ(unchanged[i].player_id, rows[i].player_id);
  }
}

TEST(NameSplices, AShortTrackNamedAfterThePlayerInsideTheCandidateLosesTheName) {
  // Track 1, named player 1, to frame 100; track 2 reads his 7 from frame 80 to 200; track 3,
  // on someone else, was named player 1 over frames 150-160, inside track 2.
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 1, 1, 100, [](int f) { return f < 80 ? Player(f) : Other(f); }, 7, 1);
  AddTrack(&rows, 2, 80, 200, Player, 7, std::nullopt);
  AddTrack(&rows, 3, 150, 160, Other, 7, 1);
  const std::vector<eval::PipelineRow> before = rows;
  int64_t next = 4;
  NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
  EXPECT_EQ(r.splices, 1);
  EXPECT_EQ(r.clashes_unnamed, 1);
  auto tracks = ByTrack(rows);
  for (const auto& row : tracks[2]) EXPECT_EQ(row.player_id, 1);
  EXPECT_EQ(tracks[1].back().frame, 79);
  ASSERT_EQ(tracks[3].size(), 11u);
  for (const auto& row : tracks[3]) {
    EXPECT_FALSE(row.player_id);
    EXPECT_FALSE(row.jersey);
  }
  // Track 3 holds 11 of track 2's 121 rows (0.091): at a limit of 0.1 it loses the name, at
  // 0.09 (or with the rule off) the splice is refused and nothing changes.
  for (double fraction : {0.1, 0.09, 0.0}) {
    rows = before;
    NameSpliceOptions o;
    o.max_nested_clash_fraction = fraction;
    next = 4;
    r = SpliceNames(rows, Match(), o, &next);
    const bool made = fraction == 0.1;
    EXPECT_EQ(r.splices, made ? 1 : 0) << fraction;
    EXPECT_EQ(r.clashes_unnamed, made ? 1 : 0) << fraction;
    if (!made)
      for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].track_id, before[i].track_id);
        EXPECT_EQ(rows[i].player_id, before[i].player_id);
        EXPECT_EQ(rows[i].jersey, before[i].jersey);
      }
  }
}

TEST(NameSplices, ATrackNamedAfterThePlayerInThePathsGapKeepsTheName) {
  // Track 1 reads his 7 and follows player 1 to frame 139, then drifts onto the other person
  // to frame 200; track 2, named player 1, follows him from frame 150. Splice (iv) keeps
  // track 1's frames 1-139 as his and cuts the rest: over frames 140-149 he is on neither.
  // Track 3, named after him, lies in track 1's frames: inside the part kept (60-70) or
  // beside track 2 (160-170) it loses the name; in the gap (142-147), where it may be him,
  // it keeps it and the splice is refused.
  for (const int first : {60, 160, 142}) {
    std::vector<eval::PipelineRow> rows;
    AddTrack(&rows, 1, 1, 200, [](int f) { return f < 140 ? Player(f) : Other(f); }, 7, std::nullopt);
    AddTrack(&rows, 2, 150, 300, Player, 7, 1);
    AddTrack(&rows, 3, first, first == 142 ? 147 : first + 10, Other, 7, 1);
    const std::vector<eval::PipelineRow> before = rows;
    int64_t next = 4;
    const NameSpliceResult r = SpliceNames(rows, Match(), {}, &next);
    const bool unnamed = first != 142;
    EXPECT_EQ(r.splices, unnamed ? 1 : 0) << first;
    EXPECT_EQ(r.clashes_unnamed, unnamed ? 1 : 0) << first;
    auto tracks = ByTrack(rows);
    for (const auto& row : tracks[3]) EXPECT_EQ(row.player_id.has_value(), !unnamed) << first;
    if (unnamed) {
      EXPECT_EQ(tracks[1].back().frame, 139);
      for (const auto& row : tracks[1]) EXPECT_EQ(row.player_id, 1);
    } else {
      for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].track_id, before[i].track_id);
        EXPECT_EQ(rows[i].player_id, before[i].player_id);
      }
    }
  }
}

// Random tracks of a few players, named, numbered or neither: splicing keeps every row's
// frame and position, keeps a track id to one row per frame, never adds a frame where a
// player is named twice, and names a row only after the player its number or name gave.
TEST(NameSplices, RandomTracksKeepTheirRowsAndNeverDoubleAPlayer) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  const io::MatchInfo match = Match();
  int64_t splices = 0, tails_cut = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<eval::PipelineRow> rows;
    const int n = 2 + trial % 7;
    for (int t = 1; t <= n; ++t) {
      const int first = 1 + static_cast<int>(u(rng) * 300), last = first + static_cast<int>(u(rng) * 300);
      const double z = u(rng) * 20, jump_at = first + u(rng) * (last - first), jump = u(rng) < 0.5 ? 0 : 10;
      std::optional<int> jersey = u(rng) < 0.7 ? std::optional<int>(u(rng) < 0.5 ? 7 : 8) : std::nullopt;
      std::optional<int> player = u(rng) < 0.5 && jersey ? std::optional<int>(*jersey == 7 ? 1 : 2) : std::nullopt;
      AddTrack(&rows, t, first, last, [&](int f) { return std::make_pair(0.2 * f, z + (f > jump_at ? jump : 0)); },
               jersey, player);
    }
    auto doubled = [](const std::vector<eval::PipelineRow>& rs) {
      std::map<std::pair<int, int>, int> count;
      for (const auto& r : rs)
        if (r.player_id) ++count[{r.frame, *r.player_id}];
      std::set<std::pair<int, int>> out;
      for (const auto& [key, c] : count)
        if (c > 1) out.insert(key);
      return out;
    };
    const std::vector<eval::PipelineRow> before = rows;
    int64_t next = n + 1;
    const NameSpliceResult r = SpliceNames(rows, match, {}, &next);
    splices += r.splices, tails_cut += r.tails_cut;
    EXPECT_EQ(next, n + 1 + r.splices);  // one fresh id per splice
    ASSERT_EQ(rows.size(), before.size());
    std::set<std::pair<int64_t, int>> seen;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].frame, before[i].frame);
      EXPECT_EQ(rows[i].x_m, before[i].x_m);
      EXPECT_EQ(rows[i].z_m, before[i].z_m);
      if (rows[i].track_id > n) {  // a piece cut off: unnamed, unnumbered, cut from its own track
        EXPECT_FALSE(rows[i].player_id);
        EXPECT_FALSE(rows[i].jersey);
      } else {
        EXPECT_EQ(rows[i].track_id, before[i].track_id);
      }
      EXPECT_TRUE(seen.insert({rows[i].track_id, rows[i].frame}).second) << "trial " << trial;
      if (rows[i].player_id && rows[i].player_id != before[i].player_id) {
        ASSERT_TRUE(before[i].jersey) << "trial " << trial;
        EXPECT_EQ(*rows[i].player_id, *before[i].jersey == 7 ? 1 : 2) << "trial " << trial;
      }
    }
    const auto after_doubled = doubled(rows), before_doubled = doubled(before);
    for (const auto& key : after_doubled)
      EXPECT_TRUE(before_doubled.count(key)) << "trial " << trial << ": frame " << key.first << " player " << key.second;
  }
  // Both kinds of splice were tried.
  EXPECT_GT(tails_cut, 5);
  EXPECT_GT(splices - tails_cut, 5);
}

TEST(NameSplices, BadOptionsAndRows) {
  std::vector<eval::PipelineRow> rows;
  int64_t next = 1;
  NameSpliceOptions o;
  o.max_overlap_seconds = -1;
  EXPECT_THROW(SpliceNames(rows, Match(), o, &next), Error);
  o = {};
  o.max_jump_m = std::nan("");
  EXPECT_THROW(SpliceNames(rows, Match(), o, &next), Error);
  o = {};
  o.max_passes = 0;
  EXPECT_THROW(SpliceNames(rows, Match(), o, &next), Error);
  for (double fraction : {-0.1, 1.5, std::nan("")}) {
    o = {};
    o.max_nested_clash_fraction = fraction;
    EXPECT_THROW(SpliceNames(rows, Match(), o, &next), Error) << fraction;
  }
  AddTrack(&rows, 1, 1, 2, Player, 7, 1);
  AddTrack(&rows, 1, 2, 3, Player, 7, 1);  // track 1 twice in frame 2
  EXPECT_THROW(SpliceNames(rows, Match(), {}, &next), Error);
}

}  // namespace
}  // namespace ipt::tracking
