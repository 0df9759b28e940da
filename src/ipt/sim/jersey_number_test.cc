// Jersey-number labels (number_side, number_px, legibility) of AnnotateFrame, for
// people placed by hand in front of the default rig and checked against an
// independent estimate of the number's size, and over a simulated match.
#include "ipt/sim/jersey_number.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ipt/geometry/crop.h"
#include "ipt/geometry/panorama.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/util/random.h"
#include "ipt/util/units.h"

namespace ipt::sim {
namespace {

class JerseyNumberLabels : public ::testing::Test {
 protected:
  void SetUp() override {
    rig_ = geometry::MakeDefaultRig(config_.rig, config_.pitch);
    panorama_ = std::make_unique<geometry::Panorama>(rig_, config_.panorama);
    Rng rng(3);
    People people = MakePeople(config_.people, rng);
    player_ = people.on_pitch[1];  // outfield, team A
    referee_ = people.on_pitch.back();
    ASSERT_TRUE(player_.entry.jersey.has_value());
    ASSERT_FALSE(referee_.entry.jersey.has_value());
  }

  // The source camera of a foot-point, as the crop chooses it.
  const geometry::Camera& Source(const Eigen::Vector2d& foot) const {
    auto view = geometry::MakeCropView(rig_.cameras, foot);
    EXPECT_TRUE(view.has_value());
    return rig_.cameras.at(view ? view->camera_index : 0);
  }

  // A person at `foot` whose body faces `degrees_from_camera` away from the
  // horizontal direction to the source camera (0 = facing it, 180 = back turned).
  PersonState Standing(const Eigen::Vector2d& foot, double degrees_from_camera) const {
    const Eigen::Vector3d c = Source(foot).center_in_pitch();
    const double to_camera = std::atan2(c.z() - foot.y(), c.x() - foot.x());
    PersonState s;
    s.pos_m = foot;
    s.facing_rad = to_camera + DegToRad(degrees_from_camera);
    return s;
  }

  io::Annotation Annotate(const SimPerson& person, const PersonState& state) const {
    FrameState frame;
    frame.people = {state};
    auto rows = AnnotateFrame(frame, {person}, 1, rig_, *panorama_);
    EXPECT_EQ(rows.size(), 1u);
    return rows.at(0);
  }

  // Independent estimate of a number's height in source pixels: the camera's vertical
  // scale (px per metre) along the vertical through the foot-point at torso height,
  // times the printed height, times |cos| of the angle from square-on.
  double ExpectedNumberPx(const Eigen::Vector2d& foot, double printed_height_m, double cos_angle) const {
    const geometry::Camera& camera = Source(foot);
    auto a = camera.PixelFromPitch(geometry::PitchPoint(foot, 1.0));
    auto b = camera.PixelFromPitch(geometry::PitchPoint(foot, 1.5));
    EXPECT_TRUE(a && b);
    const double px_per_m = (*a - *b).norm() / 0.5;
    return px_per_m * printed_height_m * player_.look.height_m / kNumberReferenceHeightM * std::abs(cos_angle);
  }

