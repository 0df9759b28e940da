#include "ipt/tracking/track_smoothing.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

eval::PipelineRow Row(int64_t track, int frame, double x, double z) {
  eval::PipelineRow r;
  r.track_id = track;
  r.frame = frame;
  r.x_m = x;
  r.z_m = z;
  return r;
}

TrackSmoothingOptions Smoothing(double sigma_frames, int max_filled_gap_frames) {
  TrackSmoothingOptions options;
  options.sigma_frames = sigma_frames;
  options.max_filled_gap_frames = max_filled_gap_frames;
  return options;
}

std::map<std::pair<int64_t, int>, eval::PipelineRow> ByTrackAndFrame(const std::vector<eval::PipelineRow>& rows) {
  std::map<std::pair<int64_t, int>, eval::PipelineRow> by;
  for (const auto& r : rows) EXPECT_TRUE(by.emplace(std::make_pair(r.track_id, r.frame), r).second);
  return by;
}

void ExpectSortedByFrameThenTrack(const std::vector<eval::PipelineRow>& rows) {
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_LT(std::make_pair(rows[i - 1].frame, rows[i - 1].track_id), std::make_pair(rows[i].frame, rows[i].track_id));
  }
}

TEST(TrackSmoothing, ConstantVelocityIsKeptExactlyAlsoAtTheEndsAndAcrossGaps) {
  // x = 3 + 0.2 t, z = 40 - 0.1 t at frames 1..30 without 11..14 (a gap of 4) and 20.
  std::vector<eval::PipelineRow> rows;
  for (int t = 1; t <= 30; ++t) {
    if ((t >= 11 && t <= 14) || t == 20) continue;
    rows.push_back(Row(5, t, 3 + 0.2 * t, 40 - 0.1 * t));
  }
  const TrackSmoothingOptions options = Smoothing(4, 4);
  const SmoothedTracks out = SmoothTracks(rows, options);
  EXPECT_EQ(out.filled_rows, 5);
  ASSERT_EQ(out.rows.size(), 30u);
  for (size_t i = 0; i < out.rows.size(); ++i) {
    const int t = static_cast<int>(i) + 1;
    EXPECT_EQ(out.rows[i].frame, t);
    EXPECT_NEAR(out.rows[i].x_m, 3 + 0.2 * t, 1e-9) << "frame " << t;
    EXPECT_NEAR(out.rows[i].z_m, 40 - 0.1 * t, 1e-9) << "frame " << t;
  }
}

// The reference: at each frame, the weighted least-squares line through the window,
// solved by QR (no closed form).
std::pair<double, double> BruteForceFit(const std::vector<eval::PipelineRow>& track, int t0, double sigma) {
  const double reach = kWindowSigmas * sigma;
  std::vector<int> in;
  for (size_t j = 0; j < track.size(); ++j) {
    if (std::abs(track[j].frame - t0) <= reach) in.push_back(static_cast<int>(j));
  }
  Eigen::MatrixXd a(in.size(), 2);
  Eigen::MatrixXd b(in.size(), 2);
  for (size_t k = 0; k < in.size(); ++k) {
    const auto& r = track[in[k]];
    const double dt = r.frame - t0;
    const double sw = std::sqrt(std::exp(-dt * dt / (2 * sigma * sigma)));
    a(k, 0) = sw;
    a(k, 1) = sw * dt;
    b(k, 0) = sw * r.x_m;
    b(k, 1) = sw * r.z_m;
  }
  if (in.size() == 1) return {track[in[0]].x_m, track[in[0]].z_m};
  const Eigen::MatrixXd coef = a.colPivHouseholderQr().solve(b);
  return {coef(0, 0), coef(0, 1)};
}

