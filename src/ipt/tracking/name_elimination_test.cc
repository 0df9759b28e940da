#include "ipt/tracking/name_elimination.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

constexpr double kFps = 25;

// Team A: players 1-3 (#7, #8, #9) play, 4 (#10) is on the bench; one referee.
io::MatchInfo Match() {
  io::MatchInfo m;
  m.fps = kFps;
  m.frame_count = 300;
  m.roster = {{1, io::Category::kTeamA, 7, "a7", std::nullopt},
              {2, io::Category::kTeamA, 8, "a8", std::nullopt},
              {3, io::Category::kTeamA, 9, "a9", std::nullopt},
              {4, io::Category::kTeamA, 10, "a10", std::nullopt, /*starts=*/false},
              {11, io::Category::kTeamB, 7, "b7", std::nullopt},
              {20, io::Category::kReferee, std::nullopt, "ref", std::nullopt}};
  return m;
}

// A track's rows over frames [first, last], standing at (x, z), or running along x at
// speed_mps from there.
void AddTrack(std::vector<eval::PipelineRow>* rows, int64_t id, int first, int last, double x, double z,
              std::optional<int> player, io::Category category = io::Category::kTeamA, double speed_mps = 0) {
  const io::MatchInfo m = Match();
  for (int f = first; f <= last; ++f) {
    eval::PipelineRow r;
    r.frame = f;
    r.track_id = id;
    r.x_m = x + speed_mps * (f - first) / kFps;
    r.z_m = z;
    r.category = category;
    r.player_id = player;
    if (player) r.jersey = m.FindPerson(*player)->jersey;
    rows->push_back(r);
  }
}

std::map<int64_t, std::optional<int>> NameOfTrack(const std::vector<eval::PipelineRow>& rows) {
  std::map<int64_t, std::optional<int>> out;
  for (const auto& r : rows) out[r.track_id] = r.player_id;
  return out;
}

TEST(NameElimination, TheOnePlayerLeftIsNamed) {
  // Players 1 and 2 are named throughout; track 12 is the only other team-A track. The bench
  // player 4 is no candidate, nor team B's #7 (another category).
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 10, 1, 300, 10, 10, 1);
  AddTrack(&rows, 11, 1, 300, 20, 10, 2);
  AddTrack(&rows, 12, 40, 200, 30, 10, std::nullopt);
  std::vector<eval::PipelineRow> off = rows;
  const NameEliminationResult r = NameByElimination(rows, Match(), {});
  EXPECT_EQ(r.tracks_named, 1);
  EXPECT_EQ(r.rows_named, 161);
  for (const auto& row : rows) {
    if (row.track_id != 12) continue;
    EXPECT_EQ(row.player_id, 3);
    EXPECT_EQ(row.jersey, 9);
  }
  NameEliminationOptions disabled;
  disabled.min_seconds = 0;
  EXPECT_EQ(NameByElimination(off, Match(), disabled).tracks_named, 0);
  EXPECT_FALSE(NameOfTrack(off).at(12));
}

TEST(NameElimination, EntriesWithoutANumberAreNoCandidates) {
  // The one referee of the roster is not named by elimination (stations name referees).
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 12, 40, 200, 30, 0, std::nullopt, io::Category::kReferee);
  EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, 0);
  EXPECT_FALSE(NameOfTrack(rows).at(12));
}

TEST(NameElimination, TwoPlayersLeftNameNoOne) {
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 10, 1, 300, 10, 10, 1);
  AddTrack(&rows, 11, 1, 30, 20, 10, 2);  // player 2 named only to frame 30, and may be track 12
  AddTrack(&rows, 12, 40, 200, 22, 10, std::nullopt);
  EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, 0);
  EXPECT_FALSE(NameOfTrack(rows).at(12));
}

TEST(NameElimination, APlayerWhosePathCannotReachTheTrackIsNoCandidate) {
  // Players 1 and 2 named throughout; player 3 named on track 13 to frame 100, standing at
  // x = 30. Track 12 starts 2 frames later at x = 32 (reachable: named 3), or at x = 60
  // (30 m in 0.08 s: nobody is left, it stays unnamed); the same for a track 14 ending
  // before a track of player 3.
  for (double start_x : {32.0, 60.0}) {
    std::vector<eval::PipelineRow> rows;
    AddTrack(&rows, 10, 1, 300, 10, 10, 1);
    AddTrack(&rows, 11, 1, 300, 20, 10, 2);
    AddTrack(&rows, 13, 1, 100, 30, 10, 3);
    AddTrack(&rows, 12, 102, 200, start_x, 10, std::nullopt);
    const bool reachable = start_x < 40;
    EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, reachable ? 1 : 0) << start_x;
    EXPECT_EQ(NameOfTrack(rows).at(12), reachable ? std::optional<int>(3) : std::nullopt) << start_x;
  }
  for (double end_x : {28.0, 0.0}) {  // the track runs 2 m/s towards x = end_x, then player 3 from x = 30
    std::vector<eval::PipelineRow> rows;
    AddTrack(&rows, 10, 1, 300, 10, 10, 1);
    AddTrack(&rows, 11, 1, 300, 20, 10, 2);
    AddTrack(&rows, 14, 1, 100, end_x - 2 * 99 / kFps, 10, std::nullopt, io::Category::kTeamA, 2);
    AddTrack(&rows, 13, 102, 300, 30, 10, 3);
    const bool reachable = end_x > 20;
    EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, reachable ? 1 : 0) << end_x;
  }
}

