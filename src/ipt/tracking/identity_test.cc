#include "ipt/tracking/identity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "ipt/geometry/rig.h"
#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

constexpr double kFps = 25;

io::MatchInfo Match() {
  io::MatchInfo m;
  m.fps = kFps;
  m.roster = {{1, io::Category::kTeamA, 10, "a10", std::nullopt},      {2, io::Category::kTeamA, 7, "a7", std::nullopt},
              {3, io::Category::kTeamA, 8, "a8", std::nullopt},        {4, io::Category::kGoalkeeperA, 1, "ga1", std::nullopt},
              {11, io::Category::kTeamB, 10, "b10", std::nullopt},     {12, io::Category::kTeamB, 9, "b9", std::nullopt},
              {13, io::Category::kGoalkeeperB, 1, "gb1", std::nullopt}, {20, io::Category::kReferee, std::nullopt, "ref", std::nullopt},
              {21, io::Category::kReferee, std::nullopt, "ar1", std::nullopt}, {22, io::Category::kReferee, std::nullopt, "ar2", std::nullopt}};
  return m;
}

// Match() with a line-up: team A's #42 (player 5) starts on the bench and replaces #7
// (player 2) from frame 150 of 400.
io::MatchInfo MatchWithSubstitution() {
  io::MatchInfo m = Match();
  m.frame_count = 400;
  m.roster.push_back({5, io::Category::kTeamA, 42, "a42", std::nullopt, /*starts=*/false});
  m.substitutions = {{150, 2, 5}};
  m.substitution_tolerance_seconds = 0;  // exact frames
  return m;
}

std::array<float, io::kNumJerseys + 1> Unknown() {
  std::array<float, io::kNumJerseys + 1> p{};
  p[io::kNumJerseys] = 1;
  return p;
}

std::array<float, io::kNumJerseys + 1> Reads(int number, float probability) {
  std::array<float, io::kNumJerseys + 1> p{};
  p[number] = probability;
  p[io::kNumJerseys] = 1 - probability;
  return p;
}

IdentityTrack Track(int64_t id, int first, int last, Eigen::Vector2d from, Eigen::Vector2d to,
                    io::Category category = io::Category::kTeamA) {
  IdentityTrack t;
  t.track_id = id;
  t.first_frame = first;
  t.last_frame = last;
  t.first_position_m = from;
  t.last_position_m = to;
  t.detections = last - first + 1;
  t.category = category;
  t.jersey = Unknown();
  return t;
}

PairAffinity Constant(float p) {
  return [p](const std::vector<std::pair<int, int>>& pairs) { return std::vector<float>(pairs.size(), p); };
}

// The line-up's times at a track's ends (substitution_likelihood_ratio): #42 (player 5)
// replaces #7 (player 2) at frame 150. Nobody reads a number; a track ending by the
// touchline just before 150 is #7 going off, one starting by it just after is #42.
TEST(Identity, TracksEndingAndStartingByTheTouchlineAtASubstitutionNameItsPlayers) {
  const io::MatchInfo match = MatchWithSubstitution();
  auto resolve = [&](double ratio, Eigen::Vector2d off_end, int off_last_frame) {
    IdentityOptions options;
    options.substitution_likelihood_ratio = ratio;
    std::vector<IdentityTrack> tracks = {
        Track(1, 1, off_last_frame, {50, 30}, off_end), Track(2, 185, 400, {52, -1}, {40, 20}),
        Track(3, 1, 400, {30, 30}, {30, 35}), Track(4, 1, 400, {60, 40}, {60, 45})};
    return ResolveIdentities(tracks, match, Constant(0.0f), options);
  };
  // Off: 1/3 each for both (1, 2, 3 play frames 1-149; 1, 3, 5 frames 185-400).
  const IdentityResult off = resolve(1.0, {50, 0.5}, 149);
  EXPECT_FALSE(off.player_id[0]);
  EXPECT_FALSE(off.player_id[1]);
  // Ratio 20: 20 / 22 for player 2 and for player 5 (35 frames late: within 3 s).
  const IdentityResult on = resolve(20.0, {50, 0.5}, 149);
  EXPECT_EQ(on.player_id[0], 2);
  EXPECT_EQ(on.player_id[1], 5);
  EXPECT_TRUE(on.guessed_player_ids.empty());
  // An end in mid-pitch, or 4 s before the substitution, says nothing of who went off.
  EXPECT_FALSE(resolve(20.0, {50, 30}, 149).player_id[0]);
  EXPECT_FALSE(resolve(20.0, {50, 0.5}, 49).player_id[0]);
  EXPECT_EQ(resolve(20.0, {50, 0.5}, 49).player_id[1], 5);  // the start still does
  // Beyond the far touchline counts too.
  EXPECT_EQ(resolve(20.0, {50, match.pitch.width_m + 2}, 149).player_id[0], 2);
  IdentityOptions bad;
  bad.substitution_likelihood_ratio = 0.5;
  EXPECT_THROW(bad.Check(), Error);
  bad = {};
  bad.substitution_seconds = -1;
  EXPECT_THROW(bad.Check(), Error);
}

// The same rule with match.yaml's tolerance and other substitutions: the window is
// substitution_seconds + the tolerance; a sending-off (nobody comes on) still names the
// player going off; another team's substitution names no one of this team.
TEST(Identity, SubstitutionEvidenceWindowsSendingsOffAndTeams) {
  auto name_of_end = [](io::MatchInfo match, double seconds, int last_frame) {
    IdentityOptions options;
    options.substitution_likelihood_ratio = 20.0;
    options.substitution_seconds = seconds;
    std::vector<IdentityTrack> tracks = {Track(1, 1, last_frame, {50, 30}, {50, 0.5}),
                                         Track(3, 1, 400, {30, 30}, {30, 35}), Track(4, 1, 400, {60, 40}, {60, 45})};
    return ResolveIdentities(tracks, match, Constant(0.0f), options).player_id[0];
  };
  io::MatchInfo match = MatchWithSubstitution();  // #7 (player 2) off at 150, tolerance 0
  EXPECT_EQ(name_of_end(match, 1.0, 126), 2);           // 24 frames before: within 1 s
  EXPECT_FALSE(name_of_end(match, 1.0, 109));           // 41 frames: beyond 1 s
  match.substitution_tolerance_seconds = 1.0;
  EXPECT_EQ(name_of_end(match, 1.0, 109), 2);           // within 1 s + 1 s
  EXPECT_FALSE(name_of_end(match, 1.0, 99));            // 51 frames: beyond 2 s
  match = MatchWithSubstitution();
  match.substitutions = {{150, 2, std::nullopt}};     // sent off
  EXPECT_EQ(name_of_end(match, 3.0, 149), 2);
  match.substitutions = {{150, 12, std::nullopt}};    // team B's #9 sent off
  EXPECT_FALSE(name_of_end(match, 3.0, 149));
}

TEST(Identity, FragmentsOfOnePersonBecomeOneIdentityNamedByOneReading) {
  // One team-A player in three fragments with gaps he can cover; the middle one reads 7.
  std::vector<IdentityTrack> tracks = {Track(1, 1, 50, {10, 10}, {12, 10}), Track(2, 60, 100, {13, 10}, {15, 12}),
                                       Track(3, 130, 200, {20, 12}, {30, 20})};
  tracks[1].jersey = Reads(7, 0.8f);
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(0.9f));
  EXPECT_EQ(r.identities, 1);
  EXPECT_EQ(r.links, 2);
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(r.player_id[t], 2) << t;
    EXPECT_EQ(r.jersey[t], 7) << t;
  }
  // Below min_link_probability nothing links, and the unread fragments stay unnamed.
  const IdentityResult apart = ResolveIdentities(tracks, Match(), Constant(0.4f));
  EXPECT_EQ(apart.identities, 3);
  EXPECT_EQ(apart.player_id[1], 2);
  EXPECT_FALSE(apart.player_id[0]);
  EXPECT_FALSE(apart.player_id[2]);
}

