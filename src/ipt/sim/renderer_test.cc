#include "ipt/sim/renderer.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ipt/geometry/crop.h"
#include "ipt/util/units.h"

namespace ipt::sim {
namespace {

const geometry::PitchDims kPitch;

SimPerson TestPerson(int jersey) {
  SimPerson p;
  p.entry.player_id = 1;
  p.entry.category = io::Category::kTeamA;
  p.entry.jersey = jersey;
  p.team = 0;
  p.look.shirt = cv::Vec3b(200, 40, 40);   // blue
  p.look.shorts = cv::Vec3b(200, 40, 40);
  p.look.socks = cv::Vec3b(200, 40, 40);
  p.look.number = cv::Vec3b(0, 255, 255);  // yellow: easy to count
  p.look.skin = cv::Vec3b(120, 150, 200);
  p.look.hair = cv::Vec3b(20, 20, 20);
  p.look.height_m = 1.85;
  return p;
}

FrameState OnePerson(const Eigen::Vector2d& foot, double facing_rad) {
  FrameState s;
  PersonState ps;
  ps.pos_m = foot;
  ps.facing_rad = facing_rad;
  s.people.push_back(ps);
  s.ball.pos_m = {-50, -50};  // out of sight
  return s;
}

RenderOptions NoShadows() {
  RenderOptions o;
  o.shadow_strength = 0;
  return o;
}

// One renderer per camera of the default rig (building the background takes a while).
CameraRenderer& RendererFor(int camera_index) {
  static geometry::Rig rig = geometry::MakeDefaultRig({}, kPitch);
  static CameraRenderer renderers[2] = {CameraRenderer(rig.cameras[0], kPitch, NoShadows(), 1),
                                        CameraRenderer(rig.cameras[1], kPitch, NoShadows(), 2)};
  return renderers[camera_index];
}

// Renders one person on black with the camera that MakeCropView picks; returns the
// crop, and the camera image in *image.
cv::Mat CropOfPerson(const SimPerson& person, const Eigen::Vector2d& foot, double facing,
                     cv::Mat* image = nullptr) {
  geometry::Rig rig = geometry::MakeDefaultRig({}, kPitch);
  auto view = geometry::MakeCropView(rig.cameras, foot);
  EXPECT_TRUE(view.has_value());
  const geometry::Camera& camera = rig.cameras[view->camera_index];
  cv::Mat frame(camera.intrinsics().height_px, camera.intrinsics().width_px, CV_8UC3, cv::Scalar::all(0));
  RendererFor(view->camera_index).DrawScene(OnePerson(foot, facing), {person}, &frame);
  if (image) *image = frame;
  return geometry::CutCrop(frame, camera, *view);
}

// Facing angle that turns the person's back (or front) to the camera that sees them.
double FacingAwayFrom(const Eigen::Vector2d& foot) {
  geometry::Rig rig = geometry::MakeDefaultRig({}, kPitch);
  Eigen::Vector3d c = rig.center_in_pitch;
  return std::atan2(foot.y() - c.z(), foot.x() - c.x());
}

TEST(Renderer, CropOfRenderedPersonIsCentredAndUpright) {
  for (Eigen::Vector2d foot : {Eigen::Vector2d(52.5, 55), Eigen::Vector2d(15, 40), Eigen::Vector2d(90, 20),
                               Eigen::Vector2d(30, 5), Eigen::Vector2d(100, 60)}) {
    for (double facing : {0.0, 1.3, 2.9}) {
      cv::Mat crop = CropOfPerson(TestPerson(10), foot, facing);
      cv::Mat gray, mask;
      cv::cvtColor(crop, gray, cv::COLOR_BGR2GRAY);
      cv::threshold(gray, mask, 10, 255, cv::THRESH_BINARY);
      cv::Rect box = cv::boundingRect(mask);
      cv::Moments m = cv::moments(mask, true);
      ASSERT_GT(m.m00, 300) << "person not in the crop at " << foot.transpose();
      double cx = m.m10 / m.m00;
      EXPECT_NEAR(cx, 63.5, 8.0) << foot.transpose() << " facing " << facing;
      // Feet near the bottom, head in the upper part, taller than wide: upright.
      EXPECT_GT(box.br().y, 0.82 * 256) << foot.transpose();
      EXPECT_LT(box.y, 0.30 * 256) << foot.transpose();
      EXPECT_GT(box.height, 1.8 * box.width) << foot.transpose();
      // The head (top rows) is above the feet (bottom rows): the body axis is vertical.
      cv::Moments top = cv::moments(mask.rowRange(box.y, box.y + box.height / 5), true);
      cv::Moments bottom = cv::moments(mask.rowRange(box.br().y - box.height / 5, box.br().y), true);
      EXPECT_NEAR(top.m10 / top.m00, bottom.m10 / bottom.m00, 10.0) << foot.transpose();
    }
  }
}

int NumberPixels(const cv::Mat& crop) {
  cv::Mat mask;
  cv::inRange(crop, cv::Scalar(0, 170, 170), cv::Scalar(110, 255, 255), mask);
  return cv::countNonZero(mask);
}

// The big back number shows when the person turns away, the small front number
// when facing the camera, nothing side-on; and a far person's number is tiny.
TEST(Renderer, JerseyNumberReadableOnlyFacingAwayOrTowardsAndNear) {
  const Eigen::Vector2d near(40, 58), far(20, 3);
  const double away = FacingAwayFrom(near);
  const SimPerson person = TestPerson(88);
  int back = NumberPixels(CropOfPerson(person, near, away));
  int front = NumberPixels(CropOfPerson(person, near, away + kPi));
  int side = NumberPixels(CropOfPerson(person, near, away + kPi / 2));
  // Near enough: the camera itself holds many more number pixels for a near person.
  cv::Mat near_image, far_image;
  CropOfPerson(person, near, away, &near_image);
  CropOfPerson(person, far, FacingAwayFrom(far), &far_image);
  int camera_near = NumberPixels(near_image), camera_far = NumberPixels(far_image);
  if (std::getenv("IPT_TEST_DUMP")) cv::imwrite("/tmp/number_back.png", CropOfPerson(person, near, away));
  EXPECT_GT(back, 150);
  EXPECT_GT(front, 10);
  EXPECT_LT(front, back / 2);
  EXPECT_EQ(side, 0);
  EXPECT_GT(camera_near, 4 * camera_far);
  EXPECT_LT(camera_far, 25);
}

TEST(Renderer, NearerPersonOccludesFartherOne) {
  geometry::Rig rig = geometry::MakeDefaultRig({}, kPitch);
  const geometry::Camera& camera = rig.cameras[0];
  CameraRenderer& renderer = RendererFor(0);
  // Two people on one line of sight, the red one nearer.
  Eigen::Vector3d c = camera.center_in_pitch();
  Eigen::Vector2d far_foot(30, 20);
  Eigen::Vector2d dir = (far_foot - Eigen::Vector2d(c.x(), c.z())).normalized();
  Eigen::Vector2d near_foot = far_foot - 12.0 * dir;
  SimPerson blue = TestPerson(5), red = TestPerson(6);
  red.look.shirt = red.look.shorts = red.look.socks = cv::Vec3b(30, 30, 220);
  FrameState s = OnePerson(far_foot, 0);
  PersonState near_state;
  near_state.pos_m = near_foot;
  s.people.push_back(near_state);
  for (int order = 0; order < 2; ++order) {  // the result must not depend on list order
    std::vector<SimPerson> people = order == 0 ? std::vector<SimPerson>{blue, red} : std::vector<SimPerson>{red, blue};
    FrameState state = s;
    if (order == 1) std::swap(state.people[0], state.people[1]);
    cv::Mat image(720, 1280, CV_8UC3, cv::Scalar::all(0));
    renderer.DrawScene(state, people, &image);
    auto chest = camera.PixelFromPitch(geometry::PitchPoint(near_foot, 1.25));
    ASSERT_TRUE(chest);
    cv::Vec3b px = image.at<cv::Vec3b>(cvRound(chest->y()), cvRound(chest->x()));
    EXPECT_GT(px[2], 150) << "order " << order;  // red, not blue
    EXPECT_LT(px[0], 100) << "order " << order;
  }
}

TEST(Renderer, BackgroundMarkingsLieWhereTheCalibrationSaysTheyAre) {
  geometry::Rig rig = geometry::MakeDefaultRig({}, kPitch);
  for (const auto& camera : rig.cameras) {
    RenderOptions o;
    o.vignetting = 0;
    CameraRenderer renderer(camera, kPitch, o, 3);
    cv::Mat gray;
    cv::cvtColor(renderer.background(), gray, cv::COLOR_BGR2GRAY);
    int on_line = 0, brighter = 0;
    for (double z = 2; z < 66; z += 2) {
      // The halfway line and the far touchline are white; grass a metre beside them is not.
      for (auto [line, beside] : {std::pair{Eigen::Vector3d(52.5, 0, z), Eigen::Vector3d(54.0, 0, z)}}) {
        auto p = camera.PixelFromPitch(line), q = camera.PixelFromPitch(beside);
        if (!p || !q || !camera.InImage(*p, 2) || !camera.InImage(*q, 2)) continue;
        ++on_line;
        brighter += gray.at<uchar>(cvRound(p->y()), cvRound(p->x())) > gray.at<uchar>(cvRound(q->y()), cvRound(q->x())) + 40;
      }
    }
    EXPECT_GT(on_line, 10);
    EXPECT_EQ(brighter, on_line) << camera.name();
  }
}


// Issue 7: a valid rig (pinhole lens, wide field of view, barrel distortion, high
// rig) aborted the renderer inside cv::line (a goal post thousands of pixels thick).
// Every config Check() accepts must render; randomized over all ranges in
// checked_configs_render_test.cc.
TEST(Renderer, WidePinholeBarrelHighRigRenders) {
  SimConfig config;
  config.rig.height_m = 99.1854;
  config.rig.behind_touchline_m = 46.2111;
  config.rig.yaw_deg = 64.1227;
  config.rig.tilt_down_deg = 6.96029;
  config.rig.lens = geometry::LensModel::kPinholeRadTan;
  config.rig.horizontal_fov_deg = 168.497;
  config.rig.distortion = {-0.152986, 0.035667, -0.0168712, -0.0106504, 0.0139615};
  config.rig.image_width_px = 160;
  config.rig.image_height_px = 90;
  config.Check();
  geometry::Rig rig = geometry::MakeDefaultRig(config.rig, config.pitch);
  Rng rng(1);
  People people = MakePeople(config.people, rng);
  auto frames = SimulateMotion(people.on_pitch, config.motion, config.pitch, config.fps, 2, 40);
  for (const auto& camera : rig.cameras) {
    CameraRenderer renderer(camera, config.pitch, config.render, 40);
    cv::Mat image;
    for (int f = 0; f < 2; ++f) renderer.Render(frames[f], people.on_pitch, f / config.fps, &image);
    EXPECT_EQ(image.size(), cv::Size(160, 90));
  }
}

}  // namespace
}  // namespace ipt::sim
