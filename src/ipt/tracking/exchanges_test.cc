#include "ipt/tracking/exchanges.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <tuple>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// Candidates: numbers 7 and 8. A read sure of one: log(1 + 0.01) for it, log(0.01) for the
// other, as number_changes.h makes them.
NumberRead Read(int frame, int number, double sureness = 1.0) {
  const double yes = std::log(1.01), no = std::log(0.01);
  NumberRead r{frame, frame, {number == 7 ? yes : no, number == 8 ? yes : no}};
  for (double& v : r.log_likelihood) v *= sureness;
  return r;
}

// A track over frames [first, last] at position(frame), read every 25th frame as
// number(frame) (0: no read).
template <typename Position, typename Number>
ExchangeTrack Track(int64_t id, int first, int last, Position position, Number number, double sureness = 1.0) {
  ExchangeTrack t;
  t.id = id;
  for (int f = first; f <= last; ++f) {
    const auto [x, z] = position(f);
    t.frames.push_back(f);
    t.x_m.push_back(x);
    t.z_m.push_back(z);
    t.row_tags.push_back(id * 100000 + f);
    if (f % 25 == 0 && number(f) != 0) t.reads.push_back(Read(f, number(f), sureness));
  }
  return t;
}

// P runs along z = 10, Q along z = 10.5 the other way: they meet (0.5 m apart) at frame
// 100 only.
std::pair<double, double> P(int f) { return {0.2 * f, 10.0}; }
std::pair<double, double> Q(int f) { return {40.0 - 0.2 * f, 10.5}; }

// The exchange: track 1 follows P (number 7) to frame 99, then Q (8); track 2 the other way.
std::vector<ExchangeTrack> Crossing(double sureness = 1.0, int swap_at = 100, int swap_back = 1000) {
  auto one = [=](int f) { return f >= swap_at && f < swap_back ? Q(f) : P(f); };
  auto two = [=](int f) { return f >= swap_at && f < swap_back ? P(f) : Q(f); };
  auto number_one = [=](int f) { return f >= swap_at && f < swap_back ? 8 : 7; };
  auto number_two = [=](int f) { return f >= swap_at && f < swap_back ? 7 : 8; };
  return {Track(1, 1, 300, one, number_one, sureness), Track(2, 1, 300, two, number_two, sureness)};
}

// The row tags of a track whose position is P's (z = 10) and Q's.
std::pair<int, int> PeopleOf(const ExchangeTrack& t) {
  int p = 0, q = 0;
  for (double z : t.z_m) (z == 10.0 ? p : q) += 1;
  return {p, q};
}

TEST(Exchanges, ATrackerSwapAtACrossingIsUndone) {
  std::vector<ExchangeTrack> tracks = Crossing();
  const std::vector<Exchange> made = FindExchanges(tracks, {});
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].a, 1);
  EXPECT_EQ(made[0].b, 2);
  EXPECT_EQ(made[0].from_frame, 100);  // the nearest frame of the meeting: 0.5 m apart
  EXPECT_EQ(made[0].to_frame, kToTheEnd);
  // Each track read its majority number (Q's 9 reads from frame 100 on), its 3 reads
  // before the meeting against it; after, all 12 for it: 2 x 3 x log(1.01 / 0.01).
  EXPECT_NEAR(made[0].gain_nats, 2 * 3 * std::log(101.0), 1e-9);
  EXPECT_EQ(PeopleOf(tracks[0]), std::make_pair(300, 0));  // all P's
  EXPECT_EQ(PeopleOf(tracks[1]), std::make_pair(0, 300));
  for (const ExchangeTrack& t : tracks) {
    EXPECT_TRUE(std::is_sorted(t.frames.begin(), t.frames.end()));
    for (size_t k = 0; k < t.frames.size(); ++k) EXPECT_EQ(t.row_tags[k] % 100000, t.frames[k]);  // rows moved whole
    for (const NumberRead& r : t.reads) EXPECT_GT(r.log_likelihood[t.id == 1 ? 0 : 1], -0.1) << t.id;
  }
}

// Two tracks wearing different kits are not exchanged (after the kit cuts an exchange
// between them cannot undo a swap); the same kit, an unknown one, or the condition off: the
// swap is undone as above.
TEST(Exchanges, TracksOfDifferentKitsAreNotExchanged) {
  auto exchanges = [](std::optional<int> kit_one, std::optional<int> kit_two, bool same_kit_only) {
    std::vector<ExchangeTrack> tracks = Crossing();
    tracks[0].kit = kit_one;
    tracks[1].kit = kit_two;
    ExchangeOptions options;
    options.same_kit_only = same_kit_only;
    return FindExchanges(tracks, options).size();
  };
  EXPECT_EQ(exchanges(0, 1, true), 0u);
  EXPECT_EQ(exchanges(2, 0, true), 0u);
  EXPECT_EQ(exchanges(1, 1, true), 1u);
  EXPECT_EQ(exchanges(0, std::nullopt, true), 1u);
  EXPECT_EQ(exchanges(std::nullopt, std::nullopt, true), 1u);
  EXPECT_EQ(exchanges(0, 1, false), 1u);
}

