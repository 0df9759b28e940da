// The identity ceiling: hand-made cases, and on random small matches the formula (1/k of an
// interchangeable group's rows) against every assignment of roster entries to people that
// the evidence allows, enumerated.
#include "ipt/eval/identity_ceiling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "ipt/util/random.h"

namespace ipt::eval {
namespace {

io::RosterEntry Entry(int id, io::Category category, std::optional<int> jersey, bool starts = true) {
  io::RosterEntry e;
  e.player_id = id;
  e.category = category;
  e.jersey = jersey;
  e.starts = starts;
  return e;
}

// `rows` annotations of person `id` in frames first, first + 1, ..., the first of them at
// `legibility` (the rest none).
void AddRows(const io::RosterEntry& e, int first, int rows, io::Legibility legibility,
             std::vector<io::Annotation>* gt) {
  for (int i = 0; i < rows; ++i) {
    io::Annotation a;
    a.frame = first + i;
    a.person_id = e.player_id;
    a.category = e.category;
    a.jersey = e.jersey;
    a.legibility = i == 0 ? legibility : io::Legibility::kNone;
    gt->push_back(a);
  }
}

TEST(IdentityCeiling, TeamMatesWhoNeverShowTheirNumbersAreInterchangeable) {
  io::MatchInfo match;
  match.frame_count = 400;
  match.roster = {Entry(1, io::Category::kGoalkeeperA, 1), Entry(2, io::Category::kTeamA, 7),
                  Entry(3, io::Category::kTeamA, 8), Entry(4, io::Category::kTeamA, 9),
                  Entry(5, io::Category::kReferee, std::nullopt), Entry(6, io::Category::kTeamB, 7)};
  std::vector<io::Annotation> gt;
  AddRows(match.roster[0], 1, 80, io::Legibility::kNone, &gt);     // goalkeeper: by category
  AddRows(match.roster[1], 1, 50, io::Legibility::kLegible, &gt);  // shown
  AddRows(match.roster[2], 1, 100, io::Legibility::kNone, &gt);    // never shown
  AddRows(match.roster[3], 1, 300, io::Legibility::kNone, &gt);    // never shown
  AddRows(match.roster[4], 1, 20, io::Legibility::kNone, &gt);     // referee
  AddRows(match.roster[5], 1, 40, io::Legibility::kNone, &gt);     // alone in team B: elimination
  std::optional<IdentityCeiling> c = ComputeIdentityCeiling(match, gt);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rows, 590);
  EXPECT_DOUBLE_EQ(c->nameable_rows, 80 + 50 + (100 + 300) / 2.0 + 20 + 40);
  EXPECT_EQ(c->interchangeable, (std::vector<std::vector<int>>{{3, 4}}));
  EXPECT_DOUBLE_EQ(c->ceiling(), 390.0 / 590.0);

  // A partial number counts as shown; asked for legible numbers, it does not.
  gt[80 + 50].legibility = io::Legibility::kPartial;  // person 3's first row
  c = ComputeIdentityCeiling(match, gt);
  EXPECT_DOUBLE_EQ(c->nameable_rows, 590);  // 4 is then alone: elimination
  EXPECT_TRUE(c->interchangeable.empty());
  c = ComputeIdentityCeiling(match, gt, io::Legibility::kLegible);
  EXPECT_DOUBLE_EQ(c->nameable_rows, 390);