TEST(Identity, OverlapSpeedAndCategoryForbidLinks) {
  std::vector<IdentityTrack> tracks = {
      Track(1, 1, 50, {10, 10}, {12, 10}),
      Track(2, 30, 90, {12, 10}, {14, 10}),   // overlaps track 1 for 21 frames: no hand-over
      Track(3, 55, 90, {40, 10}, {41, 10}),   // 28 m in 0.2 s: too fast
      Track(4, 60, 90, {13, 10}, {14, 10}, io::Category::kTeamB),  // another team
  };
  EXPECT_FALSE(Reachable(tracks[0], tracks[1], kFps, {}));
  EXPECT_FALSE(Reachable(tracks[0], tracks[2], kFps, {}));
  EXPECT_TRUE(Reachable(tracks[0], tracks[3], kFps, {}));
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(1.0f));
  EXPECT_EQ(r.identities, 4);
  EXPECT_EQ(r.candidate_links, 0);
  // A merge that would put two overlapping tracks in one identity is refused even when
  // each link alone is fine: 1 -> 3 and 2 -> 3 are both reachable, 1 and 2 overlap.
  std::vector<IdentityTrack> fork = {Track(1, 1, 50, {10, 10}, {12, 10}), Track(2, 40, 50, {30, 10}, {31, 10}),
                                     Track(3, 100, 150, {20, 10}, {25, 10})};
  const IdentityResult f = ResolveIdentities(fork, Match(), Constant(0.9f));
  EXPECT_EQ(f.identities, 2);
  EXPECT_NE(f.identity[0], f.identity[1]);
}

TEST(Identity, NamesAreOneToOneAndNeedEnoughEvidence) {
  std::vector<IdentityTrack> tracks = {
      Track(1, 1, 100, {10, 10}, {12, 10}), Track(2, 1, 100, {50, 10}, {52, 10}),  // both read 10
      Track(3, 1, 100, {5, 30}, {5, 31}, io::Category::kGoalkeeperA),             // the only GK A
      Track(4, 1, 100, {50, 0}, {52, 0}, io::Category::kReferee),                 // one of three
      Track(5, 1, 100, {30, 30}, {31, 30}),                                       // reads nothing
  };
  tracks[0].jersey = Reads(10, 0.9f);
  tracks[1].jersey = Reads(10, 0.6f);
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(0.9f));
  EXPECT_EQ(r.player_id[0], 1);     // the surer reading takes number 10
  EXPECT_FALSE(r.player_id[1]);     // a player is in one place per frame
  EXPECT_EQ(r.player_id[2], 4);     // named without a number
  EXPECT_EQ(r.jersey[2], 1);
  EXPECT_FALSE(r.player_id[3]);     // 1/3: not enough
  EXPECT_FALSE(r.player_id[4]);
}

// Naming asks min_name_probability; joining by name still asks min_player_probability.
TEST(Identity, NamesAskMinNameProbabilityAndJoinsMinPlayerProbability) {
  // Team A has three entries (#10, #7, #8). Track 1 reads 7; tracks 2 and 3 read nothing
  // and overlap each other; track 4 reads nothing and could follow either of them.
  std::vector<IdentityTrack> tracks = {
      Track(1, 1, 100, {10, 10}, {12, 10}), Track(2, 1, 200, {30, 30}, {31, 30}),
      Track(3, 1, 200, {20, 20}, {21, 20}), Track(4, 300, 400, {14, 10}, {16, 10}),
  };
  tracks[0].jersey = Reads(7, 0.9f);
  IdentityOptions options;
  const IdentityResult sure = ResolveIdentities(tracks, Match(), Constant(0.0f), options);
  EXPECT_EQ(sure.player_id[0], 2);
  // Reading nothing: 1/3 for each entry who plays (written out), below 0.5.
  EXPECT_FALSE(sure.player_id[1]);
  EXPECT_FALSE(sure.player_id[2]);
  EXPECT_FALSE(sure.player_id[3]);
  EXPECT_TRUE(sure.guessed_player_ids.empty());
  // Named at 0.3: 2 and 3 take #10 and #8, one each (of tied identities the ones with
  // more detections); 4, with no entry left for it (one identity per entry), stays
  // unnamed, and reading nothing it joins no one at min_player_probability 0.5.
  options.min_name_probability = 0.3;
  const IdentityResult named = ResolveIdentities(tracks, Match(), Constant(0.0f), options);
  EXPECT_EQ(named.player_id[0], 2);
  ASSERT_TRUE(named.player_id[1] && named.player_id[2]);
  EXPECT_EQ(std::set<int>({*named.player_id[1], *named.player_id[2]}), std::set<int>({1, 3}));
  EXPECT_EQ(named.jersey[1], *named.player_id[1] == 1 ? 10 : 8);
  EXPECT_FALSE(named.player_id[3]);
  EXPECT_EQ(named.joined_by_name, 0);
  EXPECT_EQ(named.identities, 4);
  EXPECT_EQ(named.guessed_player_ids, std::vector<int>({1, 3}));  // at 1/3 < min_player_probability
  // With min_player_probability as low, 4's likeliest entry (1/3) passes: it joins the
  // identity named after it (reachable from both 2 and 3).
  options.min_player_probability = 0.3;
  const IdentityResult joined = ResolveIdentities(tracks, Match(), Constant(0.0f), options);
  EXPECT_EQ(joined.joined_by_name, 1);
  EXPECT_EQ(joined.identities, 3);
  EXPECT_TRUE(joined.guessed_player_ids.empty());  // 1/3 >= min_player_probability 0.3
  ASSERT_TRUE(joined.player_id[3]);
  EXPECT_TRUE(joined.player_id[3] == joined.player_id[1] || joined.player_id[3] == joined.player_id[2]);
  IdentityOptions bad;
  bad.min_name_probability = 0;
  EXPECT_THROW(bad.Check(), Error);
  bad.min_name_probability = 1.5;
  EXPECT_THROW(bad.Check(), Error);
}

// Three referees, told apart by where their tracks run when the roster gives stations:
// along a touchline (near or far from the cameras) or on the pitch.
TEST(Identity, RefereesAreNamedByTheirStations) {
  io::MatchInfo match = Match();
  match.pitch.width_m = 68;
  auto referee = [](int64_t id, double z) {
    IdentityTrack t = Track(id, 1, 100, {30, z}, {60, z}, io::Category::kReferee);
    t.mean_position_m = {45, z};
    return t;
  };
  const std::vector<IdentityTrack> tracks = {referee(1, 30), referee(2, 69.2), referee(3, -1.1)};
  // No stations in the roster: one of three, nobody is named.
  IdentityResult r = ResolveIdentities(tracks, match, Constant(0.9f));
  for (int t = 0; t < 3; ++t) EXPECT_FALSE(r.player_id[t]) << t;

  for (io::RosterEntry& e : match.roster) {
    if (e.player_id == 20) e.station = io::RefereeStation::kPitch;
    if (e.player_id == 21) e.station = io::RefereeStation::kFarTouchline;
    if (e.player_id == 22) e.station = io::RefereeStation::kNearTouchline;
  }
  // Without cameras the near touchline is z = 0.
  r = ResolveIdentities(tracks, match, Constant(0.9f));
  EXPECT_EQ(r.player_id[0], 20);
  EXPECT_EQ(r.player_id[1], 21);
  EXPECT_EQ(r.player_id[2], 22);
  // A rig beyond z = width makes that touchline the near one.
  const geometry::Rig rig = geometry::MakeDefaultRig({}, match.pitch);
  match.cameras = {{rig.cameras[0], "left.mp4"}, {rig.cameras[1], "right.mp4"}};
  ASSERT_TRUE(match.NearTouchlineIsFarSide());
  r = ResolveIdentities(tracks, match, Constant(0.9f));
  EXPECT_EQ(r.player_id[0], 20);
  EXPECT_EQ(r.player_id[1], 22);
  EXPECT_EQ(r.player_id[2], 21);
  EXPECT_FALSE(r.jersey[0]);
  // Two tracks on the pitch at once: one referee, so one is named, the other not.
  std::vector<IdentityTrack> two = {referee(1, 30), referee(2, 40)};
  r = ResolveIdentities(two, match, Constant(0.9f));
  EXPECT_EQ(r.player_id[0].has_value() + r.player_id[1].has_value(), 1);
  // The margin decides: 5 m from the line is still the touchline, 5.5 m the pitch.
  IdentityOptions options;
  r = ResolveIdentities({referee(1, 68 - 5.0)}, match, Constant(0.9f), options);
  EXPECT_EQ(r.player_id[0], 22);
  r = ResolveIdentities({referee(1, 68 - 5.5)}, match, Constant(0.9f), options);
  EXPECT_EQ(r.player_id[0], 20);
  // Beyond a line is that line's, however far (geometry::PitchDims::TouchlineDistanceM).
  r = ResolveIdentities({referee(1, 68 + 7.0)}, match, Constant(0.9f), options);
  EXPECT_EQ(r.player_id[0], 22);
  r = ResolveIdentities({referee(1, -7.0)}, match, Constant(0.9f), options);
  EXPECT_EQ(r.player_id[0], 21);
  options.station_error = 0;
  EXPECT_THROW(ResolveIdentities(tracks, match, Constant(0.9f), options), Error);
  // Only the referee's station given: the pitch track is still his (0.95 against 1/3 each).
  for (io::RosterEntry& e : match.roster)
    if (e.player_id != 20) e.station.reset();
  r = ResolveIdentities(tracks, match, Constant(0.9f));
  EXPECT_EQ(r.player_id[0], 20);
  EXPECT_FALSE(r.player_id[1]);
  EXPECT_FALSE(r.player_id[2]);
}

