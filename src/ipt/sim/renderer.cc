#include "ipt/sim/renderer.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "ipt/sim/body.h"
#include "ipt/util/random.h"

namespace ipt::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
constexpr int kSubpixelShift = 4;                 // cv drawing: 4 fractional bits
constexpr float kSubpixelScale = 1 << kSubpixelShift;
constexpr double kLineHalfWidthM = 0.06;          // pitch markings are 12 cm wide
constexpr double kStripeWidthM = 5.25;            // mowing stripes
constexpr double kBoardDistanceM = 5.0;           // advertising boards behind the lines
constexpr double kBoardHeightM = 0.9;
constexpr double kGoalHalfWidthM = 3.66, kGoalHeightM = 2.44, kPostWidthM = 0.12;
constexpr double kBallRadiusM = 0.11;
constexpr int kNoiseBank = 6;                     // precomputed noise frames, cycled
const cv::Vec3d kGrassBgr(48, 128, 58);

cv::Point ToFixed(const cv::Point2f& p) {
  return cv::Point(cvRound(p.x * kSubpixelScale), cvRound(p.y * kSubpixelScale));
}

double SegmentDistance(double px, double pz, double ax, double az, double bx, double bz) {
  double vx = bx - ax, vz = bz - az, wx = px - ax, wz = pz - az;
  double t = std::clamp((vx * wx + vz * wz) / (vx * vx + vz * vz), 0.0, 1.0);
  return std::hypot(wx - t * vx, wz - t * vz);
}

// Distance (m) from a ground point to the nearest pitch marking's centre line.
double MarkingDistance(double x, double z, double L, double W) {
  double d = 1e9;
  auto seg = [&](double ax, double az, double bx, double bz) {
    d = std::min(d, SegmentDistance(x, z, ax, az, bx, bz));
  };
  seg(0, 0, L, 0);
  seg(0, W, L, W);
  seg(0, 0, 0, W);
  seg(L, 0, L, W);
  seg(L / 2, 0, L / 2, W);
  const double cz = W / 2;
  d = std::min(d, std::abs(std::hypot(x - L / 2, z - cz) - 9.15));   // centre circle
  d = std::min(d, std::max(0.0, std::hypot(x - L / 2, z - cz) - 0.12));  // centre spot
  for (int side = 0; side < 2; ++side) {
    double x0 = side == 0 ? 0 : L, s = side == 0 ? 1 : -1;
    for (auto [depth, half] : {std::pair{16.5, 20.16}, std::pair{5.5, 9.16}}) {
      seg(x0, cz - half, x0 + s * depth, cz - half);
      seg(x0 + s * depth, cz - half, x0 + s * depth, cz + half);
      seg(x0 + s * depth, cz + half, x0, cz + half);
    }
    double spot_x = x0 + s * 11.0;
    d = std::min(d, std::max(0.0, std::hypot(x - spot_x, z - cz) - 0.11));
    if (s * (x - x0) > 16.5) d = std::min(d, std::abs(std::hypot(x - spot_x, z - cz) - 9.15));
    for (double zc : {0.0, W}) {  // corner arcs, inside the pitch only
      if (s * (x - x0) >= 0 && (zc == 0 ? z >= 0 : z <= W)) {
        d = std::min(d, std::abs(std::hypot(x - x0, z - zc) - 1.0));
      }
    }
  }
  return d;
}

cv::Vec3b Scale(const cv::Vec3b& c, double f) {
  return cv::Vec3b(cv::saturate_cast<uchar>(c[0] * f), cv::saturate_cast<uchar>(c[1] * f),
                   cv::saturate_cast<uchar>(c[2] * f));
}
cv::Scalar ToScalar(const cv::Vec3b& c) { return cv::Scalar(c[0], c[1], c[2]); }

}  // namespace

CameraRenderer::CameraRenderer(const geometry::Camera& camera, const geometry::PitchDims& pitch,
                               const RenderOptions& options, uint64_t seed)
    : camera_(camera), pitch_(pitch), options_(options) {
  options_.Check();
  Rng rng(seed);
  lighting_phase_[0] = rng.Uniform(0, 2 * kPi);
  lighting_phase_[1] = rng.Uniform(0, 2 * kPi);
  BuildBackground(rng.Bits());
  const int w = camera.intrinsics().width_px, h = camera.intrinsics().height_px;
  for (int k = 0; k < kNoiseBank && options_.noise_sigma > 0; ++k) {
    cv::Mat noise(h, w, CV_16SC3);
    cv::theRNG().state = rng.Bits();
    cv::randn(noise, 0, options_.noise_sigma);
    cv::Mat pos, neg;
    noise.convertTo(pos, CV_8UC3);                  // saturates negatives to 0
    cv::Mat(-noise).convertTo(neg, CV_8UC3);
    noise_positive_.push_back(pos);
    noise_negative_.push_back(neg);
  }
}

