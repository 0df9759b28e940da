#include "ipt/sim/motion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "ipt/util/check.h"

namespace ipt::sim {
namespace {

std::vector<SimPerson> TestPeople(uint64_t seed) {
  Rng rng(seed);
  return MakePeople(PeopleOptions{}, rng).on_pitch;
}

TEST(Motion, DeterministicForASeed) {
  auto people = TestPeople(1);
  auto a = SimulateMotion(people, {}, {}, 25, 200, 42);
  auto b = SimulateMotion(people, {}, {}, 25, 200, 42);
  auto c = SimulateMotion(people, {}, {}, 25, 200, 43);
  ASSERT_EQ(a.size(), 200u);
  for (size_t f = 0; f < a.size(); ++f) {
    for (size_t i = 0; i < people.size(); ++i) EXPECT_EQ(a[f].people[i].pos_m, b[f].people[i].pos_m);
  }
  EXPECT_NE(a.back().people[5].pos_m, c.back().people[5].pos_m);
}

// Two minutes of play: speeds and accelerations stay physical, everybody stays
// around the pitch, and people come close to each other (duels, set pieces).
TEST(Motion, SmoothPhysicalTrajectoriesWithClusters) {
  const double fps = 25;
  MotionOptions o;
  geometry::PitchDims pitch;
  for (uint64_t seed : {3u, 4u}) {
    auto people = TestPeople(seed);
    auto frames = SimulateMotion(people, o, pitch, fps, static_cast<int>(120 * fps), seed);
    double max_speed = 0, max_accel = 0, ball_travel = 0;
    int close_frames = 0, fast_moments = 0;
    for (size_t f = 1; f < frames.size(); ++f) {
      double min_pair = 1e9;
      for (size_t i = 0; i < people.size(); ++i) {
        const auto& p = frames[f].people[i];
        double v = (p.pos_m - frames[f - 1].people[i].pos_m).norm() * fps;
        max_speed = std::max(max_speed, v);
        fast_moments += v > 6.0;
        if (f >= 2) {
          Eigen::Vector2d v1 = (p.pos_m - frames[f - 1].people[i].pos_m) * fps;
          Eigen::Vector2d v0 = (frames[f - 1].people[i].pos_m - frames[f - 2].people[i].pos_m) * fps;
          max_accel = std::max(max_accel, (v1 - v0).norm() * fps);
        }
        // Around the pitch: throw-in takers and assistants stand a few metres off it.
        const double kOff = 6.0;
        EXPECT_GT(p.pos_m.x(), -kOff);
        EXPECT_LT(p.pos_m.x(), pitch.length_m + kOff);
        EXPECT_GT(p.pos_m.y(), -kOff);
        EXPECT_LT(p.pos_m.y(), pitch.width_m + kOff);
        for (size_t j = i + 1; j < people.size(); ++j) {
          min_pair = std::min(min_pair, (p.pos_m - frames[f].people[j].pos_m).norm());
        }
      }
      close_frames += min_pair < 1.5;
      ball_travel += (frames[f].ball.pos_m - frames[f - 1].ball.pos_m).norm();
    }
    EXPECT_LE(max_speed, o.max_speed_mps + 1e-9);
    EXPECT_LE(max_speed, 12.0);
    EXPECT_LE(max_accel, o.max_accel_mps2 + 1e-6);
    EXPECT_GT(fast_moments, 100) << "nobody ever sprints";
    EXPECT_GT(close_frames, static_cast<int>(0.1 * frames.size())) << "people never come close";
    EXPECT_GT(ball_travel, 500.0) << "the ball hardly moves";
  }
}

TEST(Motion, BadOptionsAreRejected) {
  MotionOptions o;
  o.max_speed_mps = 30;
  try {
    SimulateMotion(TestPeople(1), o, {}, 25, 10, 1);
    ADD_FAILURE() << "max_speed_mps 30 was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("motion.max_speed_mps must be in (0, 11]"));
  }
  // Every field is bounded, NaN included.
  o = MotionOptions{};
  o.shooting_range_m = std::nan("");
  EXPECT_THROW(o.Check(), Error);
  o = MotionOptions{};
  o.max_accel_mps2 = 1e300;
  EXPECT_THROW(o.Check(), Error);
}

}  // namespace
}  // namespace ipt::sim