TEST(Exchanges, ASwapBackAtTheNextMeetingExchangesTheMiddle) {
  // They meet at frame 100 (0.5 m apart), and again from frame 140 to 160 (0.3 m apart at
  // 150), where the tracker swaps them back.
  auto p = [](int f) { return f < 140 ? P(f) : f <= 160 ? std::make_pair(28.0, 10.0) : P(f - 20); };
  auto q = [](int f) { return f < 140 ? Q(f) : f <= 160 ? std::make_pair(28.0 + std::abs(f - 150) * 0.1, 10.3)
                                                        : Q(f - 20); };
  const int swap_at = 100, swap_back = 150;
  auto one = [&](int f) { return f >= swap_at && f < swap_back ? q(f) : p(f); };
  auto two = [&](int f) { return f >= swap_at && f < swap_back ? p(f) : q(f); };
  auto number_one = [&](int f) { return f >= swap_at && f < swap_back ? 8 : 7; };
  auto number_two = [&](int f) { return f >= swap_at && f < swap_back ? 7 : 8; };
  std::vector<ExchangeTrack> tracks = {Track(1, 1, 300, one, number_one), Track(2, 1, 300, two, number_two)};
  // With only the nearest meeting (150) considered, no exchange of its tail gains.
  ExchangeOptions nearest_only;
  nearest_only.max_meetings = 1;
  std::vector<ExchangeTrack> copy = tracks;
  EXPECT_TRUE(FindExchanges(copy, nearest_only).empty());
  const std::vector<Exchange> made = FindExchanges(tracks, {});
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].from_frame, 100);
  EXPECT_EQ(made[0].to_frame, 150);
  EXPECT_EQ(PeopleOf(tracks[0]).second, 0);
  EXPECT_EQ(PeopleOf(tracks[1]).first, 0);
}

TEST(Exchanges, NothingIsExchangedWithoutEvidenceOrAMeeting) {
  // The people's own tracks: no gain.
  std::vector<ExchangeTrack> tracks = Crossing(1.0, 100, 100);
  EXPECT_TRUE(FindExchanges(tracks, {}).empty());
  // Reads too unsure: at 0.3 of a sure read's weight the exchange gains 8.3 nats < 15.
  tracks = Crossing(0.3);
  EXPECT_TRUE(FindExchanges(tracks, {}).empty());
  ExchangeOptions low;
  low.min_gain_nats = 8;
  tracks = Crossing(0.3);
  EXPECT_EQ(FindExchanges(tracks, low).size(), 1u);
  // They never come within the meeting distance (0.5 m at the nearest).
  ExchangeOptions apart;
  apart.meeting_distance_m = 0.4;
  tracks = Crossing();
  EXPECT_TRUE(FindExchanges(tracks, apart).empty());
  // Too few reads moved: 9 per side after the meeting.
  ExchangeOptions many;
  many.min_reads = 10;
  tracks = Crossing();
  EXPECT_TRUE(FindExchanges(tracks, many).empty());
  // Off.
  ExchangeOptions off;
  off.min_gain_nats = 0;
  tracks = Crossing();
  EXPECT_TRUE(FindExchanges(tracks, off).empty());
  EXPECT_EQ(PeopleOf(tracks[0]), std::make_pair(99, 201));
}

// The gain against a direct sum: each track under its best number, after less before.
TEST(Exchanges, GainIsTheLikelihoodAfterLessBefore) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-5, 0.01);
  for (int trial = 0; trial < 100; ++trial) {
    ExchangeTrack a, b;
    a.id = 1, b.id = 2;
    for (ExchangeTrack* t : {&a, &b})
      for (int f = 0; f < 40; ++f)
        if (u(rng) < -2.5) t->reads.push_back({f * 10, f * 10 + 9, {u(rng), u(rng), u(rng)}});
    const int from = static_cast<int>(rng() % 400), to = from + static_cast<int>(rng() % 400);
    auto best = [](const std::vector<const NumberRead*>& reads) {
      double out = -1e300;
      for (int m = 0; m < 3; ++m) {
        double sum = 0;
        for (const NumberRead* r : reads) sum += r->log_likelihood[m];
        out = std::max(out, sum);
      }
      return out;
    };
    std::vector<const NumberRead*> a_all, b_all, a_after, b_after;
    for (const NumberRead& r : a.reads) {
      a_all.push_back(&r);
      (r.first_frame >= from && r.first_frame < to ? b_after : a_after).push_back(&r);
    }
    for (const NumberRead& r : b.reads) {
      b_all.push_back(&r);
      (r.first_frame >= from && r.first_frame < to ? a_after : b_after).push_back(&r);
    }
    const double expected = best(a_after) + best(b_after) - best(a_all) - best(b_all);
    EXPECT_NEAR(ExchangeGain(a, b, from, to), expected, 1e-9) << trial;
  }
}

