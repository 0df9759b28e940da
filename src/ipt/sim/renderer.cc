#include "ipt/sim/renderer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <opencv2/imgproc.hpp>

#include "ipt/geometry/pitch_layout.h"
#include "ipt/sim/body.h"
#include "ipt/sim/jersey_number.h"
#include "ipt/util/random.h"
#include "ipt/util/units.h"

namespace ipt::sim {
namespace {
namespace pitch = geometry::pitch;

// OpenCV drawing: 4 fractional bits; OpenCV refuses thicker lines (MAX_THICKNESS).
constexpr int kSubpixelShift = 4;
constexpr double kSubpixelScale = 1 << kSubpixelShift;
constexpr int kOpenCvMaxThicknessPx = 32767;

// Grass: mowing stripes, a fine blade texture and coarse wear patches, each
// texture tiling the ground (sides are powers of two: cells wrap with a mask).
const cv::Vec3d kGrassBgr(48, 128, 58);
constexpr double kStripeWidthM = 5.25;
constexpr double kStripeShadeLight = 1.07, kStripeShadeDark = 0.93;
constexpr double kOffPitchShade = 0.95;  // outside the lines: not mown in stripes
constexpr double kBladeCellM = 0.2, kWearCellM = 2.0;
constexpr int kBladeTextureSide = 256, kWearTextureSide = 64;
constexpr double kBladeBlurSigma = 0.8, kWearBlurSigma = 2.0;
constexpr double kBladeContrast = 0.05, kWearContrast = 0.07;
// Markings: white, anti-aliased by their coverage of the pixel's ground footprint.
const cv::Vec3d kMarkingBgr(235, 240, 235);
constexpr double kMarkingHalfWidthM = 0.5 * pitch::kLineWidthM;
constexpr double kMinFootprintM = 0.01;
constexpr double kNoFootprintM = 1.0;  // when the next pixel's ray misses the ground
// Advertising boards: vertical planes behind the far touchline and the goal lines.
constexpr double kBoardDistanceM = 5.0;
constexpr double kBoardHeightM = 0.9;
constexpr double kBoardPanelWidthM = 6.0;
constexpr double kBoardPanelOriginM = -100.0;  // panel edges at origin + k * width (origin < any board)
const cv::Vec3b kBoardColors[] = {{200, 60, 20}, {30, 30, 200}, {240, 240, 240}, {20, 160, 230}, {90, 20, 90}};
constexpr int kBoardColorCount = sizeof(kBoardColors) / sizeof(kBoardColors[0]);
// Behind the near touchline (where the rig stands) there are no boards: grass
// continues this far before the stands.
constexpr double kNearGrassBeyondBoardsM = 20.0;
// Stands: a crowd texture, darker above the horizon.
constexpr int kCrowdGreyMin = 20, kCrowdGreyMax = 150;
constexpr double kCrowdBlurSigma = 0.7;
constexpr double kStandsBelowHorizonDim = 0.8, kStandsAboveHorizonDim = 0.55;
// Vignetting: loss = vignetting * kVignettingFalloff * r^2, r = 1 at the edges' midpoints.
constexpr double kVignettingFalloff = 0.5;

// Goals: frame (posts, crossbar) and the net, whose back is lower than the crossbar.
const cv::Scalar kGoalFrameBgr(250, 250, 250), kGoalNetBgr(200, 200, 200);
constexpr double kNetBackHeightFraction = 0.8;

// People and ball.
constexpr double kBallRadiusM = 0.11;
const cv::Scalar kBallBgr(245, 245, 245);
constexpr double kPersonShadowRadiusM = 0.25;
constexpr double kShadowTipWidthFraction = 0.6;  // the shadow tapers towards its tip
// People whose pelvis projects this far outside the image are not drawn (more
// below: a person standing below the image may still reach into it).
constexpr double kCullMarginPx = 200, kCullMarginBelowPx = 400;
// Shading: side-on surfaces are darker than those facing towards / away from the camera.
constexpr double kSideOnShade = 0.82;
const cv::Vec3b kShoeBgr(30, 30, 30);
// Kit and body proportions as fractions of the limb sizes of body.h.
constexpr double kShortsThighFraction = 0.45;  // shorts cover the upper part of the thigh ...
constexpr double kShortsWidthFactor = 1.25;    // ... and are wider than it
constexpr double kWaistWidthFactor = 1.2;      // waistband across the hips, of the thigh
constexpr double kSockStartFraction = 0.1;     // socks start just below the knee
constexpr double kShoeWidthFactor = 0.9;       // of the shin
constexpr double kHandRadiusFactor = 0.6;      // of the forearm
constexpr double kNeckWidthFactor = 0.9;       // of the head radius
constexpr double kHairRadiusFactor = 0.95;     // of the head radius
constexpr double kHairRaiseM = 0.025, kHairBackM = 0.025;
// Jersey numbers: placement and sizes in jersey_number.h (shared with the labels).
// Number glyph masks: white on black, two digits fit side by side.
constexpr int kNumberMaskWidthPx = 96, kNumberMaskHeightPx = 80;
constexpr int kGlyphFont = cv::FONT_HERSHEY_DUPLEX, kGlyphThickness = 7, kGlyphPaddingPx = 4;
constexpr double kGlyphFontScale = 2.2;
constexpr int kGlyphMaxWidthPx = 88, kGlyphHeightPx = 76, kGlyphTopPx = 2;

// Lighting: two slow sines (clouds), the second faster and weaker.
constexpr double kLightingSlowWeight = 0.75, kLightingFastWeight = 0.25;
constexpr double kLightingFastPeriodFraction = 0.37;
// Sensor noise: precomputed frames, cycled.
constexpr int kNoiseBank = 6;

// ---------------------------------------------------------------------------
// Drawing that never hands OpenCV what it refuses or what overflows its
// fixed-point coordinates: primitives are clipped to the image grown by a guard
// band at least as wide as the widest stroke (so what is cut away lies outside
// the image), and stroke widths and radii are capped.

// Widest stroke or disc radius drawn: wider ones cover the whole image anyway.
double MaxStrokePx(const cv::Mat& img) {
  return std::min<double>(kOpenCvMaxThicknessPx, 2.0 * (img.cols + img.rows));
}

cv::Rect2d GuardArea(const cv::Mat& img) {
  const double m = MaxStrokePx(img);
  return {-m, -m, img.cols + 2 * m, img.rows + 2 * m};
}

bool Inside(const cv::Point2d& p, const cv::Rect2d& area) {
  return p.x >= area.x && p.y >= area.y && p.x <= area.x + area.width && p.y <= area.y + area.height;
}

// Pixel -> OpenCV fixed point. Callers pass clipped (bounded) points.
cv::Point ToFixed(const cv::Point2d& p) {
  return cv::Point(cvRound(p.x * kSubpixelScale), cvRound(p.y * kSubpixelScale));
}

// Liang-Barsky: clips segment ab to `area`; false when nothing of it is inside.
bool ClipSegment(const cv::Rect2d& area, cv::Point2d* a, cv::Point2d* b) {
  const cv::Point2d d = *b - *a;
  double t0 = 0, t1 = 1;
  auto edge = [&](double p, double q) {  // inside where p * t <= q
    if (p == 0) return q >= 0;
    const double t = q / p;
    if (p < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
    return t0 <= t1;
  };
  if (!edge(-d.x, a->x - area.x) || !edge(d.x, area.x + area.width - a->x) || !edge(-d.y, a->y - area.y) ||
      !edge(d.y, area.y + area.height - a->y)) {
    return false;
  }
  const cv::Point2d a0 = *a;
  *a = a0 + t0 * d;
  *b = a0 + t1 * d;
  return true;
}

// Sutherland-Hodgman: clips a convex polygon to `area` (the result stays convex).
std::vector<cv::Point2d> ClipConvexPolygon(std::vector<cv::Point2d> polygon, const cv::Rect2d& area) {
  // Each boundary as (inside test, intersection of the edge p-q with it).
  const double x0 = area.x, x1 = area.x + area.width, y0 = area.y, y1 = area.y + area.height;
  for (int side = 0; side < 4 && !polygon.empty(); ++side) {
    auto value = [&](const cv::Point2d& p) {  // >= 0 inside this boundary
      switch (side) {
        case 0: return p.x - x0;
        case 1: return x1 - p.x;
        case 2: return p.y - y0;
        default: return y1 - p.y;
      }
    };
    std::vector<cv::Point2d> out;
    for (size_t i = 0; i < polygon.size(); ++i) {
      const cv::Point2d& p = polygon[i];
      const cv::Point2d& q = polygon[(i + 1) % polygon.size()];
      const double vp = value(p), vq = value(q);
      if (vp >= 0) out.push_back(p);
      if ((vp >= 0) != (vq >= 0)) out.push_back(p + (vp / (vp - vq)) * (q - p));
    }
    polygon = std::move(out);
  }
  return polygon;
}

// Stroke width in whole pixels: at least 1, at most MaxStrokePx.
int StrokePx(double width_px, const cv::Mat& img) {
  const double max = MaxStrokePx(img);
  return cvRound(std::isfinite(width_px) ? std::clamp(width_px, 1.0, max) : 1.0);
}

void DrawLine(cv::Point2d a, cv::Point2d b, double width_px, const cv::Scalar& color, cv::Mat* img) {
  if (!ClipSegment(GuardArea(*img), &a, &b)) return;
  cv::line(*img, ToFixed(a), ToFixed(b), color, StrokePx(width_px, *img), cv::LINE_AA, kSubpixelShift);
}

void DrawDisc(const cv::Point2d& center, double radius_px, const cv::Scalar& color, cv::Mat* img) {
  const double radius = std::isfinite(radius_px) ? std::min(radius_px, MaxStrokePx(*img)) : 0.0;
  // Discs that cannot reach the image are skipped (this also bounds the centre).
  const cv::Rect2d reach(-radius - 1, -radius - 1, img->cols + 2 * radius + 2, img->rows + 2 * radius + 2);
  if (!Inside(center, reach)) return;
  const int radius_fixed = std::max(1, cvRound(radius * kSubpixelScale));
  cv::circle(*img, ToFixed(center), radius_fixed, color, cv::FILLED, cv::LINE_AA, kSubpixelShift);
}

// Fills a convex polygon; `offset` is subtracted from the corners (drawing into an ROI).
void FillConvex(const std::vector<cv::Point2d>& corners, const cv::Scalar& color, cv::Mat* img,
                const cv::Point2d& offset = {0, 0}) {
  std::vector<cv::Point2d> shifted;
  for (const auto& p : corners) shifted.push_back(p - offset);
  std::vector<cv::Point> fixed;
  for (const auto& p : ClipConvexPolygon(shifted, GuardArea(*img))) fixed.push_back(ToFixed(p));
  if (fixed.size() < 3) return;
  cv::fillConvexPoly(*img, fixed, color, cv::LINE_AA, kSubpixelShift);
}

bool ProjectToPixel(const geometry::Camera& camera, const Eigen::Vector3d& point, cv::Point2d* pixel) {
  auto p = camera.PixelFromPitch(point);
  if (!p || !p->allFinite()) return false;
  *pixel = cv::Point2d(p->x(), p->y());
  return true;
}

cv::Vec3b Scale(const cv::Vec3b& c, double f) {
  return cv::Vec3b(cv::saturate_cast<uchar>(c[0] * f), cv::saturate_cast<uchar>(c[1] * f),
                   cv::saturate_cast<uchar>(c[2] * f));
}
cv::Scalar ToScalar(const cv::Vec3b& c) { return cv::Scalar(c[0], c[1], c[2]); }
cv::Vec3d ToVec3d(const cv::Vec3b& c) { return cv::Vec3d(c[0], c[1], c[2]); }

// ---------------------------------------------------------------------------
// Pitch markings (geometry/pitch_layout.h), as the distance (m) from a ground
// point (x, z) to the nearest marking's centre line.

double SegmentDistance(double px, double pz, double ax, double az, double bx, double bz) {
  double vx = bx - ax, vz = bz - az, wx = px - ax, wz = pz - az;
  double t = std::clamp((vx * wx + vz * wz) / (vx * vx + vz * vz), 0.0, 1.0);
  return std::hypot(wx - t * vx, wz - t * vz);
}

// A spot of `radius` around (cx, cz): distance 0 inside it.
double SpotDistance(double x, double z, double cx, double cz, double radius) {
  return std::max(0.0, std::hypot(x - cx, z - cz) - radius);
}

double CircleDistance(double x, double z, double cx, double cz, double radius) {
  return std::abs(std::hypot(x - cx, z - cz) - radius);
}

// Touchlines, goal lines, halfway line, centre circle and spot.
double DistanceToCentreMarkings(double x, double z, double L, double W) {
  double d = std::numeric_limits<double>::infinity();
  for (const auto& [ax, az, bx, bz] : {std::array<double, 4>{0, 0, L, 0}, std::array<double, 4>{0, W, L, W},
                                       std::array<double, 4>{0, 0, 0, W}, std::array<double, 4>{L, 0, L, W},
                                       std::array<double, 4>{L / 2, 0, L / 2, W}}) {
    d = std::min(d, SegmentDistance(x, z, ax, az, bx, bz));
  }
  d = std::min(d, CircleDistance(x, z, L / 2, W / 2, pitch::kCentreCircleRadiusM));
  d = std::min(d, SpotDistance(x, z, L / 2, W / 2, pitch::kCentreSpotRadiusM));
  return d;
}

// One end of the pitch (goal line at x0, the pitch towards x0 + inward * depth):
// penalty and goal areas, penalty spot and arc, and the two corner arcs.
double DistanceToEndMarkings(double x, double z, double x0, double inward, double W) {
  const double cz = W / 2;
  double d = std::numeric_limits<double>::infinity();
  for (auto [depth, half] : {std::pair{pitch::kPenaltyAreaDepthM, pitch::kPenaltyAreaHalfWidthM},
                             std::pair{pitch::kGoalAreaDepthM, pitch::kGoalAreaHalfWidthM}}) {
    const double xd = x0 + inward * depth;
    d = std::min(d, SegmentDistance(x, z, x0, cz - half, xd, cz - half));
    d = std::min(d, SegmentDistance(x, z, xd, cz - half, xd, cz + half));
    d = std::min(d, SegmentDistance(x, z, xd, cz + half, x0, cz + half));
  }
  const double spot_x = x0 + inward * pitch::kPenaltySpotDistanceM;
  d = std::min(d, SpotDistance(x, z, spot_x, cz, pitch::kPenaltySpotRadiusM));
  if (inward * (x - x0) > pitch::kPenaltyAreaDepthM) {  // the arc outside the penalty area
    d = std::min(d, CircleDistance(x, z, spot_x, cz, pitch::kPenaltyArcRadiusM));
  }
  for (double corner_z : {0.0, W}) {  // corner arcs, inside the pitch only
    const bool inside = inward * (x - x0) >= 0 && (corner_z == 0 ? z >= 0 : z <= W);
    if (inside) d = std::min(d, CircleDistance(x, z, x0, corner_z, pitch::kCornerArcRadiusM));
  }
  return d;
}

double MarkingDistance(double x, double z, const geometry::PitchDims& dims) {
  const double L = dims.length_m, W = dims.width_m;
  return std::min({DistanceToCentreMarkings(x, z, L, W), DistanceToEndMarkings(x, z, 0.0, 1.0, W),
                   DistanceToEndMarkings(x, z, L, -1.0, W)});
}

// ---------------------------------------------------------------------------
// Background colours.

struct GroundTextures {
  cv::Mat blades;  // CV_32F, kBladeTextureSide^2, ~N(0, 1): fine grass
  cv::Mat wear;    // CV_32F, kWearTextureSide^2, ~N(0, 1): coarse wear patches
  cv::Mat crowd;   // CV_8UC3, camera-sized: the stands
};

GroundTextures MakeGroundTextures(Rng& rng, int width_px, int height_px) {
  GroundTextures t;
  t.blades.create(kBladeTextureSide, kBladeTextureSide, CV_32F);
  t.wear.create(kWearTextureSide, kWearTextureSide, CV_32F);
  t.crowd.create(height_px, width_px, CV_8UC3);
  cv::theRNG().state = rng.Bits();
  cv::randn(t.blades, 0, 1);
  cv::randn(t.wear, 0, 1);
  cv::GaussianBlur(t.blades, t.blades, cv::Size(3, 3), kBladeBlurSigma);
  cv::GaussianBlur(t.wear, t.wear, cv::Size(7, 7), kWearBlurSigma);
  cv::randu(t.crowd, cv::Scalar::all(kCrowdGreyMin), cv::Scalar::all(kCrowdGreyMax));
  cv::GaussianBlur(t.crowd, t.crowd, cv::Size(3, 3), kCrowdBlurSigma);
  return t;
}

// The advertising board a ray from `center` hits first, if any: the far board
// (plane z = -d), else the left (x = -d) or right (x = L + d) one.
std::optional<cv::Vec3d> BoardColor(const Eigen::Vector3d& center, const Eigen::Vector3d& ray,
                                    const geometry::PitchDims& dims) {
  const double L = dims.length_m, W = dims.width_m, d = kBoardDistanceM;
  // The board in the plane reached at ray parameter t, spanning [lo, hi] along x (axis 0) or z (axis 2).
  auto hit = [&](double t, int axis, double lo, double hi) -> std::optional<cv::Vec3d> {
    if (!(t > 0)) return std::nullopt;
    const Eigen::Vector3d p = center + t * ray;
    const double along = p[axis];
    if (!(p.y() >= 0 && p.y() <= kBoardHeightM && along >= lo && along <= hi)) return std::nullopt;
    const int panel = static_cast<int>(std::floor((along - kBoardPanelOriginM) / kBoardPanelWidthM)) % kBoardColorCount;
    return ToVec3d(kBoardColors[panel]);
  };
  std::optional<cv::Vec3d> color;
  if (ray.z() < 0) color = hit((-d - center.z()) / ray.z(), 0, -d, L + d);
  if (!color && ray.x() < 0) color = hit((-d - center.x()) / ray.x(), 2, -d, W + d);
  if (!color && ray.x() > 0) color = hit((L + d - center.x()) / ray.x(), 2, -d, W + d);
  return color;
}

// True for ground points inside the boards (and the grass behind the near touchline).
bool InsideBoards(const Eigen::Vector2d& ground, const geometry::PitchDims& dims) {
  const double d = kBoardDistanceM;
  return ground.x() > -d && ground.x() < dims.length_m + d && ground.y() > -d &&
         ground.y() < dims.width_m + d + kNearGrassBeyondBoardsM;
}

// Grass at a ground point seen through `pixel`: stripes, texture, and the
// markings anti-aliased by their coverage of the pixel's ground footprint.
cv::Vec3d GrassColor(const Eigen::Vector2d& ground, const Eigen::Vector2d& pixel, const geometry::Camera& camera,
                     const geometry::PitchDims& dims, const GroundTextures& t) {
  const double x = ground.x(), z = ground.y();
  const bool on_pitch = x >= 0 && x <= dims.length_m && z >= 0 && z <= dims.width_m;
  const int stripe = static_cast<int>(std::floor(x / kStripeWidthM));
  double shade = on_pitch ? (stripe % 2 == 0 ? kStripeShadeLight : kStripeShadeDark) : kOffPitchShade;
  auto cell = [](double coordinate, double cell_m, int side) {
    return static_cast<int>(std::floor(coordinate / cell_m)) & (side - 1);
  };
  shade *= 1.0 + kBladeContrast * t.blades.at<float>(cell(z, kBladeCellM, kBladeTextureSide),
                                                     cell(x, kBladeCellM, kBladeTextureSide)) +
           kWearContrast * t.wear.at<float>(cell(z, kWearCellM, kWearTextureSide), cell(x, kWearCellM, kWearTextureSide));
  const cv::Vec3d grass = kGrassBgr * shade;
  const auto next = camera.GroundFromPixel(pixel + Eigen::Vector2d(1, 1));
  const double footprint = next ? std::max(kMinFootprintM, (*next - ground).norm() / std::sqrt(2.0)) : kNoFootprintM;
  const double coverage =
      std::clamp((kMarkingHalfWidthM + 0.5 * footprint - MarkingDistance(x, z, dims)) / footprint, 0.0, 1.0);
  return grass * (1 - coverage) + kMarkingBgr * coverage;
}

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
  Rng rng(seed);
  const GroundTextures textures = MakeGroundTextures(rng, w, h);
  const Eigen::Vector3d center = camera_.center_in_pitch();
  background_.create(h, w, CV_8UC3);
  cv::parallel_for_(cv::Range(0, h), [&](const cv::Range& rows) {
    for (int v = rows.start; v < rows.end; ++v) {
      for (int u = 0; u < w; ++u) {
        const Eigen::Vector2d pixel(u, v);
        const Eigen::Vector3d ray = camera_.RayInPitchFromPixel(pixel);
        const auto ground = geometry::IntersectGround(center, ray);
        cv::Vec3d color;
        if (auto board = BoardColor(center, ray, pitch_)) {
          color = *board;
        } else if (ground && InsideBoards(*ground, pitch_)) {
          color = GrassColor(*ground, pixel, camera_, pitch_, textures);
        } else {
          color = ToVec3d(textures.crowd.at<cv::Vec3b>(v, u)) *
                  (ground ? kStandsBelowHorizonDim : kStandsAboveHorizonDim);
        }
        // Vignetting: brightness falls off towards the corners.
        const double ru = (u - 0.5 * w) / (0.5 * w), rv = (v - 0.5 * h) / (0.5 * h);
        color *= 1.0 - options_.vignetting * kVignettingFalloff * (ru * ru + rv * rv);
        background_.at<cv::Vec3b>(v, u) = cv::Vec3b(cv::saturate_cast<uchar>(color[0]),
                                                     cv::saturate_cast<uchar>(color[1]),
                                                     cv::saturate_cast<uchar>(color[2]));
      }
    }
  });
  DrawGoals();
}

void CameraRenderer::DrawGoals() {
  const double W = pitch_.width_m;
  for (double goal_x : {0.0, pitch_.length_m}) {
    const double outward = goal_x == 0 ? -1 : 1;  // the net extends behind the goal line
    const Eigen::Vector3d left_post(goal_x, 0, W / 2 - pitch::kGoalHalfWidthM);
    const Eigen::Vector3d right_post(goal_x, 0, W / 2 + pitch::kGoalHalfWidthM);
    const Eigen::Vector3d crossbar(0, pitch::kGoalHeightM, 0), back(outward * pitch::kGoalNetDepthM, 0, 0);
    const Eigen::Vector3d net_top = back + crossbar * kNetBackHeightFraction;
    const std::pair<Eigen::Vector3d, Eigen::Vector3d> net[] = {
        {left_post + back, left_post + net_top},      {right_post + back, right_post + net_top},
        {left_post + net_top, right_post + net_top},  {left_post + crossbar, left_post + net_top},
        {right_post + crossbar, right_post + net_top}};
    const std::pair<Eigen::Vector3d, Eigen::Vector3d> frame[] = {
        {left_post, left_post + crossbar}, {right_post, right_post + crossbar},
        {left_post + crossbar, right_post + crossbar}};
    for (const auto& [a, b] : net) {
      cv::Point2d pa, pb;
      if (Project(a, &pa) && Project(b, &pb)) DrawLine(pa, pb, 1, kGoalNetBgr, &background_);
    }
    for (const auto& [a, b] : frame) {
      // Thickness: the projected post width at the start of the bar.
      cv::Point2d pa, pb, pw;
      if (!Project(a, &pa) || !Project(b, &pb) || !Project(a + Eigen::Vector3d(0, 0, pitch::kGoalPostWidthM), &pw)) {
        continue;
      }
      DrawLine(pa, pb, cv::norm(pw - pa), kGoalFrameBgr, &background_);
    }
  }
}

bool CameraRenderer::Project(const Eigen::Vector3d& point, cv::Point2d* pixel) const {
  return ProjectToPixel(camera_, point, pixel);
}

const cv::Mat& CameraRenderer::NumberMask(int jersey) {
  auto it = number_masks_.find(jersey);
  if (it != number_masks_.end()) return it->second;
  const std::string text = std::to_string(jersey);
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, kGlyphFont, kGlyphFontScale, kGlyphThickness, &baseline);
  cv::Mat glyph(size.height + baseline + 2 * kGlyphPaddingPx, size.width + 2 * kGlyphPaddingPx, CV_8UC1,
                cv::Scalar(0));
  cv::putText(glyph, text, cv::Point(kGlyphPaddingPx, size.height + kGlyphPaddingPx), kGlyphFont, kGlyphFontScale,
              cv::Scalar(255), kGlyphThickness, cv::LINE_AA);
  // Squeeze wide numbers to the mask, stretch all to the glyph height, centre.
  const double squeeze = std::min(1.0, static_cast<double>(kGlyphMaxWidthPx) / size.width);
  cv::Mat scaled;
  cv::resize(glyph, scaled, cv::Size(std::max(1, cvRound(glyph.cols * squeeze)), kGlyphHeightPx), 0, 0,
             cv::INTER_AREA);
  cv::Mat mask(kNumberMaskHeightPx, kNumberMaskWidthPx, CV_8UC1, cv::Scalar(0));
  const int x0 = (mask.cols - scaled.cols) / 2;
  scaled.copyTo(mask(cv::Rect(std::max(0, x0), kGlyphTopPx, std::min(scaled.cols, mask.cols), scaled.rows)));
  return number_masks_.emplace(jersey, mask).first->second;
}

void CameraRenderer::DrawNumber(int jersey, const cv::Vec3b& color, const Eigen::Vector3d& c,
                                const Eigen::Vector3d& text_right, const Eigen::Vector3d& text_up,
                                double width_m, double height_m, cv::Mat* img) {
  const Eigen::Vector3d hr = text_right * (0.5 * width_m), hu = text_up * (0.5 * height_m);
  cv::Point2d q[4];
  if (!Project(c - hr + hu, &q[0]) || !Project(c + hr + hu, &q[1]) || !Project(c + hr - hu, &q[2]) ||
      !Project(c - hr - hu, &q[3])) {
    return;
  }
  // A number reaching far outside the image is a close-up of a chest: skip it
  // rather than warp from coordinates OpenCV cannot hold.
  const cv::Rect2d guard = GuardArea(*img);
  for (const auto& p : q) {
    if (!Inside(p, guard)) return;
  }
  std::vector<cv::Point2f> corners(q, q + 4);
  const cv::Rect box = cv::boundingRect(corners);
  if (box.height < kMinNumberHeightPx || box.width < kMinNumberWidthPx) return;
  const cv::Rect clipped = box & cv::Rect(0, 0, img->cols, img->rows);
  if (clipped.empty() || std::abs(cv::contourArea(corners)) < 1.0) return;  // degenerate: seen edge-on
  const cv::Mat& mask = NumberMask(jersey);
  cv::Point2f src[4] = {{0, 0}, {float(mask.cols), 0}, {float(mask.cols), float(mask.rows)}, {0, float(mask.rows)}};
  cv::Point2f dst[4];
  for (int k = 0; k < 4; ++k) dst[k] = corners[k] - cv::Point2f(float(clipped.x), float(clipped.y));
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
  // A tapered quad on the ground pointing away from the sun, as long as the
  // object's height / tan(sun elevation).
  const double azimuth = DegToRad(options_.sun_azimuth_deg);
  const double length = height_m / std::tan(DegToRad(options_.sun_elevation_deg));
  const Eigen::Vector3d away(-std::cos(azimuth), 0, -std::sin(azimuth)), side(-away.z(), 0, away.x());
  const Eigen::Vector3d ground(base.x(), 0, base.z());
  const double tip_radius = radius_m * kShadowTipWidthFraction;
  const Eigen::Vector3d corners[4] = {ground - side * radius_m, ground + side * radius_m,
                                      ground + away * length + side * tip_radius,
                                      ground + away * length - side * tip_radius};
  std::vector<cv::Point2d> quad(4);
  for (int k = 0; k < 4; ++k) {
    if (!Project(corners[k], &quad[k])) return;
  }
  // Coverage mask over the shadow's bounding box in the image, then darken.
  std::vector<cv::Point2f> clipped;
  for (const auto& p : ClipConvexPolygon(quad, GuardArea(*img))) clipped.emplace_back(p);
  if (clipped.size() < 3) return;
  const cv::Rect box = cv::boundingRect(clipped) & cv::Rect(0, 0, img->cols, img->rows);
  if (box.empty()) return;
  cv::Mat mask(box.size(), CV_8UC1, cv::Scalar(0));
  FillConvex(quad, cv::Scalar(255), &mask, cv::Point2d(box.x, box.y));
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

namespace {

// Paints one person's body parts: strokes and discs sized in metres at the
// person's distance (px_per_m), skipping parts behind the lens.
class BodyPainter {
 public:
  BodyPainter(const geometry::Camera& camera, double px_per_m, cv::Mat* img)
      : camera_(camera), px_per_m_(px_per_m), img_(img) {}

  void Limb(const Eigen::Vector3d& a, const Eigen::Vector3d& b, double diameter_m, const cv::Vec3b& color) {
    cv::Point2d p, q;
    if (!ProjectToPixel(camera_, a, &p) || !ProjectToPixel(camera_, b, &q)) return;
    DrawLine(p, q, diameter_m * px_per_m_, ToScalar(color), img_);
  }
  void Disc(const Eigen::Vector3d& center, double radius_m, const cv::Vec3b& color) {
    cv::Point2d p;
    if (!ProjectToPixel(camera_, center, &p)) return;
    DrawDisc(p, radius_m * px_per_m_, ToScalar(color), img_);
  }
  // A flat convex patch (the torso's front / back); false when a corner is behind the lens.
  bool Patch(std::initializer_list<Eigen::Vector3d> corners, const cv::Vec3b& color) {
    std::vector<cv::Point2d> polygon;
    for (const auto& corner : corners) {
      cv::Point2d p;
      if (!ProjectToPixel(camera_, corner, &p)) return false;
      polygon.push_back(p);
    }
    FillConvex(polygon, ToScalar(color), img_);
    return true;
  }

 private:
  const geometry::Camera& camera_;
  double px_per_m_;
  cv::Mat* img_;
};

// The kit colours of a person, shaded for how squarely they face the camera.
struct KitColors {
  cv::Vec3b shirt, shorts, skin, socks, sleeve, hair;
};

KitColors ShadedKit(const Appearance& look, double facing_camera) {
  const double shade = kSideOnShade + (1 - kSideOnShade) * std::abs(facing_camera);
  KitColors k;
  k.shirt = Scale(look.shirt, shade);
  k.shorts = Scale(look.shorts, shade);
  k.skin = Scale(look.skin, shade);
  k.socks = Scale(look.socks, shade);
  k.sleeve = look.long_sleeves ? k.shirt : k.skin;
  k.hair = look.hair;
  return k;
}

void PaintLeg(const BodyPose& pose, bool left, const KitColors& kit, BodyPainter* painter) {
  const Eigen::Vector3d& hip = left ? pose.hip_left : pose.hip_right;
  const Eigen::Vector3d& knee = left ? pose.knee_left : pose.knee_right;
  const Eigen::Vector3d& ankle = left ? pose.ankle_left : pose.ankle_right;
  const Eigen::Vector3d& toe = left ? pose.toe_left : pose.toe_right;
  painter->Limb(hip, knee, pose.thigh_m, kit.skin);
  painter->Limb(hip, hip + kShortsThighFraction * (knee - hip), pose.thigh_m * kShortsWidthFactor, kit.shorts);
  painter->Limb(knee + kSockStartFraction * (ankle - knee), ankle, pose.shin_m, kit.socks);
  painter->Limb(ankle, toe, pose.shin_m * kShoeWidthFactor, kShoeBgr);
}

void PaintArm(const BodyPose& pose, bool left, const KitColors& kit, BodyPainter* painter) {
  const Eigen::Vector3d& shoulder = left ? pose.shoulder_left : pose.shoulder_right;
  const Eigen::Vector3d& elbow = left ? pose.elbow_left : pose.elbow_right;
  const Eigen::Vector3d& hand = left ? pose.hand_left : pose.hand_right;
  painter->Limb(shoulder, elbow, pose.upper_arm_m, kit.shirt);
  painter->Limb(elbow, hand, pose.forearm_m, kit.sleeve);
  painter->Disc(hand, pose.forearm_m * kHandRadiusFactor, kit.skin);
}

// Neck and head; the hair covers the back of the head, which faces the camera
// when the person faces away from it.
void PaintHead(const BodyPose& pose, double facing_camera, const KitColors& kit, BodyPainter* painter) {
  painter->Limb(pose.neck, pose.head_center, pose.head_radius_m * kNeckWidthFactor, kit.skin);
  const Eigen::Vector3d hair_center =
      pose.head_center + Eigen::Vector3d(0, kHairRaiseM, 0) - pose.forward * kHairBackM;
  const double hair_radius = pose.head_radius_m * kHairRadiusFactor;
  if (facing_camera > 0) painter->Disc(hair_center, hair_radius, kit.hair);
  painter->Disc(pose.head_center, pose.head_radius_m, kit.skin);
  if (facing_camera <= 0) painter->Disc(hair_center, hair_radius, kit.hair);
}

}  // namespace

void CameraRenderer::DrawPerson(const SimPerson& person, const PersonState& state, cv::Mat* img) {
  const Appearance& look = person.look;
  const BodyPose pose =
      ComputePose(state.pos_m, state.facing_rad, state.gait_phase_rad, state.vel_mps.norm(), look.height_m, look.build);
  const Eigen::Vector3d center = camera_.center_in_pitch();
  const Eigen::Vector3d pelvis = 0.5 * (pose.hip_left + pose.hip_right);
  Eigen::Vector3d to_camera = center - pelvis;
  to_camera.y() = 0;
  if (!(to_camera.norm() > 0)) return;  // standing under the lens
  to_camera.normalize();
  // Pixels per metre at this person: project a 1 m horizontal offset.
  cv::Point2d pa, pb;
  const Eigen::Vector3d side(-to_camera.z(), 0, to_camera.x());
  if (!Project(pelvis, &pa) || !Project(pelvis + side, &pb)) return;
  if (pa.x < -kCullMarginPx || pa.y < -kCullMarginPx || pa.x > img->cols + kCullMarginPx ||
      pa.y > img->rows + kCullMarginBelowPx) {
    return;
  }
  BodyPainter painter(camera_, cv::norm(pa - pb), img);
  const double facing_camera = FacingCamera(pose, center);  // +1 facing, -1 back turned
  const KitColors kit = ShadedKit(look, facing_camera);

  // Far side first, so the near limbs cover it.
  const bool left_is_far = (pose.hip_left - center).squaredNorm() > (pose.hip_right - center).squaredNorm();
  PaintArm(pose, left_is_far, kit, &painter);
  PaintLeg(pose, left_is_far, kit, &painter);
  PaintLeg(pose, !left_is_far, kit, &painter);
  // Torso: the front/back quad plus a spine stroke that gives it depth seen side-on.
  const Eigen::Vector3d shoulder_mid = 0.5 * (pose.shoulder_left + pose.shoulder_right);
  painter.Limb(pelvis, shoulder_mid, pose.torso_depth_m, kit.shirt);
  if (!painter.Patch({pose.shoulder_left, pose.shoulder_right, pose.hip_right, pose.hip_left}, kit.shirt)) return;
  painter.Limb(pose.hip_left, pose.hip_right, pose.thigh_m * kWaistWidthFactor, kit.shorts);
  // Jersey numbers: large on the back, small on the chest, on the visible side only.
  if (person.entry.jersey) {
    if (auto n = VisibleNumber(pose, look.height_m, facing_camera)) {
      DrawNumber(*person.entry.jersey, look.number, n->center, n->text_right, n->text_up, n->width_m, n->height_m,
                 img);
    }
  }
  PaintArm(pose, !left_is_far, kit, &painter);
  PaintHead(pose, facing_camera, kit, &painter);
}

void CameraRenderer::DrawBall(const BallState& ball, cv::Mat* img) {
  const Eigen::Vector3d center = geometry::PitchPoint(ball.pos_m, ball.height_m + kBallRadiusM);
  cv::Point2d p, top;
  if (Project(center, &p) && Project(center + Eigen::Vector3d(0, kBallRadiusM, 0), &top)) {
    DrawDisc(p, cv::norm(p - top), kBallBgr, img);
  }
}

void CameraRenderer::DrawScene(const FrameState& state, const std::vector<SimPerson>& people, cv::Mat* img) {
  const Eigen::Vector3d center = camera_.center_in_pitch();
  // Shadows lie on the ground below everybody.
  for (size_t i = 0; i < people.size(); ++i) {
    if (!state.people[i].present) continue;
    DrawShadow(geometry::PitchPoint(state.people[i].pos_m), people[i].look.height_m, kPersonShadowRadiusM, img);
  }
  DrawShadow(geometry::PitchPoint(state.ball.pos_m), 2 * kBallRadiusM, kBallRadiusM, img);
  // Painter's algorithm: far to near; index people.size() is the ball.
  const Eigen::Vector3d ball = geometry::PitchPoint(state.ball.pos_m, state.ball.height_m + kBallRadiusM);
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < people.size(); ++i) {
    if (state.people[i].present) order.emplace_back((geometry::PitchPoint(state.people[i].pos_m) - center).squaredNorm(), i);
  }
  order.emplace_back((ball - center).squaredNorm(), people.size());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [distance, i] : order) {
    if (i < people.size()) {
      DrawPerson(people[i], state.people[i], img);
    } else {
      DrawBall(state.ball, img);
    }
  }
}

double CameraRenderer::LightingGain(double time_s) const {
  const double period = options_.lighting_period_s;
  const double slow = std::sin(2 * kPi * time_s / period + lighting_phase_[0]);
  const double fast = std::sin(2 * kPi * time_s / (kLightingFastPeriodFraction * period) + lighting_phase_[1]);
  return 1.0 + options_.lighting_amplitude * (kLightingSlowWeight * slow + kLightingFastWeight * fast);
}

void CameraRenderer::AddNoise(cv::Mat* bgr) {
  if (noise_positive_.empty()) return;
  const size_t k = noise_counter_++ % noise_positive_.size();
  cv::add(*bgr, noise_positive_[k], *bgr);
  cv::subtract(*bgr, noise_negative_[k], *bgr);
}

void CameraRenderer::Render(const FrameState& state, const std::vector<SimPerson>& people, double time_s,
                            cv::Mat* bgr) {
  background_.copyTo(*bgr);
  DrawScene(state, people, bgr);
  // Lighting: slow brightness change as clouds pass.
  if (options_.lighting_amplitude > 0) bgr->convertTo(*bgr, -1, LightingGain(time_s), 0);
  AddNoise(bgr);
}

}  // namespace ipt::sim