// Two tracks on the referee's station at once (a player taken for a referee for a few
// seconds beside the referee's whole-match track): tied by the roster, so the one with
// more detections is named, in either order; without the rule the solver's order decides.
TEST(Identity, OfTiedIdentitiesTheOneWithMoreDetectionsIsNamed) {
  io::MatchInfo match = Match();
  match.pitch.width_m = 68;
  for (io::RosterEntry& e : match.roster) {
    if (e.player_id == 20) e.station = io::RefereeStation::kPitch;
    if (e.player_id == 21) e.station = io::RefereeStation::kFarTouchline;
    if (e.player_id == 22) e.station = io::RefereeStation::kNearTouchline;
  }
  auto referee = [](int64_t id, int first, int last, double x) {
    IdentityTrack t = Track(id, first, last, {x, 30}, {x, 31}, io::Category::kReferee);
    t.mean_position_m = {x, 30};
    return t;
  };
  const IdentityTrack whole = referee(1, 1, 3000, 50), brief = referee(2, 1534, 1746, 100);
  IdentityOptions by_detections, off;
  off.name_ties_by_detections = false;
  int brief_named_off = 0;
  for (const bool brief_first : {false, true}) {
    const std::vector<IdentityTrack> tracks =
        brief_first ? std::vector<IdentityTrack>{brief, whole} : std::vector<IdentityTrack>{whole, brief};
    const int w = brief_first ? 1 : 0, b = 1 - w;
    IdentityResult r = ResolveIdentities(tracks, match, Constant(0.9f), by_detections);
    EXPECT_EQ(r.player_id[w], 20) << brief_first;
    EXPECT_FALSE(r.player_id[b]) << brief_first;
    r = ResolveIdentities(tracks, match, Constant(0.9f), off);
    EXPECT_EQ(r.player_id[0].has_value() + r.player_id[1].has_value(), 1);
    brief_named_off += r.player_id[b] == 20;
  }
  EXPECT_EQ(brief_named_off, 1);  // the tie goes by order: the reason for the rule
  // The brief one in three pieces, joined into one identity: the station is one observation
  // per identity, so the pieces are no surer of it than the whole track (counted per track,
  // 0.95^3 against 2 x 0.025^3, they were, and took the name).
  const std::vector<IdentityTrack> pieces = {whole, referee(2, 1534, 1600, 100), referee(3, 1610, 1680, 100),
                                             referee(4, 1690, 1746, 100)};
  const IdentityResult p = ResolveIdentities(pieces, match, Constant(0.9f), by_detections);
  ASSERT_EQ(p.identities, 2);
  EXPECT_EQ(p.player_id[0], 20);
  for (int t = 1; t < 4; ++t) EXPECT_FALSE(p.player_id[t]) << t;
  // Evidence outranks size: a whole-match track fairly sure of 7 (P(entry) 0.95) beside a
  // brief one surer of it (0.999): the brief one is named.
  IdentityTrack unsure = Track(3, 1, 3000, {10, 10}, {12, 10}), sure = Track(4, 100, 120, {40, 10}, {41, 10});
  unsure.jersey = Reads(7, 0.3f);
  sure.jersey = Reads(7, 0.99f);
  for (const IdentityOptions& options : {by_detections, off}) {
    const IdentityResult r = ResolveIdentities({unsure, sure}, Match(), Constant(0.0f), options);
    EXPECT_FALSE(r.player_id[0]);
    EXPECT_EQ(r.player_id[1], 2);
  }
}