void CameraRenderer::BuildBackground(uint64_t seed) {
  const int w = camera_.intrinsics().width_px, h = camera_.intrinsics().height_px;
  const double L = pitch_.length_m, W = pitch_.width_m;
  Rng rng(seed);
  // Grass texture: fine blades (20 cm cells) and coarse wear patches (2 m cells).
  cv::Mat fine(256, 256, CV_32F), coarse(64, 64, CV_32F), crowd(h, w, CV_8UC3);
  cv::theRNG().state = rng.Bits();
  cv::randn(fine, 0, 1);
  cv::randn(coarse, 0, 1);
  cv::GaussianBlur(fine, fine, cv::Size(3, 3), 0.8);
  cv::GaussianBlur(coarse, coarse, cv::Size(7, 7), 2.0);
  cv::randu(crowd, cv::Scalar::all(20), cv::Scalar::all(150));
  cv::GaussianBlur(crowd, crowd, cv::Size(3, 3), 0.7);
  const Eigen::Vector3d center = camera_.center_in_pitch();
  static const cv::Vec3b kBoardColors[] = {{200, 60, 20}, {30, 30, 200}, {240, 240, 240}, {20, 160, 230}, {90, 20, 90}};

  background_.create(h, w, CV_8UC3);
  cv::parallel_for_(cv::Range(0, h), [&](const cv::Range& rows) {
    for (int v = rows.start; v < rows.end; ++v) {
      for (int u = 0; u < w; ++u) {
        Eigen::Vector3d ray = camera_.RayInPitchFromPixel(Eigen::Vector2d(u, v));
        cv::Vec3d color;
        // Advertising boards: vertical planes behind the far touchline and goal lines.
        bool board = false;
        auto try_board = [&](double t, int axis_index, double lo, double hi) {
          if (t <= 0) return;
          Eigen::Vector3d p = center + t * ray;
          double along = axis_index == 0 ? p.x() : p.z();
          if (p.y() >= 0 && p.y() <= kBoardHeightM && along >= lo && along <= hi) {
            int panel = static_cast<int>(std::floor((along + 100) / 6.0)) % 5;
            color = cv::Vec3d(kBoardColors[panel][0], kBoardColors[panel][1], kBoardColors[panel][2]);
            board = true;
          }
        };
        if (ray.z() < 0) try_board((-kBoardDistanceM - center.z()) / ray.z(), 0, -kBoardDistanceM, L + kBoardDistanceM);
        if (!board && ray.x() < 0) try_board((-kBoardDistanceM - center.x()) / ray.x(), 1, -kBoardDistanceM, W + kBoardDistanceM);
        if (!board && ray.x() > 0) try_board((L + kBoardDistanceM - center.x()) / ray.x(), 1, -kBoardDistanceM, W + kBoardDistanceM);
        auto ground = geometry::IntersectGround(center, ray);
        bool inside_boards = ground && ground->x() > -kBoardDistanceM && ground->x() < L + kBoardDistanceM &&
                             ground->y() > -kBoardDistanceM && ground->y() < W + kBoardDistanceM + 20;
        if (!board && ground && inside_boards) {
          double x = ground->x(), z = ground->y();
          bool on_pitch = x >= 0 && x <= L && z >= 0 && z <= W;
          int stripe = static_cast<int>(std::floor(x / kStripeWidthM));
          double shade = on_pitch ? (stripe % 2 == 0 ? 1.07 : 0.93) : 0.95;
          int fx = static_cast<int>(std::floor(x / 0.2)) & 255, fz = static_cast<int>(std::floor(z / 0.2)) & 255;
          int cx = static_cast<int>(std::floor(x / 2.0)) & 63, cz = static_cast<int>(std::floor(z / 2.0)) & 63;
          shade *= 1.0 + 0.05 * fine.at<float>(fz, fx) + 0.07 * coarse.at<float>(cz, cx);
          color = kGrassBgr * shade;
          // Anti-aliased markings: coverage over the pixel's ground footprint.
          auto next = camera_.GroundFromPixel(Eigen::Vector2d(u + 1, v + 1));
          double footprint = next ? std::max(0.01, (*next - *ground).norm() / std::sqrt(2.0)) : 1.0;
          double d = MarkingDistance(x, z, L, W);
          double coverage = std::clamp((kLineHalfWidthM + 0.5 * footprint - d) / footprint, 0.0, 1.0);
          color = color * (1 - coverage) + cv::Vec3d(235, 240, 235) * coverage;
        } else if (!board) {
          // Stands: a crowd texture, darker further up.
          cv::Vec3b c = crowd.at<cv::Vec3b>(v, u);
          double dim = ground ? 0.8 : 0.55;
          color = cv::Vec3d(c[0], c[1], c[2]) * dim;
        }
        // Vignetting: brightness falls off towards the corners.
        double ru = (u - 0.5 * w) / (0.5 * w), rv = (v - 0.5 * h) / (0.5 * h);
        color *= 1.0 - options_.vignetting * 0.5 * (ru * ru + rv * rv);
        background_.at<cv::Vec3b>(v, u) = cv::Vec3b(cv::saturate_cast<uchar>(color[0]),
                                                     cv::saturate_cast<uchar>(color[1]),
                                                     cv::saturate_cast<uchar>(color[2]));
      }
    }
  });
  // Goals: posts and crossbars (drawn over the grass and boards).
  for (double x0 : {0.0, L}) {
    double s = x0 == 0 ? -1 : 1;  // the net extends behind the goal line
    Eigen::Vector3d lp(x0, 0, W / 2 - kGoalHalfWidthM), rp(x0, 0, W / 2 + kGoalHalfWidthM);
    Eigen::Vector3d up(0, kGoalHeightM, 0), back(s * 2.0, 0, 0);
    std::vector<std::pair<Eigen::Vector3d, Eigen::Vector3d>> net = {
        {lp + back, lp + back + up * 0.8}, {rp + back, rp + back + up * 0.8},
        {lp + back + up * 0.8, rp + back + up * 0.8}, {lp + up, lp + back + up * 0.8},
        {rp + up, rp + back + up * 0.8}};
    std::vector<std::pair<Eigen::Vector3d, Eigen::Vector3d>> frame = {
        {lp, lp + up}, {rp, rp + up}, {lp + up, rp + up}};
    for (const auto& [a, b] : net) {
      cv::Point2f pa, pb;
      if (Project(a, &pa) && Project(b, &pb)) cv::line(background_, ToFixed(pa), ToFixed(pb), cv::Scalar(200, 200, 200), 1, cv::LINE_AA, kSubpixelShift);
    }
    for (const auto& [a, b] : frame) {
      cv::Point2f pa, pb, pw;
      if (!Project(a, &pa) || !Project(b, &pb) || !Project(a + Eigen::Vector3d(0, 0, kPostWidthM), &pw)) continue;
      int thickness = std::max(1, cvRound(cv::norm(pw - pa)));
      cv::line(background_, ToFixed(pa), ToFixed(pb), cv::Scalar(250, 250, 250), thickness, cv::LINE_AA, kSubpixelShift);
    }
  }
}