TEST(TrackSmoothing, MatchesWeightedLeastSquaresOnRandomTracks) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> pos(0, 100), noise(-0.5, 0.5), sigma_of(0.5, 6);
  std::bernoulli_distribution present(0.8);
  for (int trial = 0; trial < 50; ++trial) {
    const double sigma = sigma_of(rng);
    std::map<int64_t, std::vector<eval::PipelineRow>> tracks;
    std::vector<eval::PipelineRow> rows;
    for (int64_t id : {1, 2, 9}) {
      double x = pos(rng), z = pos(rng) * 0.68;
      const int first = std::uniform_int_distribution<int>(1, 20)(rng);
      const int length = std::uniform_int_distribution<int>(1, 60)(rng);
      for (int t = first; t < first + length; ++t) {
        x += 0.3 + noise(rng);
        z += noise(rng);
        if (t != first && !present(rng)) continue;
        tracks[id].push_back(Row(id, t, x, z));
        rows.push_back(tracks[id].back());
      }
    }
    std::shuffle(rows.begin(), rows.end(), rng);
    const TrackSmoothingOptions options = Smoothing(sigma, 0);
    const SmoothedTracks out = SmoothTracks(rows, options);
    EXPECT_EQ(out.filled_rows, 0);
    ASSERT_EQ(out.rows.size(), rows.size());
    ExpectSortedByFrameThenTrack(out.rows);
    const auto smoothed = ByTrackAndFrame(out.rows);
    for (const auto& [id, track] : tracks) {
      for (const auto& r : track) {
        const auto [x, z] = BruteForceFit(track, r.frame, sigma);
        const auto& s = smoothed.at({id, r.frame});
        EXPECT_NEAR(s.x_m, x, 1e-7) << "trial " << trial << " track " << id << " frame " << r.frame;
        EXPECT_NEAR(s.z_m, z, 1e-7) << "trial " << trial << " track " << id << " frame " << r.frame;
      }
    }
  }
}

TEST(TrackSmoothing, FillsGapsUpToTheLimitWithTheTracksAttributes) {
  std::vector<eval::PipelineRow> rows = {Row(3, 1, 0, 0), Row(3, 5, 4, 8), Row(3, 17, 0, 0), Row(4, 2, 50, 50),
                                         Row(4, 4, 52, 50)};
  for (auto& r : rows) {
    r.category = io::Category::kTeamB;
    r.jersey = r.track_id == 3 ? 10 : 7;
    r.player_id = r.track_id == 3 ? 21 : 22;
    r.score = 0.9 - 0.1 * r.frame / 20.0;  // falls with the frame: the later end is the lower
    r.line = 2 + r.frame;
  }
  const TrackSmoothingOptions options = Smoothing(0, 10);  // positions as given: the fill alone
  const SmoothedTracks out = SmoothTracks(rows, options);
  // Track 3: 2..4 filled (3 frames), 6..16 not (11 > 10); track 4: frame 3.
  EXPECT_EQ(out.filled_rows, 4);
  ASSERT_EQ(out.rows.size(), rows.size() + 4);
  ExpectSortedByFrameThenTrack(out.rows);
  const auto by = ByTrackAndFrame(out.rows);
  for (int f = 2; f <= 4; ++f) {
    const auto& r = by.at({3, f});
    EXPECT_DOUBLE_EQ(r.x_m, f - 1.0);
    EXPECT_DOUBLE_EQ(r.z_m, 2.0 * (f - 1));
    EXPECT_EQ(r.jersey, 10);
    EXPECT_EQ(r.player_id, 21);
    EXPECT_EQ(r.category, io::Category::kTeamB);
    EXPECT_DOUBLE_EQ(r.score, 0.9 - 0.1 * 5 / 20.0);  // the lower end's (frame 5)
    EXPECT_EQ(r.line, 0);
  }
  for (int f = 6; f <= 16; ++f) EXPECT_EQ(by.count({3, f}), 0u) << f;
  EXPECT_DOUBLE_EQ(by.at({4, 3}).x_m, 51.0);
  EXPECT_EQ(by.at({4, 3}).player_id, 22);
  // Given rows keep everything but (with smoothing) their positions.
  EXPECT_EQ(by.at({3, 5}).line, 7);
  EXPECT_DOUBLE_EQ(by.at({3, 5}).x_m, 4.0);
}

