// Jersey numbers: where they are printed on a shirt (the renderer draws them
// there, renderer.h) and how legible they are from a camera, the ground-truth
// labels number_side / number_px / legibility of annotations.csv (io/annotations.h)
// that the jersey-number reader is trained on.
//
// Numbers are large on the back and small on the chest. A camera sees the back
// number when the person turns their back to it and the front number when they
// face it; edge-on it sees neither. Angles are horizontal: between the body's
// facing direction and the direction from the pelvis to the camera.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <optional>

#include "ipt/geometry/camera.h"
#include "ipt/io/annotations.h"
#include "ipt/sim/body.h"
#include "ipt/sim/motion.h"
#include "ipt/sim/people.h"

namespace ipt::sim {

// Printed numbers, sized for a person of kNumberReferenceHeightM and scaled with height.
constexpr double kNumberReferenceHeightM = 1.8;
constexpr double kBackNumberWidthM = 0.26, kBackNumberHeightM = 0.27;
constexpr double kBackNumberRaiseM = 0.04;  // above the middle of the torso
constexpr double kFrontNumberSizeM = 0.11;  // square
constexpr double kFrontNumberDropM = 0.13;  // below the shoulders
// A number is drawn only when |cos(angle from square-on)| exceeds this (not edge-on) ...
constexpr double kNumberMinFacing = 0.05;
// ... and when its bounding box in the image is at least this large: smaller is a blur.
constexpr int kMinNumberHeightPx = 3, kMinNumberWidthPx = 2;

// Labels. Chosen by looking at 128x256 crops of rendered matches (`ipt show --crops`)
// from the default rig (1280x720 fisheye) next to their labels:
// - Beyond 60 degrees from square-on the number is squeezed to less than half its width
//   and its digits merge: `side`, legibility none.
constexpr double kSideOnMinAngleDeg = 60.0;
// - Legible: the number faces the camera within 45 degrees (digits at least 70 % of their
//   width), is at least 9 source pixels tall after the cosine (7 for one digit), and less
//   than 30 % of it is hidden by people in front (more hides a digit). In the crops, two
//   digits (each squeezed to under half the height in width) read as 20, 35 or 3D for
//   "30" at 6-7 px, still mix 3/5 and 6/8 at 8 px, and read from 9 px, also with noise
//   sigma 6. A single digit is printed twice as wide: "4" is 4 from 7 px, 1 or L below.
constexpr double kLegibleMaxAngleDeg = 45.0;
constexpr double kLegibleMinNumberPx = 9.0;
constexpr double kLegibleMinSingleDigitPx = 7.0;
constexpr double kLegibleMaxOccluded = 0.3;
// - Partial: not side-on, drawn at least 3 source pixels tall after the cosine (the
//   renderer's smallest number: a blob of the number's colour, its rough shape and digit
//   count at best), less than 70 % of it hidden.
constexpr double kPartialMinNumberPx = 3.0;
constexpr double kPartialMaxOccluded = 0.7;

// A number printed on a shirt: a flat rectangle (pitch frame, metres).
struct PrintedNumber {
  io::NumberSide side = io::NumberSide::kBack;  // kBack or kFront
  Eigen::Vector3d center{0, 0, 0};
  Eigen::Vector3d text_right{1, 0, 0}, text_up{0, 1, 0};  // unit; the text's reading directions
  double width_m = 0, height_m = 0;
};

// cos of the horizontal angle between the body's facing and the direction from
// its pelvis to `camera_center`: +1 facing the camera, -1 back turned, 0 side-on
// (also 0 for a camera straight above the pelvis).
double FacingCamera(const BodyPose& pose, const Eigen::Vector3d& camera_center);

// The number a camera with this facing sees: the back number when facing_camera <
// -kNumberMinFacing, the front one when > kNumberMinFacing, nullopt edge-on.
std::optional<PrintedNumber> VisibleNumber(const BodyPose& pose, double height_m, double facing_camera);

struct NumberLabel {
  io::NumberSide side = io::NumberSide::kNone;
  double number_px = 0;
  io::Legibility legibility = io::Legibility::kNone;
};

// Fraction (0..1) of a printed number hidden by people nearer the camera.
using NumberOcclusionFn = std::function<double(const PrintedNumber&)>;

// The labels of one person in a frame, seen from `source` (the crop's camera);
// `number_occluded` gives the hidden fraction of the visible number (nullptr: none
// hidden). People without a jersey get {kNone, 0, kNone}.
//   angle     = acos(|FacingCamera|), degrees from square-on
//   side      = back / front by the sign of FacingCamera; side when angle > kSideOnMinAngleDeg
//   number_px = (distance in pixels between the projections of the top and bottom
//               centres of the visible number) * |FacingCamera|; 0 when VisibleNumber
//               is nullopt, a corner does not project, its centre lies outside the
//               image, or its bounding box is below kMinNumberHeightPx x kMinNumberWidthPx
//   hidden    = number_occluded(visible number), 1 when no number is drawn
//   legible   : side != side, angle <= kLegibleMaxAngleDeg, hidden < kLegibleMaxOccluded,
//               number_px >= kLegibleMinNumberPx (jerseys 10..99) or kLegibleMinSingleDigitPx (0..9)
//   partial   : otherwise side != side, number_px >= kPartialMinNumberPx, hidden < kPartialMaxOccluded
NumberLabel LabelNumber(const SimPerson& person, const PersonState& state, const geometry::Camera& source,
                        const NumberOcclusionFn& number_occluded = nullptr);
// The smallest legible number_px for a jersey number (one or two digits).
double LegibleMinNumberPx(int jersey);

}  // namespace ipt::sim