// Random tracks and affinities: whatever the affinity says, an identity's tracks never
// overlap, each is reachable from the one before, they share a category, a roster player
// names at most one identity, of his category, with his number; and the names minimise
// the summed cost (brute force over the few identities of each category).
TEST(Identity, ConstraintsHoldForRandomInputsAndNamesAreOptimal) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<io::Category> categories = {io::Category::kTeamA, io::Category::kTeamB, io::Category::kGoalkeeperA,
                                                io::Category::kReferee};
  const std::vector<int> numbers = {10, 7, 8, 9, 1, 42};
  int64_t evictions = 0, unsure_names = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<IdentityTrack> tracks;
    const int n = 1 + trial % 12;
    for (int i = 0; i < n; ++i) {
      const int first = 1 + static_cast<int>(u(rng) * 300), len = static_cast<int>(u(rng) * 60);
      IdentityTrack t = Track(i, first, first + len, {u(rng) * 100, u(rng) * 60}, {u(rng) * 100, u(rng) * 60},
                              categories[static_cast<size_t>(u(rng) * categories.size())]);
      if (u(rng) < 0.6) t.jersey = Reads(numbers[static_cast<size_t>(u(rng) * numbers.size())], static_cast<float>(u(rng)));
      if (u(rng) < 0.5) {
        for (int k : numbers) t.pooled_reading[k] = static_cast<float>(u(rng) * 80 - 40);
        t.pooled_crops = static_cast<float>(u(rng) * 200);
      }
      tracks.push_back(t);
    }
    IdentityOptions options;
    options.min_link_probability = 0.3;
    options.min_roster_evidence = trial % 2 ? 0.25 : 0.0;
    options.pooled_reading_weight = trial % 3 ? 0.05 : 0.0;
    options.pooled_reading_max_crops = trial % 5 < 2 ? 0.0 : 50.0;
    options.min_name_probability = std::vector<double>{0.5, 0.2, 0.01, 1e-4}[trial % 7 % 4];
    options.substitution_likelihood_ratio = trial % 3 == 1 ? 20.0 : 1.0;
    // Half the trials with a line-up (written out independently of io/match.cc below).
    const bool lineup = (trial / 8) % 2;
    const io::MatchInfo match = lineup ? MatchWithSubstitution() : Match();
    auto plays_throughout = [&](int player_id, int first, int last) {
      if (!lineup) return true;
      if (player_id == 2) return last < 150;
      if (player_id == 5) return first >= 150;
      return true;
    };
    // Joining by name changes identities after the assignment: constraints only.
    options.join_by_name = (trial / 2) % 2;
    options.name_ties_by_detections = (trial / 4) % 2;  // moves the optimum by < 1e-9
    const IdentityResult r = ResolveIdentities(tracks, match, [&](const std::vector<std::pair<int, int>>& pairs) {
      std::vector<float> p;
      for (size_t k = 0; k < pairs.size(); ++k) p.push_back(static_cast<float>(u(rng)));
      return p;
    }, options);
    ASSERT_EQ(r.identity.size(), tracks.size());
    std::map<int, std::vector<int>> members;
    for (int t = 0; t < n; ++t) members[r.identity[t]].push_back(t);
    EXPECT_EQ(static_cast<int>(members.size()), r.identities);
    std::map<int, int> identity_of_player;
    for (auto& [id, ts] : members) {
      std::sort(ts.begin(), ts.end(), [&](int a, int b) { return tracks[a].first_frame < tracks[b].first_frame; });
      for (size_t k = 0; k + 1 < ts.size(); ++k) {
        EXPECT_TRUE(Reachable(tracks[ts[k]], tracks[ts[k + 1]], kFps, options)) << "trial " << trial;
        // Written out: tracks overlap only by a hand-over (at most 12 frames at 25 fps, the
        // later one ending last).
        const IdentityTrack &a = tracks[ts[k]], &b = tracks[ts[k + 1]];
        if (a.last_frame >= b.first_frame) {
          EXPECT_LE(a.last_frame - b.first_frame + 1, 12) << "trial " << trial;
          EXPECT_GT(b.last_frame, a.last_frame) << "trial " << trial;
        }
        EXPECT_EQ(tracks[ts[k]].category, tracks[ts[k + 1]].category);
      }
      for (int t : ts) {
        EXPECT_EQ(r.player_id[t], r.player_id[ts.front()]);
        EXPECT_EQ(r.jersey[t], r.jersey[ts.front()]);
      }
      if (const auto player = r.player_id[ts.front()]) {
        EXPECT_FALSE(identity_of_player.count(*player)) << "player " << *player << " named twice, trial " << trial;
        identity_of_player[*player] = id;
        const auto entry = std::find_if(match.roster.begin(), match.roster.end(),
                                         [&](const io::RosterEntry& e) { return e.player_id == *player; });
        ASSERT_NE(entry, match.roster.end());
        EXPECT_EQ(entry->category, tracks[ts.front()].category);
        EXPECT_EQ(entry->jersey, r.jersey[ts.front()]);
        for (int t : ts) {
          EXPECT_TRUE(plays_throughout(*player, tracks[t].first_frame, tracks[t].last_frame))
              << "player " << *player << " named for frames he does not play, trial " << trial;
        }
      }
    }
    // Optimality of the names per category, by brute force: every injective assignment
    // of the identities to entries or to "unnamed". Also the names less likely than
    // min_player_probability, counted.
    std::vector<int> unsure;  // players named below min_player_probability, ascending
    for (io::Category c : categories) {
      if (options.join_by_name) break;
      std::vector<const io::RosterEntry*> entries;
      for (const auto& e : match.roster) {
        if (e.category == c) entries.push_back(&e);
      }
      std::vector<int> ids;
      for (auto& [id, ts] : members) {
        if (tracks[ts.front()].category == c) ids.push_back(id);
      }
      // Whether entry e may be named for the identity: he plays in all of its frames.
      auto plays = [&](int id, size_t e) {
        int first = 1 << 30, last = 0;
        for (int t : members[id]) first = std::min(first, tracks[t].first_frame), last = std::max(last, tracks[t].last_frame);
        return plays_throughout(entries[e]->player_id, first, last);
      };
      // The pooled reading's weight: w, times cap / crops beyond the cap.
      auto pooled_weight = [&](const IdentityTrack& t) {
        const double cap = options.pooled_reading_max_crops;
        return options.pooled_reading_weight * (cap > 0 && t.pooled_crops > cap ? cap / t.pooled_crops : 1.0);
      };
      // The line-up's times (substitution_likelihood_ratio): log of the ratio for player 2
      // when the identity's last detection is within 5 m of a touchline (or beyond) and
      // within substitution_seconds of frame 150 (tolerance 0), for player 5 when its first is.
      auto substitution_log_ratio = [&](int id, size_t k) {
        if (!lineup) return 0.0;
        const IdentityTrack *first = &tracks[members[id].front()], *last = first;
        for (int t : members[id]) {
          if (tracks[t].first_frame < first->first_frame) first = &tracks[t];
          if (tracks[t].last_frame > last->last_frame) last = &tracks[t];
        }
        auto near_line = [&](const Eigen::Vector2d& p) { return p.y() <= 5 || p.y() >= match.pitch.width_m - 5; };
        const double window = options.substitution_seconds * kFps;
        const bool off = entries[k]->player_id == 2 && near_line(last->last_position_m) &&
                         std::abs(last->last_frame - 150) <= window;
        const bool on = entries[k]->player_id == 5 && near_line(first->first_position_m) &&
                        std::abs(first->first_frame - 150) <= window;
        return off || on ? std::log(options.substitution_likelihood_ratio) : 0.0;
      };
      // -log P(entry | identity) among the entries who play, written out independently of
      // identity.cc.
      auto cost = [&](int id, int e) {
        std::vector<double> log_p(entries.size(), 0.0);
        for (size_t k = 0; k < entries.size(); ++k) {
          log_p[k] += substitution_log_ratio(id, k);
          for (int t : members[id]) {
            const auto& q = tracks[t].jersey;
            log_p[k] += entries[k]->jersey ? std::log(std::max(1e-30, q[*entries[k]->jersey] + q[100] / 100.0)) +
                                                 pooled_weight(tracks[t]) * tracks[t].pooled_reading[*entries[k]->jersey]
                                           : std::log(0.01);
          }
        }
        double z = 0;
        for (size_t k = 0; k < entries.size(); ++k) z += plays(id, k) ? std::exp(log_p[k]) : 0.0;
        return -(log_p[e] - std::log(z));
      };
      // May the identity be named at all? Its readings must leave the roster's numbers at
      // least min_roster_evidence of their share before reading (every entry numbered).
      auto nameable = [&](int id) {
        std::set<int> numbers;
        for (size_t e = 0; e < entries.size(); ++e) {
          if (!entries[e]->jersey) return true;
          if (plays(id, e)) numbers.insert(*entries[e]->jersey);
        }
        std::vector<double> log_q(100, 0.0);
        for (int t : members[id]) {
          for (int k = 0; k < 100; ++k) {
            log_q[k] += std::log(std::max(1e-30, tracks[t].jersey[k] + tracks[t].jersey[100] / 100.0)) +
                        pooled_weight(tracks[t]) * tracks[t].pooled_reading[k];
          }
        }
        const double top = *std::max_element(log_q.begin(), log_q.end());
        double all = 0, roster = 0;
        for (int k = 0; k < 100; ++k) {
          all += std::exp(log_q[k] - top);
          if (numbers.count(k)) roster += std::exp(log_q[k] - top);
        }
        return roster / all >= options.min_roster_evidence * numbers.size() / 100.0;
      };
      // Two assignments (3. in the header): first with "unnamed" at -log max(min_name,
      // min_player) probability, then, when min_name_probability is lower, the identities
      // left unnamed to the entries left free at -log min_name_probability. The optimum of
      // `rows` x `free` with that "unnamed" cost, by brute force:
      auto optimum = [&](const std::vector<int>& rows, const std::set<int>& free, double unnamed) {
        double best = 1e18;
        std::function<void(size_t, std::set<int>&, double)> search = [&](size_t i, std::set<int>& used, double sum) {
          if (i == rows.size()) {
            best = std::min(best, sum);
            return;
          }
          search(i + 1, used, sum + unnamed);
          if (!nameable(rows[i])) return;
          for (int e : free) {
            if (used.count(e) || !plays(rows[i], e)) continue;
            used.insert(e);
            search(i + 1, used, sum + cost(rows[i], e));
            used.erase(e);
          }
        };
        std::set<int> used;
        search(0, used, 0.0);
        return best;
      };
      const double first_unnamed = -std::log(std::max(options.min_name_probability, options.min_player_probability));
      const double second_unnamed = -std::log(options.min_name_probability);
      // The names made, split by the first assignment's threshold (a name at it could be
      // either's; it costs the first the same as none).
      std::set<int> all_entries, free_after_first;
      for (int e = 0; e < static_cast<int>(entries.size()); ++e) all_entries.insert(e), free_after_first.insert(e);
      std::vector<int> left;  // ids not named in the first
      double first_got = 0, second_got = 0;
      for (int id : ids) {
        const auto player = r.player_id[members[id].front()];
        const int e = !player ? -1
                              : static_cast<int>(std::find_if(entries.begin(), entries.end(),
                                                              [&](const io::RosterEntry* x) { return x->player_id == *player; }) -
                                                 entries.begin());
        if (e >= 0 && cost(id, e) > -std::log(options.min_player_probability) + 1e-9) unsure.push_back(*player);
        if (e >= 0 && cost(id, e) <= first_unnamed + 1e-9) {
          first_got += cost(id, e);
          free_after_first.erase(e);
          continue;
        }
        first_got += first_unnamed;
        left.push_back(id);
        second_got += e >= 0 ? cost(id, e) : second_unnamed;
      }
      EXPECT_NEAR(first_got, optimum(ids, all_entries, first_unnamed), 1e-6) << "trial " << trial;
      if (second_unnamed > first_unnamed) {
        EXPECT_NEAR(second_got, optimum(left, free_after_first, second_unnamed), 1e-6) << "trial " << trial;
      } else {
        EXPECT_NEAR(second_got, first_unnamed * left.size(), 1e-6) << "trial " << trial;  // one assignment: none left named
      }
    }
    if (!options.join_by_name) {
      std::sort(unsure.begin(), unsure.end());
      EXPECT_EQ(r.guessed_player_ids, unsure) << "trial " << trial;
    }
    unsure_names += static_cast<int64_t>(r.guessed_player_ids.size());
    evictions += r.tracks_evicted_by_name;
  }
  EXPECT_GT(evictions, 0);  // the constraints above held after evictions too (5. in the header)
  EXPECT_GT(unsure_names, 0);
}