bool CameraRenderer::Project(const Eigen::Vector3d& point, cv::Point2f* pixel) const {
  auto p = camera_.PixelFromPitch(point);
  if (!p) return false;
  *pixel = cv::Point2f(static_cast<float>(p->x()), static_cast<float>(p->y()));
  return true;
}

const cv::Mat& CameraRenderer::NumberMask(int jersey) {
  auto it = number_masks_.find(jersey);
  if (it != number_masks_.end()) return it->second;
  // White-on-black glyphs, 64 px tall, as wide as two digits need.
  const std::string text = std::to_string(jersey);
  const int font = cv::FONT_HERSHEY_DUPLEX, thickness = 7;
  int baseline = 0;
  cv::Size size = cv::getTextSize(text, font, 2.2, thickness, &baseline);
  cv::Mat mask(80, 96, CV_8UC1, cv::Scalar(0));
  double sx = std::min(1.0, 88.0 / size.width);
  cv::Mat glyph(size.height + baseline + 8, size.width + 8, CV_8UC1, cv::Scalar(0));
  cv::putText(glyph, text, cv::Point(4, size.height + 4), font, 2.2, cv::Scalar(255), thickness, cv::LINE_AA);
  cv::Mat scaled;
  cv::resize(glyph, scaled, cv::Size(std::max(1, cvRound(glyph.cols * sx)), 76), 0, 0, cv::INTER_AREA);
  int x0 = (mask.cols - scaled.cols) / 2;
  scaled.copyTo(mask(cv::Rect(std::max(0, x0), 2, std::min(scaled.cols, mask.cols), scaled.rows)));
  return number_masks_.emplace(jersey, mask).first->second;
}