TEST(TrackSmoothing, GapsAreFilledBetweenTheSmoothedEnds) {
  // A noisy track with a gap of 6 frames (13..18): the filled rows lie on the line between
  // the smoothed rows at frames 12 and 19, which are not the rows given there.
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0, 0.3);
  std::vector<eval::PipelineRow> rows;
  for (int t = 1; t <= 30; ++t) {
    if (t >= 13 && t <= 18) continue;
    rows.push_back(Row(8, t, 0.5 * t + noise(rng), 30 + noise(rng)));
  }
  const TrackSmoothingOptions smooth_only = Smoothing(2, 0);
  const auto smoothed = ByTrackAndFrame(SmoothTracks(rows, smooth_only).rows);
  const eval::PipelineRow a = smoothed.at({8, 12}), b = smoothed.at({8, 19});
  EXPECT_GT(std::abs(a.x_m - rows[11].x_m), 1e-6);  // smoothing moved the end

  TrackSmoothingOptions both = smooth_only;
  both.max_filled_gap_frames = 6;
  const SmoothedTracks out = SmoothTracks(rows, both);
  EXPECT_EQ(out.filled_rows, 6);
  const auto by = ByTrackAndFrame(out.rows);
  for (int f = 13; f <= 18; ++f) {
    const double s = (f - 12) / 7.0;
    EXPECT_NEAR(by.at({8, f}).x_m, a.x_m + s * (b.x_m - a.x_m), 1e-12) << f;
    EXPECT_NEAR(by.at({8, f}).z_m, a.z_m + s * (b.z_m - a.z_m), 1e-12) << f;
  }
  both.max_filled_gap_frames = 5;  // the gap is longer: not filled
  EXPECT_EQ(SmoothTracks(rows, both).filled_rows, 0);
}

TEST(TrackSmoothing, TwoRowsOfATrackInOneFrameAreRefused) {
  EXPECT_THROW(SmoothTracks({Row(1, 4, 0, 0), Row(2, 4, 1, 1), Row(1, 4, 2, 2)}, TrackSmoothingOptions{}), Error);
}

TEST(TrackSmoothing, OffGivesTheRowsBackSorted) {
  std::vector<eval::PipelineRow> rows = {Row(2, 9, 1, 2), Row(1, 9, 3, 4), Row(1, 3, 5, 6), Row(2, 1, 7, 8)};
  const TrackSmoothingOptions options = Smoothing(0, 0);
  const SmoothedTracks out = SmoothTracks(rows, options);
  EXPECT_EQ(out.filled_rows, 0);
  ASSERT_EQ(out.rows.size(), 4u);
  ExpectSortedByFrameThenTrack(out.rows);
  const auto by = ByTrackAndFrame(out.rows);
  for (const auto& r : rows) {
    EXPECT_EQ(by.at({r.track_id, r.frame}).x_m, r.x_m);
    EXPECT_EQ(by.at({r.track_id, r.frame}).z_m, r.z_m);
  }
  EXPECT_TRUE(SmoothTracks({}, TrackSmoothingOptions{}).rows.empty());
}

TEST(TrackSmoothing, SmoothingLowersTheErrorOfANoisyStandingPerson) {
  // Independent reference: inside the track the window is symmetric, so the fit is the
  // weighted mean, whose variance is noise^2 * sum(w^2) / sum(w)^2.
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 0.2);
  std::vector<eval::PipelineRow> rows;
  for (int t = 1; t <= 4000; ++t) rows.push_back(Row(1, t, 10 + noise(rng), 20 + noise(rng)));
  TrackSmoothingOptions options;
  options.sigma_frames = 3;
  const SmoothedTracks out = SmoothTracks(rows, options);
  double sum_sq = 0;
  int n = 0;
  for (const auto& r : out.rows) {
    if (r.frame <= 10 || r.frame > 3990) continue;
    sum_sq += (r.x_m - 10) * (r.x_m - 10) + (r.z_m - 20) * (r.z_m - 20);
    n += 2;
  }
  double w1 = 0, w2 = 0;
  for (int dt = -9; dt <= 9; ++dt) {
    const double w = std::exp(-dt * dt / 18.0);
    w1 += w;
    w2 += w * w;
  }
  const double expected = 0.2 * 0.2 * w2 / (w1 * w1);
  EXPECT_NEAR(sum_sq / n, expected, 0.1 * expected);
}

TEST(TrackSmoothing, BadOptionsAreRefusedByName) {
  TrackSmoothingOptions options;
  options.sigma_frames = -1;
  EXPECT_THROW(
      {
        try {
          options.Check();
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("smooth_sigma_frames"), std::string::npos);
          throw;
        }
      },
      Error);
  options.sigma_frames = std::nan("");
  EXPECT_THROW(options.Check(), Error);
  options.sigma_frames = 3;
  options.max_filled_gap_frames = -2;
  EXPECT_THROW(SmoothTracks({Row(1, 1, 0, 0)}, options), Error);
}