// A crop's pooled reading, written out: P(shown) x log((1e-3 + P(n)) / (1e-3 + 1/100)),
// nothing from a crop below the shown threshold.
TEST(Identity, PooledReadingOfACrop) {
  std::array<float, io::kNumJerseys> p{};
  p[7] = 0.6f, p[17] = 0.3f, p[70] = 0.1f;
  std::array<double, io::kNumJerseys> sum{};
  EXPECT_EQ(AddPooledReading(0.29, p, &sum), 0.0);
  for (double v : sum) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(AddPooledReading(0.5, p, &sum), 0.5);
  EXPECT_EQ(AddPooledReading(1.0, p, &sum), 1.0);
  EXPECT_NEAR(sum[7], 1.5 * std::log(0.601 / 0.011), 1e-6);
  EXPECT_NEAR(sum[17], 1.5 * std::log(0.301 / 0.011), 1e-6);
  EXPECT_NEAR(sum[42], 1.5 * std::log(0.001 / 0.011), 1e-6);
}

// Tracks whose JN reading is "unknown" (numbers only ever partly shown) are named by
// their pooled readings when those weigh in, with P(entry) the softmax of the weighed
// readings among the team's playing numbers (written out), and by nothing when off.
TEST(Identity, PooledReadingsNameTracksTheJnClassifierCannotRead) {
  // Two team-A players on the pitch at once (never one identity); team A wears 10, 7, 8.
  std::vector<IdentityTrack> tracks = {Track(1, 1, 100, {10, 10}, {12, 10}), Track(2, 1, 100, {40, 10}, {42, 10})};
  tracks[0].pooled_reading[8] = 30, tracks[0].pooled_reading[7] = 10;  // favours 8
  tracks[1].pooled_reading[7] = 25, tracks[1].pooled_reading[8] = 24.5f;  // barely 7
  IdentityOptions options;
  const IdentityResult off = ResolveIdentities(tracks, Match(), Constant(0.9f), options);
  EXPECT_FALSE(off.player_id[0]);
  EXPECT_FALSE(off.player_id[1]);
  // P(8 | track 1) = e^(w 30) / (e^(w 30) + e^(w 10) + e^0) at weight w; >= 0.5 from w ~ 0.028.
  auto p_of = [](double w, double mine, double a, double b) { return std::exp(w * mine) / (std::exp(w * mine) + std::exp(w * a) + std::exp(w * b)); };
  options.pooled_reading_weight = 0.02;
  ASSERT_LT(p_of(0.02, 30, 10, 0), 0.5);
  const IdentityResult weak = ResolveIdentities(tracks, Match(), Constant(0.9f), options);
  EXPECT_FALSE(weak.player_id[0]);
  options.pooled_reading_weight = 0.1;
  ASSERT_GT(p_of(0.1, 30, 10, 0), 0.5);
  const IdentityResult on = ResolveIdentities(tracks, Match(), Constant(0.9f), options);
  EXPECT_EQ(on.player_id[0], 3);  // #8
  // Track 2 alone is 7 or 8 by a hair (P(7) < 0.5): the assignment gives it 7, since 8 went
  // to the surer track 1, when P(7) passes the threshold: here it does not.
  ASSERT_LT(p_of(0.1, 25, 24.5, 0), 0.5);
  EXPECT_FALSE(on.player_id[1]);
  options.pooled_reading_weight = 1.0;
  const IdentityResult strong = ResolveIdentities(tracks, Match(), Constant(0.9f), options);
  EXPECT_EQ(strong.player_id[0], 3);
  ASSERT_GT(p_of(1.0, 25, 24.5, 0), 0.5);
  EXPECT_EQ(strong.player_id[1], 2);  // #7: P(7) = 0.62, and 8 is taken
  // Capped at 10 crops of the 100 each pooled: a tenth of the readings, so P(8 | track 1)
  // is 0.84 and P(7 | track 2) 0.49 (written out): track 1 named, track 2 not.
  tracks[0].pooled_crops = tracks[1].pooled_crops = 100;
  options.pooled_reading_max_crops = 10;
  ASSERT_GT(p_of(0.1, 30, 10, 0), 0.5);
  ASSERT_LT(p_of(0.1, 25, 24.5, 0), 0.5);
  const IdentityResult capped = ResolveIdentities(tracks, Match(), Constant(0.9f), options);
  EXPECT_EQ(capped.player_id[0], 3);
  EXPECT_FALSE(capped.player_id[1]);
  // No more crops than the cap: uncapped.
  tracks[0].pooled_crops = tracks[1].pooled_crops = 9;
  EXPECT_EQ(ResolveIdentities(tracks, Match(), Constant(0.9f), options).player_id[1], 2);
  tracks[0].pooled_crops = -1;
  EXPECT_THROW(ResolveIdentities(tracks, Match(), Constant(0.9f), options), Error);
  tracks[0].pooled_crops = 9;
  for (double bad : {-0.1, 101.0, std::nan("")}) {
    options.pooled_reading_weight = bad;
    EXPECT_THROW(options.Check(), Error) << bad;
  }
  options.pooled_reading_weight = 1;
  for (double bad : {-1.0, 2e6, std::nan("")}) {
    options.pooled_reading_max_crops = bad;
    EXPECT_THROW(options.Check(), Error) << bad;
  }
  // Non-finite pooled readings are bad input.
  tracks[1].pooled_reading[3] = std::nanf("");
  EXPECT_THROW(ResolveIdentities(tracks, Match(), Constant(0.9f), options), Error);
}