TEST(NameElimination, AHandOverIsPartOfThePath) {
  // Player 3's track 13 ends 6 frames after track 12 starts, where 12 starts (a hand-over of
  // 0.24 s): 12 is named 3. Overlapping by 20 frames (0.8 s), or with hand-overs off, it
  // is not: nobody is left.
  for (int overlap : {6, 20}) {
    for (double handover_s : {0.5, 0.0}) {
      std::vector<eval::PipelineRow> rows;
      AddTrack(&rows, 10, 1, 300, 10, 10, 1);
      AddTrack(&rows, 11, 1, 300, 20, 10, 2);
      AddTrack(&rows, 13, 1, 100, 30, 10, 3);
      AddTrack(&rows, 12, 101 - overlap, 200, 30.5, 10, std::nullopt);
      NameEliminationOptions o;
      o.max_handover_seconds = handover_s;
      const bool named = overlap == 6 && handover_s > 0;
      EXPECT_EQ(NameByElimination(rows, Match(), o).tracks_named, named ? 1 : 0) << overlap << " " << handover_s;
    }
  }
  // The same at the track's other end: player 3's next track takes over from it.
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 10, 1, 300, 10, 10, 1);
  AddTrack(&rows, 11, 1, 300, 20, 10, 2);
  AddTrack(&rows, 12, 1, 100, 30.5, 10, std::nullopt);
  AddTrack(&rows, 13, 95, 300, 30, 10, 3);
  EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, 1);
}

// A hand-over's reach is Reachable's: over the frames both tracks have, both ends counted.
// Track 13 (player 3, frames 1-100) and track 12 (from frame 95: 6 frames shared) reach
// 2 + 10 x 6 / 25 = 4.4 m; 12 starts 4.3 m away (named) or 4.5 m (not).
TEST(NameElimination, AHandOverReachesOverItsSharedFrames) {
  for (double start_m : {4.3, 4.5}) {
    std::vector<eval::PipelineRow> rows;
    AddTrack(&rows, 10, 1, 300, 10, 10, 1);
    AddTrack(&rows, 11, 1, 300, 20, 10, 2);
    AddTrack(&rows, 13, 1, 100, 30, 10, 3);
    AddTrack(&rows, 12, 95, 200, 30 + start_m, 10, std::nullopt);
    EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, start_m < 4.4 ? 1 : 0) << start_m;
  }
}

TEST(NameElimination, TwoUnnamedTracksAtOnceNeverTakeOneName) {
  // Both are left only player 3: the longer one takes him; the other then has no one.
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 10, 1, 300, 10, 10, 1);
  AddTrack(&rows, 11, 1, 300, 20, 10, 2);
  AddTrack(&rows, 12, 50, 150, 40, 10, std::nullopt);
  AddTrack(&rows, 13, 1, 200, 30, 10, std::nullopt);
  EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, 1);
  const auto names = NameOfTrack(rows);
  EXPECT_EQ(names.at(13), 3);
  EXPECT_FALSE(names.at(12));
}

TEST(NameElimination, ShortTracksAndTracksOfNoCategoryAreLeft) {
  std::vector<eval::PipelineRow> rows;
  AddTrack(&rows, 10, 1, 300, 10, 10, 1);
  AddTrack(&rows, 11, 1, 300, 20, 10, 2);
  AddTrack(&rows, 12, 40, 103, 30, 10, std::nullopt);  // 64 frames < 3 s
  AddTrack(&rows, 13, 100, 200, 40, 10, std::nullopt);
  for (auto& r : rows)
    if (r.track_id == 13) r.category.reset();
  EXPECT_EQ(NameByElimination(rows, Match(), {}).tracks_named, 0);
  ASSERT_EQ(NameEliminationOptions{}.min_seconds, 3.0);
  NameEliminationOptions shorter;
  shorter.min_seconds = 2.5;
  EXPECT_EQ(NameByElimination(rows, Match(), shorter).tracks_named, 1);
  EXPECT_EQ(NameOfTrack(rows).at(12), 3);
}