// Random tracks crossing at random: every row and read is kept (moved whole, one row per
// frame per track), every exchange gained at least the minimum, and the tracks' total
// log-likelihood rose by the sum of the gains.
TEST(Exchanges, RandomTracksKeepTheirRowsAndGainWhatTheySay) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  int64_t exchanges = 0;
  auto total = [](const std::vector<ExchangeTrack>& tracks) {
    double sum = 0;
    for (const ExchangeTrack& t : tracks) {
      if (t.reads.empty()) continue;
      double best = -1e300;
      for (size_t m = 0; m < t.reads[0].log_likelihood.size(); ++m) {
        double s = 0;
        for (const NumberRead& r : t.reads) s += r.log_likelihood[m];
        best = std::max(best, s);
      }
      sum += best;
    }
    return sum;
  };
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<ExchangeTrack> tracks;
    const int n = 2 + trial % 5;
    for (int id = 1; id <= n; ++id) {
      const int first = 1 + static_cast<int>(u(rng) * 100), last = first + 50 + static_cast<int>(u(rng) * 250);
      const double z = u(rng) * 1.5, speed = u(rng) * 0.4 - 0.2, x0 = u(rng) * 20;
      const int number = u(rng) < 0.5 ? 7 : 8, other = 15 - number;
      const int swap = first + static_cast<int>(u(rng) * (last - first));
      tracks.push_back(Track(
          id, first, last, [&](int f) { return std::make_pair(x0 + speed * f, z); },
          [&](int f) { return u(rng) < 0.3 ? 0 : f < swap ? number : other; }, 0.2 + u(rng)));
    }
    std::map<std::tuple<int64_t, int, double, double>, int> rows_before, rows_after;  // (tag, frame, x, z)
    for (const ExchangeTrack& t : tracks)
      for (size_t k = 0; k < t.frames.size(); ++k) ++rows_before[{t.row_tags[k], t.frames[k], t.x_m[k], t.z_m[k]}];
    size_t reads_before = 0;
    for (const ExchangeTrack& t : tracks) reads_before += t.reads.size();
    const double before = total(tracks);
    ExchangeOptions options;
    options.min_gain_nats = 3;
    options.meeting_distance_m = 1.0;
    const std::vector<Exchange> made = FindExchanges(tracks, options);
    exchanges += static_cast<int64_t>(made.size());
    double gained = 0;
    for (const Exchange& e : made) {
      EXPECT_GE(e.gain_nats, options.min_gain_nats);
      gained += e.gain_nats;
    }
    EXPECT_NEAR(total(tracks) - before, gained, 1e-6) << trial;
    size_t reads_after = 0;
    for (const ExchangeTrack& t : tracks) {
      reads_after += t.reads.size();
      EXPECT_TRUE(std::adjacent_find(t.frames.begin(), t.frames.end(), std::greater_equal<int>()) == t.frames.end());
      for (size_t k = 0; k < t.frames.size(); ++k) ++rows_after[{t.row_tags[k], t.frames[k], t.x_m[k], t.z_m[k]}];
    }
    EXPECT_EQ(rows_after, rows_before) << trial;
    EXPECT_EQ(reads_after, reads_before) << trial;
  }
  EXPECT_GT(exchanges, 5);  // the exchange was tried
}

TEST(Exchanges, BadOptionsAndTracks) {
  std::vector<ExchangeTrack> tracks = Crossing();
  ExchangeOptions o;
  o.min_gain_nats = -1;
  EXPECT_THROW(FindExchanges(tracks, o), Error);
  o = {};
  o.meeting_distance_m = std::nan("");
  EXPECT_THROW(FindExchanges(tracks, o), Error);
  o = {};
  o.min_reads = 0;
  EXPECT_THROW(FindExchanges(tracks, o), Error);
  o = {};
  o.max_meetings = 0;
  EXPECT_THROW(FindExchanges(tracks, o), Error);
  tracks[0].frames[5] = tracks[0].frames[4];  // two rows in one frame
  EXPECT_THROW(FindExchanges(tracks, {}), Error);
  tracks = Crossing();
  tracks[1].x_m.pop_back();
  EXPECT_THROW(FindExchanges(tracks, {}), Error);
  tracks = Crossing();
  std::swap(tracks[0].reads[0], tracks[0].reads[1]);  // reads out of frame order
  EXPECT_THROW(FindExchanges(tracks, {}), Error);
  tracks = Crossing();
  tracks[1].reads[2].log_likelihood.push_back(0);  // under three candidates, the rest two
  EXPECT_THROW(FindExchanges(tracks, {}), Error);
  tracks = Crossing();
  tracks[1].reads.push_back(Read(400, 8));  // after the track's last frame (300)
  EXPECT_THROW(FindExchanges(tracks, {}), Error);
  tracks = Crossing();
  tracks[0].row_tags.clear();  // tags on one track only
  EXPECT_THROW(FindExchanges(tracks, {}), Error);
}

}  // namespace
}  // namespace ipt::tracking