// The line-up of match.yaml: a player is named only for frames he plays. #7 goes off at
// frame 150 for #42, who was on the bench until then.
TEST(Identity, OnlyPlayersOnThePitchAreNamed) {
  const io::MatchInfo match = MatchWithSubstitution();
  std::vector<IdentityTrack> tracks = {
      Track(1, 1, 100, {10, 10}, {12, 10}),    // reads 42 before he comes on
      Track(2, 160, 300, {50, 10}, {52, 10}),  // reads 42 after
      Track(3, 200, 300, {30, 30}, {31, 30}),  // reads 7 after #7 went off
      Track(4, 140, 160, {70, 30}, {71, 30}),  // reads 42 across the change
  };
  for (IdentityTrack& t : tracks) t.jersey = Reads(t.track_id == 3 ? 7 : 42, 0.95f);
  const IdentityResult r = ResolveIdentities(tracks, match, Constant(0.0f));
  EXPECT_FALSE(r.player_id[0]);
  EXPECT_EQ(r.player_id[1], 5);
  EXPECT_EQ(r.jersey[1], 42);
  EXPECT_FALSE(r.player_id[2]);
  EXPECT_NE(r.player_id[3], 5);  // neither #42 nor #7 plays all of 140..160
  EXPECT_NE(r.player_id[3], 2);
  // The bench shares no probability: a reading split between #10 and bench #42 before the
  // change names #10 (0.45 of 0.45 + the unknown's share), not nobody.
  std::vector<IdentityTrack> split = {Track(1, 1, 100, {10, 10}, {12, 10})};
  split[0].jersey[10] = 0.45f, split[0].jersey[42] = 0.45f, split[0].jersey[io::kNumJerseys] = 0.1f;
  EXPECT_EQ(ResolveIdentities(split, match, Constant(0.0f)).player_id[0], 1);
  // Motion and appearance cannot join a goalkeeper going off and the one coming on, when no
  // goalkeeper plays throughout both: each is named, as the only goalkeeper of his frames.
  io::MatchInfo keepers = match;
  keepers.roster.push_back({6, io::Category::kGoalkeeperA, 13, "ga13", std::nullopt, /*starts=*/false});
  keepers.substitutions.push_back({200, 4, 6});
  std::vector<IdentityTrack> change = {Track(1, 1, 199, {5, 30}, {52, 1}, io::Category::kGoalkeeperA),
                                       Track(2, 202, 300, {52, 1}, {5, 30}, io::Category::kGoalkeeperA)};
  const IdentityResult c = ResolveIdentities(change, keepers, Constant(0.99f));
  EXPECT_EQ(c.identities, 2);
  EXPECT_EQ(c.player_id[0], 4);
  EXPECT_EQ(c.player_id[1], 6);
  EXPECT_EQ(ResolveIdentities(change, Match(), Constant(0.99f)).identities, 1);  // one goalkeeper throughout
  io::MatchInfo everyone = match;  // without the line-up #42 may play: 0.45 / 0.9 < 0.5
  everyone.substitutions.clear();
  everyone.roster.back().starts = true;
  EXPECT_FALSE(ResolveIdentities(split, everyone, Constant(0.0f)).player_id[0]);
}

// An outfield player going off and his substitute coming on where he left: motion and
// appearance would join them, and team-mates play throughout both; the number read on the
// first keeps them apart (he would no longer be nameable), and each is named.
TEST(Identity, APlayerGoingOffIsNotJoinedToHisSubstitute) {
  const io::MatchInfo match = MatchWithSubstitution();  // #7 (player 2) off at 150, #42 (5) on
  std::vector<IdentityTrack> tracks = {Track(1, 1, 149, {10, 10}, {52, 67}), Track(2, 152, 400, {52, 67}, {30, 20})};
  tracks[0].jersey = Reads(7, 0.9f);
  tracks[1].jersey = Reads(42, 0.3f);  // a weak reading: not sure enough to veto the merge
  const IdentityResult r = ResolveIdentities(tracks, match, Constant(0.99f));
  EXPECT_EQ(r.identities, 2);
  EXPECT_EQ(r.player_id[0], 2);
  EXPECT_EQ(r.player_id[1], 5);
  // Without the substitution #7 plays throughout: one identity, named after him.
  io::MatchInfo everyone = Match();
  const IdentityResult one = ResolveIdentities(tracks, everyone, Constant(0.99f));
  EXPECT_EQ(one.identities, 1);
  EXPECT_EQ(one.player_id[1], 2);
  // Nothing read on the first: the merge goes ahead (nobody to lose), named by the second's reading.
  tracks[0].jersey = Unknown();
  EXPECT_EQ(ResolveIdentities(tracks, match, Constant(0.99f)).identities, 1);
}

// Pieces the affinity left apart are joined by their name when their paths join: a number
// read in both, a team's only goalkeeper; not when they overlap or one is too far to reach.
// A track that starts on a player shortly before his track ends (the detector's second peak
// on him) hands over: it may join his identity, named after him. Not when the overlap is
// longer than max_handover_seconds, when it ends first, or with hand-overs off.
TEST(Identity, AHandOverJoinsItsPlayer) {
  std::vector<IdentityTrack> tracks = {Track(1, 1, 100, {10, 10}, {20, 10}), Track(2, 95, 300, {19.5, 10}, {40, 10})};
  tracks[0].jersey = Reads(7, 0.9f);
  tracks[1].jersey = Reads(7, 0.5f);
  EXPECT_TRUE(Reachable(tracks[0], tracks[1], kFps, {}));  // 6 frames
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(0.0f));
  EXPECT_EQ(r.identities, 1);
  EXPECT_EQ(r.joined_by_name, 1);
  EXPECT_EQ(r.player_id[0], 2);
  EXPECT_EQ(r.player_id[1], 2);
  IdentityOptions off;
  off.max_handover_seconds = 0;
  EXPECT_FALSE(Reachable(tracks[0], tracks[1], kFps, off));
  off.evict_by_name = false;
  const IdentityResult apart = ResolveIdentities(tracks, Match(), Constant(0.0f), off);
  EXPECT_EQ(apart.identities, 2);
  EXPECT_FALSE(apart.player_id[1]);  // #7 went to the surer reading
  // Evicting by name: track 2 reads #7 almost as surely (3.9 nats against 4.5, within
  // 0.7) with more detections, so it takes the name from track 1.
  off.evict_by_name = true;
  const IdentityResult evicted = ResolveIdentities(tracks, Match(), Constant(0.0f), off);
  EXPECT_EQ(evicted.tracks_evicted_by_name, 1);
  EXPECT_FALSE(evicted.player_id[0]);
  EXPECT_EQ(evicted.player_id[1], 2);
  // 13 frames (over 0.5 s at 25 fps), 12 frames, or ending first.
  tracks[1].first_frame = 88;
  EXPECT_FALSE(Reachable(tracks[0], tracks[1], kFps, {}));
  tracks[1].first_frame = 89;
  EXPECT_TRUE(Reachable(tracks[0], tracks[1], kFps, {}));
  tracks[1].last_frame = 100;
  EXPECT_FALSE(Reachable(tracks[0], tracks[1], kFps, {}));
  // Too far for the overlap: 12 frames, 10 m/s x 0.48 s + 2 m = 6.8 m.
  tracks[1].last_frame = 300;
  tracks[1].first_position_m = {20 + 6.9, 10};
  EXPECT_FALSE(Reachable(tracks[0], tracks[1], kFps, {}));
  tracks[1].first_position_m = {20 + 6.7, 10};
  EXPECT_TRUE(Reachable(tracks[0], tracks[1], kFps, {}));
}