  SimConfig config_;
  geometry::Rig rig_;
  std::unique_ptr<geometry::Panorama> panorama_;
  SimPerson player_, referee_;
};

// Near the rig (about 15 m from the lens), in the right camera's view.
const Eigen::Vector2d kNear(62.0, 62.0);
// On the far touchline (about 75 m).
const Eigen::Vector2d kFar(50.0, 2.0);

TEST_F(JerseyNumberLabels, BackTurnedAndNearIsLegibleBack) {
  const io::Annotation a = Annotate(player_, Standing(kNear, 180));
  EXPECT_EQ(a.number_side, io::NumberSide::kBack);
  EXPECT_EQ(a.legibility, io::Legibility::kLegible);
  EXPECT_NEAR(a.number_px, ExpectedNumberPx(kNear, kBackNumberHeightM, 1.0), 0.1 * a.number_px);
  EXPECT_GE(a.number_px, LegibleMinNumberPx(*player_.entry.jersey));
  EXPECT_EQ(a.occluded, 0.0);
}

TEST_F(JerseyNumberLabels, SideOnIsNotLegible) {
  for (double degrees : {90.0, -90.0, 75.0, 105.0}) {
    const io::Annotation a = Annotate(player_, Standing(kNear, degrees));
    EXPECT_EQ(a.number_side, io::NumberSide::kSide) << degrees;
    EXPECT_EQ(a.legibility, io::Legibility::kNone) << degrees;
  }
  // Exactly side-on nothing is drawn.
  EXPECT_EQ(Annotate(player_, Standing(kNear, 90)).number_px, 0.0);
}

TEST_F(JerseyNumberLabels, ObliqueNumbersShrinkWithTheCosine) {
  const io::Annotation square = Annotate(player_, Standing(kNear, 180));
  const io::Annotation oblique = Annotate(player_, Standing(kNear, 180 - 50));  // 50 degrees from square-on
  EXPECT_EQ(oblique.number_side, io::NumberSide::kBack);
  EXPECT_NEAR(oblique.number_px, square.number_px * std::cos(DegToRad(50)), 0.05 * square.number_px);
  EXPECT_NE(oblique.legibility, io::Legibility::kLegible);  // beyond kLegibleMaxAngleDeg
}

TEST_F(JerseyNumberLabels, FrontNumberIsSmallerThanTheBackNumber) {
  const io::Annotation front = Annotate(player_, Standing(kNear, 0));
  const io::Annotation back = Annotate(player_, Standing(kNear, 180));
  EXPECT_EQ(front.number_side, io::NumberSide::kFront);
  EXPECT_NEAR(front.number_px, ExpectedNumberPx(kNear, kFrontNumberSizeM, 1.0), 0.1 * front.number_px);
  EXPECT_NEAR(back.number_px / front.number_px, kBackNumberHeightM / kFrontNumberSizeM, 0.15);
}

TEST_F(JerseyNumberLabels, FarAwayIsNotLegible) {
  const io::Annotation a = Annotate(player_, Standing(kFar, 180));
  EXPECT_EQ(a.number_side, io::NumberSide::kBack);
  EXPECT_LT(a.number_px, kLegibleMinSingleDigitPx);
  EXPECT_NEAR(a.number_px, ExpectedNumberPx(kFar, kBackNumberHeightM, 1.0), 0.15 * a.number_px + 0.3);
  EXPECT_NE(a.legibility, io::Legibility::kLegible);
}

TEST_F(JerseyNumberLabels, RefereesHaveNoNumber) {
  const io::Annotation a = Annotate(referee_, Standing(kNear, 180));
  EXPECT_EQ(a.number_side, io::NumberSide::kNone);
  EXPECT_EQ(a.number_px, 0.0);
  EXPECT_EQ(a.legibility, io::Legibility::kNone);
}

TEST_F(JerseyNumberLabels, ANumberHiddenBehindSomeoneIsNotLegible) {
  // A second person on the line to the rig centre: 0.5 m in front they hide the
  // player's back; 2 m in front (seen from 8 m up) only the legs.
  const Eigen::Vector2d rig_foot(rig_.center_in_pitch.x(), rig_.center_in_pitch.z());
  const Eigen::Vector2d towards_rig = (rig_foot - kNear).normalized();
  SimPerson blocker = player_;
  blocker.entry.player_id += 100;
  for (double gap_m : {0.5, 2.0}) {
    FrameState frame;
    frame.people = {Standing(kNear, 180), Standing(kNear + gap_m * towards_rig, 0)};
    auto rows = AnnotateFrame(frame, {player_, blocker}, 1, rig_, *panorama_);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_GT(rows[0].occluded, 0.3) << gap_m;
    EXPECT_EQ(rows[0].number_side, io::NumberSide::kBack);
    EXPECT_EQ(rows[0].legibility, gap_m < 1 ? io::Legibility::kNone : io::Legibility::kLegible) << gap_m;
  }
}

// Over a simulated match the labels obey their definitions and all occur.
TEST(JerseyNumberLabelsInAMatch, FollowTheirDefinitions) {
  const SyntheticMatch m = SimulateMatch(SimConfig{}, 7, 4.0);
  int count[3] = {0, 0, 0}, sides[4] = {0, 0, 0, 0};
  for (const auto& a : m.annotations) {
    ++count[static_cast<int>(a.legibility)];
    ++sides[static_cast<int>(a.number_side)];
    if (!a.jersey) {
      EXPECT_EQ(a.number_side, io::NumberSide::kNone);
      EXPECT_EQ(a.legibility, io::Legibility::kNone);
      continue;
    }
    EXPECT_NE(a.number_side, io::NumberSide::kNone);
    if (a.legibility == io::Legibility::kLegible) {
      EXPECT_NE(a.number_side, io::NumberSide::kSide);
      EXPECT_GE(a.number_px, LegibleMinNumberPx(*a.jersey));
    }
    if (a.legibility == io::Legibility::kPartial) {
      EXPECT_NE(a.number_side, io::NumberSide::kSide);
      EXPECT_GE(a.number_px, kPartialMinNumberPx);
    }
    if (a.number_side == io::NumberSide::kSide) {
      EXPECT_EQ(a.legibility, io::Legibility::kNone);
    }
  }
  EXPECT_GT(count[2], 0) << "no legible number in 4 s of a match";
  EXPECT_GT(count[1], 0);
  EXPECT_GT(count[0], count[2]) << "most numbers of a wide two-camera rig are not legible";
  for (int s = 0; s < 4; ++s) EXPECT_GT(sides[s], 0) << "number_side " << s;
}

}  // namespace
}  // namespace ipt::sim