std::vector<int> Frames(std::initializer_list<std::pair<int, int>> runs) {
  std::vector<int> frames;
  for (const auto& [first, last] : runs)
    for (int f = first; f <= last; ++f) frames.push_back(f);
  return frames;
}

TEST(StrayEnds, ARowAloneBeforeOrAfterAGapIsStray) {
  const StrayEndOptions one;  // 1 row, 0.4 s: 10 frames at 25 fps
  EXPECT_EQ(StrayEndRows(Frames({{1, 1}, {11, 40}}), 25, one), (std::vector<size_t>{0}));  // a gap of 10
  EXPECT_TRUE(StrayEndRows(Frames({{1, 1}, {10, 40}}), 25, one).empty());                    // of 9
  const std::vector<int> tail = Frames({{1, 30}, {45, 45}});
  EXPECT_EQ(StrayEndRows(tail, 25, one), (std::vector<size_t>{30}));
  EXPECT_TRUE(StrayEndRows(tail, 50, one).empty());  // 15 frames at 50 fps: 0.3 s
  EXPECT_EQ(StrayEndRows(Frames({{1, 1}, {20, 30}, {45, 45}}), 25, one), (std::vector<size_t>{0, 12}));
  // Two rows before the gap are not one: stray with max_rows 2 only.
  const std::vector<int> two = Frames({{1, 2}, {20, 40}});
  EXPECT_TRUE(StrayEndRows(two, 25, one).empty());
  StrayEndOptions up_to_two;
  up_to_two.max_rows = 2;
  EXPECT_EQ(StrayEndRows(two, 25, up_to_two), (std::vector<size_t>{0, 1}));
  // A short track keeps its ends: they are most of it.
  EXPECT_TRUE(StrayEndRows({1, 20, 40}, 25, one).empty());
  EXPECT_EQ(StrayEndRows({1, 20, 21, 40}, 25, one), (std::vector<size_t>{0, 3}));
  EXPECT_TRUE(StrayEndRows({}, 25, one).empty());
  StrayEndOptions off;
  off.max_rows = 0;
  EXPECT_TRUE(StrayEndRows(Frames({{1, 1}, {11, 40}}), 25, off).empty());
}

// Against the definition read directly, on random tracks: the first k <= max_rows rows
// when the k-th gap is the first one that long; the same at the end.
TEST(StrayEnds, MatchTheDefinitionOnRandomTracks) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> step(1, 14), rows(0, 12), max_rows(0, 3);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<int> frames;
    for (int f = step(rng), n = rows(rng); static_cast<int>(frames.size()) < n; f += step(rng)) frames.push_back(f);
    StrayEndOptions options;
    options.max_rows = max_rows(rng);
    const std::vector<size_t> got = StrayEndRows(frames, 25, options);
    std::set<size_t> expected;
    const int n = static_cast<int>(frames.size());
    if (options.max_rows > 0 && n > 2 * options.max_rows + 1) {
      for (int end = 0; end < 2; ++end) {
        auto frame = [&](int k) { return end == 0 ? frames[k] : -frames[n - 1 - k]; };
        int k = 1;
        while (k <= options.max_rows && frame(k) - frame(k - 1) < 10) ++k;
        if (k > options.max_rows) continue;
        for (int i = 0; i < k; ++i) expected.insert(end == 0 ? i : n - 1 - i);
      }
    }
    EXPECT_EQ(std::set<size_t>(got.begin(), got.end()), expected) << "trial " << trial;
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << "trial " << trial;
  }
}

TEST(StrayEnds, BadOptionsAreRefusedByName) {
  StrayEndOptions o;
  o.max_rows = -1;
  EXPECT_THROW(o.Check(), Error);
  o = {};
  o.min_gap_seconds = 0;
  try {
    o.Check();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stray_end_min_gap_seconds"), std::string::npos);
  }
  EXPECT_THROW(StrayEndRows({1, 2, 3}, 0, StrayEndOptions{}), Error);
}

}  // namespace
}  // namespace ipt::tracking