void CameraRenderer::DrawNumber(int jersey, const cv::Vec3b& color, const Eigen::Vector3d& c,
                                const Eigen::Vector3d& text_right, const Eigen::Vector3d& text_up,
                                double width_m, double height_m, cv::Mat* img) {
  Eigen::Vector3d hr = text_right * (0.5 * width_m), hu = text_up * (0.5 * height_m);
  cv::Point2f q[4];
  if (!Project(c - hr + hu, &q[0]) || !Project(c + hr + hu, &q[1]) || !Project(c + hr - hu, &q[2]) ||
      !Project(c - hr - hu, &q[3])) return;
  cv::Rect box = cv::boundingRect(std::vector<cv::Point2f>(q, q + 4));
  // Too small to print anything legible: skip (a blur of a few pixels looks the same).
  if (box.height < 3 || box.width < 2) return;
  cv::Rect clipped = box & cv::Rect(0, 0, img->cols, img->rows);
  if (clipped.empty()) return;
  const cv::Mat& mask = NumberMask(jersey);
  cv::Point2f src[4] = {{0, 0}, {float(mask.cols), 0}, {float(mask.cols), float(mask.rows)}, {0, float(mask.rows)}};
  cv::Point2f dst[4];
  for (int k = 0; k < 4; ++k) dst[k] = q[k] - cv::Point2f(float(clipped.x), float(clipped.y));
  cv::Mat warped;
  cv::warpPerspective(mask, warped, cv::getPerspectiveTransform(src, dst), clipped.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat roi = (*img)(clipped);
  for (int y = 0; y < roi.rows; ++y) {
    const uchar* m = warped.ptr<uchar>(y);
    cv::Vec3b* p = roi.ptr<cv::Vec3b>(y);
    for (int x = 0; x < roi.cols; ++x) {
      if (!m[x]) continue;
      float a = m[x] / 255.f;
      for (int k = 0; k < 3; ++k) p[x][k] = cv::saturate_cast<uchar>(p[x][k] * (1 - a) + color[k] * a);
    }
  }
}

void CameraRenderer::DrawShadow(const Eigen::Vector3d& base, double height_m, double radius_m, cv::Mat* img) {
  if (options_.shadow_strength <= 0) return;
  const double az = options_.sun_azimuth_deg * kDegToRad;
  const double length = height_m / std::tan(options_.sun_elevation_deg * kDegToRad);
  // The shadow points away from the sun: a tapered quad on the ground.
  Eigen::Vector3d away(-std::cos(az), 0, -std::sin(az)), side(-away.z(), 0, away.x());
  Eigen::Vector3d ground(base.x(), 0, base.z());
  Eigen::Vector3d corners[4] = {ground - side * radius_m, ground + side * radius_m,
                                ground + away * length + side * radius_m * 0.6,
                                ground + away * length - side * radius_m * 0.6};
  std::vector<cv::Point2f> pts(4);
  for (int k = 0; k < 4; ++k) {
    if (!Project(corners[k], &pts[k])) return;
  }
  cv::Rect box = cv::boundingRect(pts) & cv::Rect(0, 0, img->cols, img->rows);
  if (box.empty()) return;
  cv::Mat mask(box.size(), CV_8UC1, cv::Scalar(0));
  std::vector<cv::Point> fixed;
  for (auto& p : pts) fixed.push_back(ToFixed(p - cv::Point2f(float(box.x), float(box.y))));
  cv::fillConvexPoly(mask, fixed, cv::Scalar(255), cv::LINE_AA, kSubpixelShift);
  cv::Mat roi = (*img)(box);
  const float k = static_cast<float>(options_.shadow_strength);
  for (int y = 0; y < roi.rows; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    cv::Vec3b* p = roi.ptr<cv::Vec3b>(y);
    for (int x = 0; x < roi.cols; ++x) {
      if (!m[x]) continue;
      float f = 1.f - k * m[x] / 255.f;
      p[x] = cv::Vec3b(cv::saturate_cast<uchar>(p[x][0] * f), cv::saturate_cast<uchar>(p[x][1] * f),
                       cv::saturate_cast<uchar>(p[x][2] * f));
    }
  }
}

void CameraRenderer::DrawPerson(const SimPerson& person, const PersonState& state, cv::Mat* img) {
  const Appearance& look = person.look;
  const double speed = state.vel_mps.norm();
  BodyPose pose = ComputePose(state.pos_m, state.facing_rad, state.gait_phase_rad, speed, look.height_m, look.build);
  const Eigen::Vector3d center = camera_.center_in_pitch();
  const Eigen::Vector3d pelvis = 0.5 * (pose.hip_left + pose.hip_right);
  Eigen::Vector3d to_camera = center - pelvis;
  to_camera.y() = 0;
  to_camera.normalize();
  // Pixels per metre at this person: project a 1 m horizontal offset.
  cv::Point2f pa, pb;
  Eigen::Vector3d side(-to_camera.z(), 0, to_camera.x());
  if (!Project(pelvis, &pa) || !Project(pelvis + side, &pb)) return;
  const double px_per_m = cv::norm(pa - pb);
  if (pa.x < -200 || pa.y < -200 || pa.x > img->cols + 200 || pa.y > img->rows + 400) return;

  auto limb = [&](const Eigen::Vector3d& a, const Eigen::Vector3d& b, double diameter_m, const cv::Vec3b& color) {
    cv::Point2f p, q;
    if (!Project(a, &p) || !Project(b, &q)) return;
    int t = std::max(1, cvRound(diameter_m * px_per_m));
    cv::line(*img, ToFixed(p), ToFixed(q), ToScalar(color), t, cv::LINE_AA, kSubpixelShift);
  };
  auto disc = [&](const Eigen::Vector3d& c, double radius_m, const cv::Vec3b& color) {
    cv::Point2f p;
    if (!Project(c, &p)) return;
    int r = std::max(1, cvRound(radius_m * px_per_m * kSubpixelScale));
    cv::circle(*img, ToFixed(p), r, ToScalar(color), cv::FILLED, cv::LINE_AA, kSubpixelShift);
  };
  // Shading: surfaces facing the camera are brighter.
  const double facing_camera = pose.forward.dot(to_camera);  // +1 facing, -1 back turned
  const double shade = 0.82 + 0.18 * std::abs(facing_camera);
  const cv::Vec3b shirt = Scale(look.shirt, shade), shorts = Scale(look.shorts, shade);
  const cv::Vec3b skin = Scale(look.skin, shade), socks = Scale(look.socks, shade);
  const cv::Vec3b shoes(30, 30, 30);
  const cv::Vec3b sleeve = look.long_sleeves ? shirt : skin;

  // The side further from the camera is drawn first.
  const bool left_is_far = (pose.hip_left - center).squaredNorm() > (pose.hip_right - center).squaredNorm();
  auto leg = [&](bool left) {
    const Eigen::Vector3d& hip = left ? pose.hip_left : pose.hip_right;
    const Eigen::Vector3d& knee = left ? pose.knee_left : pose.knee_right;
    const Eigen::Vector3d& ankle = left ? pose.ankle_left : pose.ankle_right;
    const Eigen::Vector3d& toe = left ? pose.toe_left : pose.toe_right;
    limb(hip, knee, pose.thigh_m, skin);
    limb(hip, hip + 0.45 * (knee - hip), pose.thigh_m * 1.25, shorts);
    limb(knee + 0.1 * (ankle - knee), ankle, pose.shin_m, socks);
    limb(ankle, toe, pose.shin_m * 0.9, shoes);
  };
  auto arm = [&](bool left) {
    const Eigen::Vector3d& shoulder = left ? pose.shoulder_left : pose.shoulder_right;
    const Eigen::Vector3d& elbow = left ? pose.elbow_left : pose.elbow_right;
    const Eigen::Vector3d& hand = left ? pose.hand_left : pose.hand_right;
    limb(shoulder, elbow, pose.upper_arm_m, shirt);
    limb(elbow, hand, pose.forearm_m, sleeve);
    disc(hand, pose.forearm_m * 0.6, skin);
  };
  arm(left_is_far);
  leg(left_is_far);
  leg(!left_is_far);
  // Torso: the front/back quad plus a spine stroke that gives it depth seen side-on.
  const Eigen::Vector3d shoulder_mid = 0.5 * (pose.shoulder_left + pose.shoulder_right);
  limb(pelvis, shoulder_mid, pose.torso_depth_m, shirt);
  std::vector<cv::Point> torso;
  for (const auto& corner : {pose.shoulder_left, pose.shoulder_right, pose.hip_right, pose.hip_left}) {
    cv::Point2f p;
    if (!Project(corner, &p)) return;
    torso.push_back(ToFixed(p));
  }
  cv::fillConvexPoly(*img, torso, ToScalar(shirt), cv::LINE_AA, kSubpixelShift);
  limb(pose.hip_left, pose.hip_right, pose.thigh_m * 1.2, shorts);
  // Jersey numbers: large on the back, small on the chest, on the visible side only.
  if (person.entry.jersey) {
    const Eigen::Vector3d up = (shoulder_mid - pelvis).normalized();
    const double scale = look.height_m / 1.8;
    if (facing_camera < -0.05) {
      Eigen::Vector3d c = 0.5 * (shoulder_mid + pelvis) + up * 0.04 * scale - pose.forward * pose.torso_depth_m * 0.5;
      DrawNumber(*person.entry.jersey, look.number, c, pose.right, up, 0.26 * scale, 0.27 * scale, img);
    } else if (facing_camera > 0.05) {
      Eigen::Vector3d c = shoulder_mid - up * 0.13 * scale + pose.forward * pose.torso_depth_m * 0.5;
      DrawNumber(*person.entry.jersey, look.number, c, -pose.right, up, 0.11 * scale, 0.11 * scale, img);
    }
  }
  arm(!left_is_far);
  // Head with hair: the hair covers the back of the head when it faces the camera.
  limb(pose.neck, pose.head_center, pose.head_radius_m * 0.9, skin);
  const Eigen::Vector3d hair_center = pose.head_center + Eigen::Vector3d(0, 0.025, 0) - pose.forward * 0.025;
  if (facing_camera > 0) disc(hair_center, pose.head_radius_m * 0.95, look.hair);
  disc(pose.head_center, pose.head_radius_m, skin);
  if (facing_camera <= 0) disc(hair_center, pose.head_radius_m * 0.95, look.hair);
}

void CameraRenderer::DrawScene(const FrameState& state, const std::vector<SimPerson>& people, cv::Mat* img) {
  const Eigen::Vector3d center = camera_.center_in_pitch();
  // Shadows lie on the ground below everybody.
  for (size_t i = 0; i < people.size(); ++i) {
    DrawShadow(geometry::PitchPoint(state.people[i].pos_m), people[i].look.height_m, 0.25, img);
  }
  const Eigen::Vector3d ball = geometry::PitchPoint(state.ball.pos_m, state.ball.height_m + kBallRadiusM);
  DrawShadow(geometry::PitchPoint(state.ball.pos_m), 2 * kBallRadiusM, kBallRadiusM, img);
  // Painter's algorithm: far to near; index people.size() is the ball.
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < people.size(); ++i) {
    order.emplace_back((geometry::PitchPoint(state.people[i].pos_m) - center).squaredNorm(), i);
  }
  order.emplace_back((ball - center).squaredNorm(), people.size());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [distance, i] : order) {
    if (i < people.size()) {
      DrawPerson(people[i], state.people[i], img);
      continue;
    }
    cv::Point2f p, q;
    if (Project(ball, &p) && Project(ball + Eigen::Vector3d(0, kBallRadiusM, 0), &q)) {
      int r = std::max(1, cvRound(cv::norm(p - q) * kSubpixelScale));
      cv::circle(*img, ToFixed(p), r, cv::Scalar(245, 245, 245), cv::FILLED, cv::LINE_AA, kSubpixelShift);
    }
  }
}

void CameraRenderer::Render(const FrameState& state, const std::vector<SimPerson>& people, double time_s,
                            cv::Mat* bgr) {
  background_.copyTo(*bgr);
  DrawScene(state, people, bgr);
  // Lighting: slow brightness change as clouds pass.
  const double a = options_.lighting_amplitude, period = options_.lighting_period_s;
  double gain = 1.0 + a * (0.75 * std::sin(2 * kPi * time_s / period + lighting_phase_[0]) +
                           0.25 * std::sin(2 * kPi * time_s / (0.37 * period) + lighting_phase_[1]));
  if (a > 0) bgr->convertTo(*bgr, -1, gain, 0);
  if (!noise_positive_.empty()) {
    size_t k = noise_counter_++ % noise_positive_.size();
    cv::add(*bgr, noise_positive_[k], *bgr);
    cv::subtract(*bgr, noise_negative_[k], *bgr);
  }
}

}  // namespace ipt::sim