TEST(Identity, PiecesAreJoinedByTheirName) {
  std::vector<IdentityTrack> tracks = {
      Track(1, 1, 100, {10, 10}, {12, 10}), Track(2, 350, 400, {40, 30}, {42, 30}),  // both read 7, 10 s apart
      Track(3, 1, 100, {5, 30}, {5, 31}, io::Category::kGoalkeeperA),
      Track(4, 500, 600, {6, 30}, {5, 31}, io::Category::kGoalkeeperA),             // read nothing
      Track(5, 450, 500, {50, 30}, {52, 30}),                                        // reads 7 too
  };
  tracks[0].jersey = Reads(7, 0.9f);
  tracks[1].jersey = Reads(7, 0.6f);
  tracks[4].jersey = Reads(7, 0.7f);
  IdentityOptions options;
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(0.0f), options);
  EXPECT_EQ(r.links, 0);
  EXPECT_EQ(r.joined_by_name, 3);  // 5 and 2 into 1 (the surest reading), 4 into 3
  EXPECT_EQ(r.identities, 2);
  EXPECT_EQ(r.identity[0], r.identity[1]);
  EXPECT_EQ(r.identity[2], r.identity[3]);
  EXPECT_EQ(r.player_id[0], 2);
  EXPECT_EQ(r.player_id[1], 2);
  EXPECT_EQ(r.player_id[2], 4);
  EXPECT_EQ(r.player_id[3], 4);
  // Track 5 starts 2 s after 2 ends, 8 m away: the three form one valid path.
  EXPECT_EQ(r.identity[4], r.identity[0]);
  EXPECT_EQ(r.player_id[4], 2);
  // Naming down to 0.001 joins the same pieces: the names the joins go by come first
  // (min_player_probability), the guesses after.
  {
    IdentityOptions o = options;
    o.min_name_probability = 0.001;
    const IdentityResult g = ResolveIdentities(tracks, Match(), Constant(0.0f), o);
    EXPECT_EQ(g.joined_by_name, 3);
    EXPECT_EQ(g.identity, r.identity);
    EXPECT_EQ(g.player_id, r.player_id);
    EXPECT_TRUE(g.guessed_player_ids.empty());
  }
  // Off: the assignment's one identity per entry leaves the less sure pieces unnamed.
  options.join_by_name = false;
  const IdentityResult off = ResolveIdentities(tracks, Match(), Constant(0.0f), options);
  EXPECT_EQ(off.joined_by_name, 0);
  EXPECT_EQ(off.identities, 5);
  EXPECT_EQ(off.player_id[0], 2);
  EXPECT_FALSE(off.player_id[1]);
  EXPECT_FALSE(off.player_id[4]);
  EXPECT_EQ(off.player_id[2].has_value() + off.player_id[3].has_value(), 1);
  // Overlapping in time longer than a hand-over, or too far to reach: never one identity.
  options.join_by_name = true;
  std::vector<IdentityTrack> apart = {Track(1, 1, 100, {10, 10}, {12, 10}), Track(2, 80, 150, {12, 10}, {14, 10}),
                                      Track(3, 110, 150, {60, 10}, {61, 10})};
  for (IdentityTrack& t : apart) t.jersey = Reads(7, 0.9f);
  const IdentityResult a = ResolveIdentities(apart, Match(), Constant(0.0f), options);
  EXPECT_EQ(a.joined_by_name, 0);
  EXPECT_EQ(a.identities, 3);
  EXPECT_EQ(a.player_id[0].has_value() + a.player_id[1].has_value() + a.player_id[2].has_value(), 1);
}

TEST(Identity, AStrangerInThePlayersPathIsEvictedByHisOwnTrack) {
  // Track 1 reads 7; the affinity links it to track 2, another player's, who reads nothing.
  // Track 3 reads 7 too, but overlaps track 2 in time: it cannot join 1 + 2. Track 2, in
  // the way, is evicted, and track 3 joins track 1.
  std::vector<IdentityTrack> tracks = {Track(1, 1, 100, {10, 10}, {12, 10}), Track(2, 150, 210, {20, 15}, {31, 40}),
                                       Track(3, 120, 400, {15, 10}, {40, 12})};
  tracks[0].jersey = Reads(7, 0.9f);
  tracks[2].jersey = Reads(7, 0.8f);
  const PairAffinity affinity = [](const std::vector<std::pair<int, int>>& pairs) {
    std::vector<float> p;
    for (const auto& [a, b] : pairs) p.push_back(a == 0 && b == 1 ? 0.9f : 0.1f);
    return p;
  };
  IdentityOptions options;
  IdentityResult r = ResolveIdentities(tracks, Match(), affinity, options);
  EXPECT_EQ(r.links, 1);
  EXPECT_EQ(r.joined_by_name, 1);
  EXPECT_EQ(r.tracks_evicted_by_name, 1);
  EXPECT_EQ(r.identity[0], r.identity[2]);
  EXPECT_NE(r.identity[0], r.identity[1]);
  EXPECT_EQ(r.player_id[0], 2);
  EXPECT_EQ(r.player_id[2], 2);
  EXPECT_EQ(r.jersey[2], 7);
  EXPECT_FALSE(r.player_id[1]);
  // Naming down to 0.001 evicts the same way, then names the evicted track after an entry
  // still free (#10 or #8, 1/3 each: a best guess).
  {
    IdentityOptions o = options;
    o.min_name_probability = 0.001;
    const IdentityResult g = ResolveIdentities(tracks, Match(), affinity, o);
    EXPECT_EQ(g.joined_by_name, 1);
    EXPECT_EQ(g.tracks_evicted_by_name, 1);
    EXPECT_EQ(g.identity[0], g.identity[2]);
    EXPECT_EQ(g.player_id[0], 2);
    ASSERT_TRUE(g.player_id[1]);
    EXPECT_TRUE(*g.player_id[1] == 1 || *g.player_id[1] == 3);
    EXPECT_EQ(g.guessed_player_ids, std::vector<int>({*g.player_id[1]}));
  }
  // A track of the player's that hands over to track 3 (6 frames, 0.5 m) is not in the way:
  // only track 2 leaves.
  std::vector<IdentityTrack> hand_over = tracks;
  hand_over[2].first_frame = 95;
  hand_over[2].first_position_m = {12.5, 10};
  hand_over[2].detections = 306;
  const IdentityResult h = ResolveIdentities(hand_over, Match(), affinity, options);
  EXPECT_EQ(h.tracks_evicted_by_name, 1);
  EXPECT_EQ(h.identity[0], h.identity[2]);
  EXPECT_EQ(h.player_id[0], 2);
  EXPECT_EQ(h.player_id[2], 2);
  EXPECT_FALSE(h.player_id[1]);
  // Each condition, failing alone, keeps the assignment's names: track 3 stays unnamed.
  auto kept_unnamed = [&](std::vector<IdentityTrack> changed, const IdentityOptions& o) {
    const IdentityResult k = ResolveIdentities(changed, Match(), affinity, o);
    EXPECT_EQ(k.tracks_evicted_by_name, 0);
    EXPECT_EQ(k.identity[0], k.identity[1]);
    EXPECT_EQ(k.player_id[1], 2);
    EXPECT_FALSE(k.player_id[2]);
  };
  IdentityOptions off = options;
  off.evict_by_name = false;
  kept_unnamed(tracks, off);
  // The track in the way reads 7 surer than track 3 does, beyond the tolerance: 4.55 nats
  // against 3.42 (0.95 and 0.3 read), and within it (0.95 and 0.6 read: 4.10).
  std::vector<IdentityTrack> surer = tracks;
  surer[1].jersey = Reads(7, 0.95f);
  surer[2].jersey = Reads(7, 0.3f);
  kept_unnamed(surer, options);
  surer[2].jersey = Reads(7, 0.6f);
  EXPECT_EQ(ResolveIdentities(surer, Match(), affinity, options).tracks_evicted_by_name, 1);
  IdentityOptions strict = options;
  strict.evict_reading_tolerance_nats = 0.4;
  kept_unnamed(surer, strict);
  std::vector<IdentityTrack> larger = tracks;  // more detections than track 3
  larger[1].detections = tracks[2].detections + 1;
  kept_unnamed(larger, options);
  std::vector<IdentityTrack> too_far = tracks;  // track 3 starts out of track 1's reach
  too_far[2].first_position_m = {60, 10};
  kept_unnamed(too_far, options);
}

TEST(Identity, RejectsBadTracksAndAffinities) {
  std::vector<IdentityTrack> tracks = {Track(1, 1, 10, {0, 0}, {1, 0}), Track(2, 20, 30, {2, 0}, {3, 0})};
  EXPECT_THROW(ResolveIdentities(tracks, Match(), [](const auto& pairs) { return std::vector<float>(pairs.size() + 1, 0.5f); }),
               Error);
  EXPECT_THROW(ResolveIdentities(tracks, Match(), Constant(1.5f)), Error);
  tracks[1].last_frame = 5;
  EXPECT_THROW(ResolveIdentities(tracks, Match(), Constant(0.5f)), Error);
  tracks[1].last_frame = 30;
  tracks[1].jersey[3] = -1;
  EXPECT_THROW(ResolveIdentities(tracks, Match(), Constant(0.5f)), Error);
  IdentityOptions bad;
  bad.min_link_probability = 1;
  tracks[1].jersey = Unknown();
  EXPECT_THROW(ResolveIdentities(tracks, Match(), Constant(0.5f), bad), Error);
}