// The rule written out frame by frame: an entry is eliminated for a track when, in one of
// the track's frames, a track named after him spans that frame (but for a hand-over of at
// most 12 frames at one of the track's ends), or when his last named row before the track
// (or first after it) is out of reach: over the gap, or over the hand-over's frames.
TEST(NameElimination, RandomTracksMatchTheRuleFrameByFrame) {
  std::mt19937 rng(7);
  const io::MatchInfo match = Match();
  int tracks_named = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<eval::PipelineRow> rows;
    std::uniform_int_distribution<int> start(1, 280), length(5, 150), player(0, 3);
    std::uniform_real_distribution<double> pos(0, 60);
    std::map<int, std::vector<std::pair<int, int>>> spans;  // player -> named spans (kept apart)
    for (int64_t id = 1; id <= 8; ++id) {
      const int first = start(rng), last = std::min(300, first + length(rng));
      std::optional<int> name;
      const int p = player(rng);
      if (p > 0) {
        bool clash = false;
        for (const auto& [a, b] : spans[p]) clash |= a <= last && first <= b;
        if (!clash) {
          name = p;
          spans[p].push_back({first, last});
        }
      }
      const double x = pos(rng), z = pos(rng);
      AddTrack(&rows, id, first, last, x, z, name);
    }
    // The expected names, by the rule above, longest unnamed track first.
    std::map<int64_t, std::vector<const eval::PipelineRow*>> by_track;
    for (const auto& r : rows) by_track[r.track_id].push_back(&r);
    std::map<int64_t, std::optional<int>> expected = NameOfTrack(rows);
    std::vector<int64_t> order;
    for (const auto& [id, v] : by_track)
      if (!expected[id] && v.size() >= NameEliminationOptions{}.min_seconds * kFps) order.push_back(id);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return by_track[a].size() > by_track[b].size(); });
    for (int64_t u : order) {
      const auto& ur = by_track[u];
      std::vector<int> left;
      for (int p : {1, 2, 3}) {
        bool out = false;
        const eval::PipelineRow* before = nullptr;
        const eval::PipelineRow* after = nullptr;
        for (const auto& [id, v] : by_track) {
          if (expected[id] != p) continue;
          const int vf = v.front()->frame, vl = v.back()->frame, uf = ur.front()->frame, ul = ur.back()->frame;
          int shared = 0;
          for (int f = uf; f <= ul; ++f) shared += vf <= f && f <= vl;
          const bool handover = (vf < uf && vl < ul && shared <= 12) || (vf > uf && vl > ul && shared <= 12);
          out |= shared > 0 && !handover;
          if (vf < uf && vl < ul && (!before || vl > before->frame)) before = v.back();
          if (vf > uf && vl > ul && (!after || vf < after->frame)) after = v.front();
        }
        // Reach over the gap's frames, or over the hand-over's shared frames (both ends counted).
        auto too_far = [](const eval::PipelineRow* a, const eval::PipelineRow* b) {
          const int frames = b->frame > a->frame ? b->frame - a->frame : a->frame - b->frame + 1;
          return std::hypot(a->x_m - b->x_m, a->z_m - b->z_m) > 2.0 + 10.0 * frames / kFps;
        };
        if (before && too_far(before, ur.front())) out = true;
        if (after && too_far(ur.back(), after)) out = true;
        if (!out) left.push_back(p);
      }
      if (left.size() == 1) expected[u] = left[0];
    }
    std::vector<eval::PipelineRow> named = rows;
    NameByElimination(named, match, {});
    EXPECT_EQ(NameOfTrack(named), expected) << "trial " << trial;
    // Never one player twice in a frame, but in a hand-over: two of his tracks share at most
    // 12 frames, one starting and ending after the other.
    std::map<int, std::vector<std::pair<int, int>>> named_spans;  // player -> (first, last) per track
    for (const auto& [id, name] : NameOfTrack(named))
      if (name) named_spans[*name].push_back({by_track[id].front()->frame, by_track[id].back()->frame});
    for (auto& [p, v] : named_spans) {
      std::sort(v.begin(), v.end());
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j) {
          const int shared = std::min(v[i].second, v[j].second) - v[j].first + 1;
          if (shared <= 0) continue;
          EXPECT_TRUE(shared <= 12 && v[i].first < v[j].first && v[i].second < v[j].second)
              << "trial " << trial << " player " << p;
        }
    }
    for (const auto& [id, name] : NameOfTrack(named)) tracks_named += name && !NameOfTrack(rows).at(id);
  }
  EXPECT_GT(tracks_named, 40) << tracks_named;  // the rule was exercised
}

TEST(NameElimination, BadOptionsAreRefusedByName) {
  std::vector<eval::PipelineRow> rows;
  NameEliminationOptions o;
  o.min_seconds = -1;
  EXPECT_THROW(
      {
        try {
          NameByElimination(rows, Match(), o);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("name_elimination_min_seconds"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
  o = {};
  o.max_speed_mps = 0;
  EXPECT_THROW(NameByElimination(rows, Match(), o), Error);
  o = {};
  o.position_slack_m = std::nan("");
  EXPECT_THROW(NameByElimination(rows, Match(), o), Error);
  o = {};
  o.max_handover_seconds = 11;
  EXPECT_THROW(NameByElimination(rows, Match(), o), Error);
}

}  // namespace
}  // namespace ipt::tracking
