#include "ipt/tracking/substitution_gaps.h"

#include <gtest/gtest.h>

#include "ipt/util/check.h"

namespace ipt::tracking {
namespace {

// 25 fps, 1000 frames, a 105 x 68 m pitch; team A's #2 (id 2) goes out at frame 100 for
// #12 (id 12), and team B's id 20 at frame 500 with nobody coming in.
io::MatchInfo LineUp() {
  io::MatchInfo m;
  m.fps = 25;
  m.frame_count = 1000;
  m.roster = {{2, io::Category::kTeamA, 2, "A2"},
              {12, io::Category::kTeamA, 12, "A12", std::nullopt, /*starts=*/false},
              {20, io::Category::kTeamB, 20, "B20"}};
  m.substitutions = {{100, 2, 12}, {500, 20, std::nullopt}};
  m.substitution_tolerance_seconds = 0;  // exact frames (the tests set their own)
  return m;
}

const Eigen::Vector2d kTouchline(52.0, 67.5), kMidPitch(40.0, 30.0), kBeyond(52.0, 69.0);

// The rule, written out: the player going out seen last at `a` or later (until f - 1 + T),
// the one coming in from `b` or earlier (from f - T).
bool Between(int f, int tolerance, int a, int b) { return a <= f - 1 + tolerance && f - tolerance <= b; }

TEST(SubstitutionGaps, TheGapMustHoldTheSubstitution) {
  io::MatchInfo m = LineUp();
  const SubstitutionGapOptions options;
  for (double tolerance_s : {0.0, 0.2}) {
    m.substitution_tolerance_seconds = tolerance_s;
    const int tolerance = static_cast<int>(tolerance_s * m.fps);
    for (int a = 80; a <= 120; ++a) {
      for (int b = a + 1; b <= 130; ++b) {
        const bool expected = b - a >= 2 && Between(100, tolerance, a, b);
        ASSERT_EQ(IsSubstitutionGap(m, io::Category::kTeamA, a, kTouchline, b, kTouchline, options), expected)
            << "a " << a << " b " << b << " tolerance " << tolerance;
      }
    }
  }
  // The edges written out (f = 100): exact, the player going out is last seen at 99 at the
  // latest, the one coming in first seen at 100 at the earliest.
  m.substitution_tolerance_seconds = 0;
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamA, 99, kTouchline, 101, kTouchline, options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 100, kTouchline, 102, kTouchline, options));
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamA, 90, kTouchline, 100, kTouchline, options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 90, kTouchline, 99, kTouchline, options));
  // 0.1 s at 25 fps is 2.5 frames, rounded to 3: out until 102, in from 97.
  m.substitution_tolerance_seconds = 0.1;
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamA, 102, kTouchline, 110, kTouchline, options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 103, kTouchline, 110, kTouchline, options));
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamA, 80, kTouchline, 97, kTouchline, options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 80, kTouchline, 96, kTouchline, options));
  // No frame missing, but the feet jump: the substitute seen where the other was lost.
  m.substitution_tolerance_seconds = 0;
  const Eigen::Vector2d two_m_on = kTouchline + Eigen::Vector2d(2.0, 0);
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamA, 99, kTouchline, 100, two_m_on, options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 99, kTouchline, 100, kTouchline + Eigen::Vector2d(1.9, 0), options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 100, kTouchline, 101, two_m_on, options));  // after it
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamA, 99, kTouchline, 101, kMidPitch, options));
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamB, 99, kTouchline, 101, kTouchline, options));  // A's
  EXPECT_TRUE(IsSubstitutionGap(m, std::nullopt, 99, kTouchline, 101, kTouchline, options));
  EXPECT_TRUE(IsSubstitutionGap(m, io::Category::kTeamB, 490, kBeyond, 520, kMidPitch, options));  // a sending-off
  // Both ends in mid-pitch: someone hidden by others, not a substitution.
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 99, kMidPitch, 101, kMidPitch, options));
  SubstitutionGapOptions off;
  off.touchline_distance_m = 0;
  EXPECT_FALSE(IsSubstitutionGap(m, io::Category::kTeamA, 99, kTouchline, 101, kTouchline, off));
  m.substitutions.clear();
  EXPECT_FALSE(IsSubstitutionGap(m, std::nullopt, 99, kTouchline, 101, kTouchline, options));
}

TEST(SubstitutionGaps, TracksAreCutAfterEachSubstitutionGap) {
  const io::MatchInfo m = LineUp();
  // Frames 1-98, 103-300 (a gap holding frame 100, ending by the touchline), 302-499 (a
  // gap holding no substitution), 505-600 (a gap holding frame 500, in mid-pitch: not cut).
  std::vector<int> frames;
  std::vector<Eigen::Vector2d> foot;
  for (int f = 1; f <= 600; ++f) {
    if ((f > 98 && f < 103) || f == 301 || (f > 499 && f < 505)) continue;
    frames.push_back(f);
    foot.push_back(f == 98 ? kTouchline : kMidPitch);
  }
  EXPECT_EQ(SubstitutionCutFrames(frames, foot, m, SubstitutionGapOptions{}), std::vector<int>{103});
  SubstitutionGapOptions wide;
  wide.touchline_distance_m = 40;  // everywhere on this pitch
  EXPECT_EQ(SubstitutionCutFrames(frames, foot, m, wide), (std::vector<int>{103, 505}));
  SubstitutionGapOptions off;
  off.touchline_distance_m = 0;
  EXPECT_TRUE(SubstitutionCutFrames(frames, foot, m, off).empty());
}

TEST(SubstitutionGaps, OptionsAreChecked) {
  SubstitutionGapOptions o;
  EXPECT_NO_THROW(o.Check());
  for (double bad : {-1.0, 101.0, std::nan("")}) {
    o.touchline_distance_m = bad;
    EXPECT_THROW(o.Check(), Error) << bad;
  }
  o = SubstitutionGapOptions{};
  for (double bad : {0.0, -1.0, 101.0, std::nan("")}) {
    o.min_jump_m = bad;
    EXPECT_THROW(o.Check(), Error) << bad;
  }
}

}  // namespace
}  // namespace ipt::tracking