TEST(Identity, PairFeaturesByName) {
  IdentityTrack a = Track(1, 1, 50, {10, 10}, {12, 10}), b = Track(2, 76, 100, {15, 14}, {16, 14});
  a.embedding = {1, 0};
  b.embedding = {0.6f, 0.8f};
  a.crop_jersey[7] = 0.8f;
  a.crop_jersey[3] = 0.2f;
  b.crop_jersey[7] = 0.5f;
  b.crop_jersey[9] = 0.5f;
  a.legible = 0.3f;
  b.legible = 0.1f;
  a.jersey = Reads(42, 0.99f);  // naming evidence: not a feature
  const auto f = PairFeatures(a, b, kFps);
  std::map<std::string, float> v;
  for (int k = 0; k < kPairFeatureCount; ++k) v[PairFeatureNames()[k]] = f[k];
  ASSERT_EQ(v.size(), size_t(kPairFeatureCount));
  EXPECT_FLOAT_EQ(v["gap_s"], 1.04f);  // frames 50 -> 76 at 25 fps
  EXPECT_FLOAT_EQ(v["log_gap_s"], std::log1p(1.04f));
  EXPECT_FLOAT_EQ(v["distance_m"], 5.0f);  // (12, 10) -> (15, 14)
  EXPECT_FLOAT_EQ(v["speed_mps"], 5.0f / 1.04f);
  EXPECT_NEAR(v["embedding_distance"], 0.4f, 1e-6);
  EXPECT_NEAR(v["jersey_agreement"], 0.4f, 1e-6);  // 0.8 x 0.5
  EXPECT_FLOAT_EQ(v["jersey_weight"], 0.1f);
  EXPECT_FLOAT_EQ(v["log_detections_a"], std::log(50.0f));
  EXPECT_FLOAT_EQ(v["log_detections_b"], std::log(25.0f));
  // Candidate pairs: the same category, reachable, in order.
  const auto pairs = CandidatePairs({a, b, Track(3, 60, 70, {12, 11}, {12, 12}, io::Category::kTeamB)}, kFps, {});
  EXPECT_EQ(pairs, (std::vector<std::pair<int, int>>{{0, 1}}));
}

TEST(Identity, SureDifferentNumbersAreNeverJoined) {
  std::vector<IdentityTrack> tracks = {Track(1, 1, 50, {10, 10}, {12, 10}), Track(2, 60, 100, {13, 10}, {15, 12}),
                                       Track(3, 110, 150, {16, 12}, {18, 12})};
  tracks[0].jersey = Reads(7, 0.95f);
  tracks[2].jersey = Reads(8, 0.95f);
  // 1 -> 2 links first (0.9), then 2 -> 3 (0.8) would join a sure 7 with a sure 8.
  const PairAffinity affinity = [](const std::vector<std::pair<int, int>>& pairs) {
    std::vector<float> p;
    for (const auto& [a, b] : pairs) p.push_back(a == 0 && b == 1 ? 0.9f : 0.8f);
    return p;
  };
  const IdentityResult r = ResolveIdentities(tracks, Match(), affinity);
  EXPECT_EQ(r.identity[0], r.identity[1]);
  EXPECT_NE(r.identity[1], r.identity[2]);
  EXPECT_EQ(r.player_id[1], 2);  // team A's 7
  EXPECT_EQ(r.player_id[2], 3);  // team A's 8
  IdentityOptions no_veto;
  no_veto.jersey_veto_probability = 1.0;
  no_veto.roster_veto_probability = 1.0;  // the roster would name them apart too
  EXPECT_EQ(ResolveIdentities(tracks, Match(), affinity, no_veto).identities, 1);
}

// Two identities each of which the roster would name after another player stay apart,
// though neither reading is sure among all 100 numbers (0.31 each, the jersey veto needs
// 0.9): among team A's 10, 7 and 8 they are 0.96 likely. Weak readings still join.
TEST(Identity, IdentitiesTheRosterWouldNameApartAreNeverJoined) {
  std::vector<IdentityTrack> tracks = {Track(1, 1, 50, {10, 10}, {12, 10}), Track(2, 60, 100, {13, 10}, {15, 12})};
  tracks[0].jersey = Reads(7, 0.3f);
  tracks[1].jersey = Reads(8, 0.3f);
  IdentityOptions veto;
  veto.roster_veto_probability = 0.7;
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(0.9f), veto);
  EXPECT_EQ(r.identities, 2);
  EXPECT_EQ(r.player_id[0], 2);  // team A's 7
  EXPECT_EQ(r.player_id[1], 3);  // team A's 8
  IdentityOptions off = veto;
  off.roster_veto_probability = 1.0;
  EXPECT_EQ(ResolveIdentities(tracks, Match(), Constant(0.9f), off).identities, 1);
  // P(7 | 10, 7, 8) = (0.02 + 0.0098) / (0.02 + 3 x 0.0098) = 0.60 < 0.7: joined.
  tracks[0].jersey = Reads(7, 0.02f);
  EXPECT_EQ(ResolveIdentities(tracks, Match(), Constant(0.9f), veto).identities, 1);
  veto.roster_veto_probability = 0.6;
  EXPECT_EQ(ResolveIdentities(tracks, Match(), Constant(0.9f), veto).identities, 2);
  veto.roster_veto_probability = 0;
  EXPECT_THROW(veto.Check(), Error);
  // 1 is off, even for readings so sure that P(7 | roster) rounds to exactly 1.
  tracks[0].jersey = Reads(7, 1.0f);
  tracks[1].jersey = Reads(8, 1.0f);
  off.jersey_veto_probability = 1.0;
  EXPECT_EQ(ResolveIdentities(tracks, Match(), Constant(0.9f), off).identities, 1);
}

// A reader sure of a number the team does not wear names no teammate, however the roster
// renormalises; an unread identity (the only goalkeeper) is still named.
TEST(Identity, ReadingsAgainstTheRosterNameNobody) {
  std::vector<IdentityTrack> tracks = {Track(1, 1, 50, {10, 10}, {12, 10}),
                                       Track(2, 1, 50, {5, 30}, {5, 31}, io::Category::kGoalkeeperA)};
  tracks[0].jersey.fill(0.f);
  tracks[0].jersey[42] = 0.99f;  // team A wears 10, 7 and 8
  tracks[0].jersey[10] = 0.004f;  // the roster numbers: 0.004 after reading, 0.03 before
  tracks[0].jersey[io::kNumJerseys] = 0.006f;
  IdentityOptions guarded;
  guarded.min_roster_evidence = 0.25;
  const IdentityResult r = ResolveIdentities(tracks, Match(), Constant(0.f), guarded);
  EXPECT_FALSE(r.player_id[0]);
  EXPECT_EQ(r.player_id[1], 4);
  // Off (the default): the roster renormalises the readings and 10 is named.
  EXPECT_EQ(ResolveIdentities(tracks, Match(), Constant(0.f)).player_id[0], 1);
}

// After a long absence anyone can be anywhere: the candidates of a track are the most alike
// reachable ones, not the earliest, so a player returning after 40 others is still one.
TEST(Identity, ReturningPlayersAreCandidatesAfterLongGaps) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0, 1);
  auto unit = [&] {
    std::vector<float> v(8);
    float norm = 0;
    for (float& x : v) {
      x = n(rng);
      norm += x * x;
    }
    for (float& x : v) x /= std::sqrt(norm);
    return v;
  };
  std::vector<IdentityTrack> tracks = {Track(0, 1, 50, {10, 10}, {12, 10})};
  tracks[0].embedding = unit();
  for (int k = 1; k <= 40; ++k) {
    tracks.push_back(Track(k, 60 + 10 * k, 80 + 10 * k, {50, 30}, {51, 30}));
    tracks.back().embedding = unit();
  }
  tracks.push_back(Track(41, 2000, 2100, {90, 60}, {91, 60}));  // 78 s later, far away, the same look
  tracks.back().embedding = tracks[0].embedding;
  const auto pairs = CandidatePairs(tracks, kFps, {});
  int from_first = 0;
  bool returning = false;
  for (const auto& [a, b] : pairs) {
    if (a != 0) continue;
    ++from_first;
    returning |= b == 41;
  }
  EXPECT_EQ(from_first, IdentityOptions{}.max_candidates);
  EXPECT_TRUE(returning);
}

}  // namespace
}  // namespace ipt::tracking