  // Without legibility labels the ceiling says nothing.
  for (io::Annotation& a : gt) a.legibility = io::Legibility::kNone;
  EXPECT_FALSE(ComputeIdentityCeiling(match, gt));
}

TEST(IdentityCeiling, APlayerSubstitutedIsToldFromTheOneWhoPlaysThroughout) {
  io::MatchInfo match;
  match.frame_count = 1000;
  match.fps = 25;
  match.substitution_tolerance_seconds = 0;
  match.roster = {Entry(2, io::Category::kTeamA, 7), Entry(3, io::Category::kTeamA, 8),
                  Entry(4, io::Category::kTeamA, 9, /*starts=*/false), Entry(5, io::Category::kTeamA, 10),
                  Entry(6, io::Category::kTeamA, 11, /*starts=*/false)};
  match.substitutions = {{500, 3, 4}, {500, 5, 6}};
  std::vector<io::Annotation> gt;
  AddRows(match.roster[0], 1, 100, io::Legibility::kLegible, &gt);  // labels the match
  AddRows(match.roster[1], 1, 100, io::Legibility::kNone, &gt);     // 1-499, never shown
  AddRows(match.roster[2], 600, 100, io::Legibility::kNone, &gt);   // 500-1000, never shown
  std::optional<IdentityCeiling> c = ComputeIdentityCeiling(match, gt);
  ASSERT_TRUE(c);
  EXPECT_DOUBLE_EQ(c->ceiling(), 1.0);  // each alone over his frames
  // Two going off at the same frame, neither shown: interchangeable.
  AddRows(match.roster[3], 1, 60, io::Legibility::kNone, &gt);
  c = ComputeIdentityCeiling(match, gt);
  EXPECT_DOUBLE_EQ(c->nameable_rows, 100 + 100 + (100 + 60) / 2.0);
  EXPECT_EQ(c->interchangeable, (std::vector<std::vector<int>>{{3, 5}}));

  // A substitute coming on at frame 10, within the tolerance of the first frame: his playing
  // frames (widened by 1 s) are a starter's, 1-1000, but he is not interchangeable with one.
  io::MatchInfo early = match;
  early.substitution_tolerance_seconds = 1;
  early.substitutions = {{10, 3, 4}};
  ASSERT_EQ(early.PlayingFrames(early.roster[2])->first_frame, 1);
  std::vector<io::Annotation> rows;
  AddRows(early.roster[0], 1, 100, io::Legibility::kLegible, &rows);
  AddRows(early.roster[2], 20, 100, io::Legibility::kNone, &rows);  // the substitute
  AddRows(early.roster[3], 1, 100, io::Legibility::kNone, &rows);   // a starter throughout
  EXPECT_DOUBLE_EQ(ComputeIdentityCeiling(early, rows)->ceiling(), 1.0);
  // Someone missing from the roster, never shown: no one can name him; counted as named.
  io::RosterEntry stranger = Entry(99, io::Category::kTeamA, 12);
  AddRows(stranger, 1, 50, io::Legibility::kNone, &rows);
  EXPECT_DOUBLE_EQ(ComputeIdentityCeiling(early, rows)->ceiling(), 1.0);
}

// The best expected naming by enumeration: every bijection of the present people to their
// roster entries that agrees with what a namer is told (category, when a person comes on and
// goes off, the number when it is ever shown) is equally likely; the best naming gives each
// person the entry he most often has over those worlds.
double BestExpectedRows(const io::MatchInfo& match, const std::map<int, int64_t>& rows, const std::set<int>& shown) {
  std::vector<int> people;
  for (const auto& [id, n] : rows) people.push_back(id);
  auto comes_and_goes = [&](int id) {
    std::vector<int> on_off = {match.FindPerson(id)->starts ? 1 : INT_MAX, INT_MAX};
    for (const io::Substitution& s : match.substitutions) {
      if (s.player_in == id) on_off[0] = std::min(on_off[0], s.frame);
      if (s.player_out == id) on_off[1] = std::min(on_off[1], s.frame);
    }
    return on_off;
  };
  auto agrees = [&](int person, int entry) {
    const io::RosterEntry& p = *match.FindPerson(person);
    const io::RosterEntry& e = *match.FindPerson(entry);
    if (p.category != e.category || comes_and_goes(person) != comes_and_goes(entry)) return false;
    return !shown.count(person) || p.jersey == e.jersey;
  };
  std::map<int, std::map<int, int64_t>> count;  // person -> entry -> worlds
  int64_t worlds = 0;
  std::vector<int> world(people.size());
  std::set<int> used;
  auto assign = [&](auto&& self, size_t i) -> void {
    if (i == people.size()) {
      ++worlds;
      for (size_t k = 0; k < people.size(); ++k) ++count[people[k]][world[k]];
      return;
    }
    for (int e : people) {  // the entries of the people present
      if (used.count(e) || !agrees(people[i], e)) continue;
      used.insert(e);
      world[i] = e;
      self(self, i + 1);
      used.erase(e);
    }
  };
  assign(assign, 0);
  double best = 0;
  for (int p : people) {
    int64_t most = 0;
    for (const auto& [e, n] : count[p]) most = std::max(most, n);
    best += static_cast<double>(rows.at(p)) * static_cast<double>(most) / static_cast<double>(worlds);
  }
  return best;
}

TEST(IdentityCeiling, EqualsTheBestNamingOverEveryAssignmentTheEvidenceAllows) {
  Rng rng(35);
  for (int trial = 0; trial < 200; ++trial) {
    io::MatchInfo match;
    match.frame_count = 300;
    match.fps = 25;
    match.substitution_tolerance_seconds = rng.Bernoulli(0.5) ? 0.0 : 1.0;
    std::vector<io::Annotation> gt;
    std::map<int, int64_t> rows;
    std::set<int> shown;
    int id = 1;
    for (io::Category team : {io::Category::kTeamA, io::Category::kTeamB}) {
      const int starters = rng.UniformInt(1, 5), bench = rng.UniformInt(0, 2);
      std::vector<int> on, off;
      for (int j = 0; j < starters + bench; ++j) {
        match.roster.push_back(Entry(id, team, j + 2, j < starters));
        (j < starters ? on : off).push_back(id++);
      }
      for (int b : off) {  // each bench player replaces a starter at frame 100 or 200
        if (rng.Bernoulli(0.3)) continue;  // stays on the bench
        const int out = on[rng.UniformInt(0, static_cast<int>(on.size()) - 1)];
        if (std::any_of(match.substitutions.begin(), match.substitutions.end(),
                        [&](const io::Substitution& s) { return s.player_out == out; }))
          continue;
        const int frames[3] = {10, 100, 200};  // 10: within the tolerance of the first frame
        match.substitutions.push_back({frames[rng.UniformInt(0, 2)], out, b});
      }
    }
    std::sort(match.substitutions.begin(), match.substitutions.end(),
              [](const io::Substitution& a, const io::Substitution& b) { return a.frame < b.frame; });
    match.roster.push_back(Entry(id, io::Category::kGoalkeeperA, 1));
    bool labelled = false;
    for (const io::RosterEntry& e : match.roster) {
      const auto span = match.PlayingFrames(e);
      if (!span || rng.Bernoulli(0.15)) continue;  // on the bench, or never in view
      const int n = rng.UniformInt(1, std::min(60, span->last_frame - span->first_frame + 1));
      const double draw = rng.Uniform();
      const io::Legibility level = draw < 0.6 ? io::Legibility::kNone
                                   : draw < 0.8 ? io::Legibility::kPartial
                                                : io::Legibility::kLegible;
      AddRows(e, span->first_frame, n, level, &gt);
      rows[e.player_id] = n;
      if (level != io::Legibility::kNone) shown.insert(e.player_id);
      labelled = labelled || level != io::Legibility::kNone;
    }
    const std::optional<IdentityCeiling> c = ComputeIdentityCeiling(match, gt);
    ASSERT_EQ(c.has_value(), labelled) << "trial " << trial;
    if (!c) continue;
    EXPECT_NEAR(c->nameable_rows, BestExpectedRows(match, rows, shown), 1e-9) << "trial " << trial;
    EXPECT_EQ(c->rows, static_cast<int64_t>(gt.size()));
  }
}

}  // namespace
}  // namespace ipt::eval
