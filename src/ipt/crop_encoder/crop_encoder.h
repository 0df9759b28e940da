// Model 2 at run time (torch-free header): one backbone, three heads, on the
// 128 x 256 perspective crops cut at foot-points (geometry/crop.h).
//
// Outputs, as named fields (the package records their schema; read by name):
//   embedding            f32[N, 64]   appearance, L2-normalised (cosine = dot product)
//   team.kit             f32[N, 8]    kit embedding, L2-normalised: close for the same kit
//   team.role.logits     f32[N, 4]    player | goalkeeper | referee | none (not a person)
//   jn.presence.logits   f32[N, 3]    jersey number none | partial | legible
//   jn.digits.logits     f32[N, 30]   [0,10): the digit of a one-digit number;
//                                     [10,20): tens and [20,30): units of a two-digit number
//   jn.number.logits     f32[N, 100]  the whole number 0..99
//   foot.offset_m        f32[N, 2]    where the person's foot-point is relative to the crop's
//                                     foot-point, metres, in the crop's ground axes (lateral,
//                                     depth; geometry::CropGroundAxes): refines the detector
// The jersey-number features (`jn`, 133 values) are the three jn.* fields.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ipt/io/annotations.h"
#include "ipt/registry/model_package.h"

namespace ipt::crop_encoder {

enum class Role { kPlayer = 0, kGoalkeeper = 1, kReferee = 2, kNone = 3 };
constexpr int kNumRoles = 4;
constexpr int kEmbeddingDim = 64;
constexpr int kKitDim = 8;
constexpr int kNumPresence = 3;   // io::Legibility: none, partial, legible
constexpr int kNumDigitLogits = 30;
constexpr int kNumNumbers = 100;
constexpr int kFootOffsetDim = 2;

// Field names, defined once.
inline constexpr const char* kEmbeddingField = "embedding";
inline constexpr const char* kKitField = "team.kit";
inline constexpr const char* kRoleField = "team.role.logits";
inline constexpr const char* kPresenceField = "jn.presence.logits";
inline constexpr const char* kDigitsField = "jn.digits.logits";
inline constexpr const char* kNumberField = "jn.number.logits";
inline constexpr const char* kFootOffsetField = "foot.offset_m";

// Named outputs for N crops: field -> row-major [N, width] floats.
struct CropFeatures {
  int64_t count = 0;
  std::map<std::string, std::vector<float>> fields;
  const float* Row(const std::string& field, int64_t i) const;  // throws for an unknown field
  int Width(const std::string& field) const;
};

// Widths of the fields above.
const std::map<std::string, int>& CropFieldWidths();

// The crops the encoder reads: geometry::CropOptions' default size, 1.2 x 2.4 m
// standing on the foot-point, about 107 px per metre.
constexpr int kCropWidth = 128, kCropHeight = 256;

// The body input: the whole crop, 2x area downscaled to 64 x 128.
constexpr int kNetworkInputWidth = 64, kNetworkInputHeight = 128;
// The jersey input (networks with a jersey branch): the crop's rows
// [kJerseyInputTop, kJerseyInputTop + kJerseyInputHeight) at full resolution, i.e.
// 0.75-1.8 m above the foot-point, the whole width. Numbers are printed there
// (sim/jersey_number.h: back 0.27 m tall, ~29 px here); the 2x downscale of the body
// input leaves a digit ~6 px wide, too few for the first stride-2 layer.
constexpr int kJerseyInputTop = 64, kJerseyInputWidth = kCropWidth, kJerseyInputHeight = 112;

// Both inputs of one crop, 8-bit BGR (used by training and run time alike).
struct EncoderInput {
  cv::Mat body;    // kNetworkInputHeight x kNetworkInputWidth
  cv::Mat jersey;  // kJerseyInputHeight x kJerseyInputWidth
};
// Throws ipt::Error unless the crop is 8-bit BGR kCropWidth x kCropHeight.
EncoderInput PrepareCrop(const cv::Mat& crop_bgr);

// The jersey number a crop shows, as probabilities over 0..99 from the named jn
// fields: the digits head read with the number of digits that the whole-number head
// gives (P(one digit) = its mass on 0..9), i.e.
//   P(n) = P1 * softmax(digits[0:10])[n]                                    n < 10
//   P(n) = (1 - P1) * T[n / 10] * softmax(digits[20:30])[n % 10]          n >= 10
// where T is the softmax of digits[11:20] (a two-digit number's tens digit is never 0),
// so that P sums to 1.
// Digits generalise to numbers never seen legible in training, which the 100-way
// head cannot (a number is one player of a few matches).
std::array<float, kNumNumbers> JerseyNumberProbabilities(const float* number_logits, const float* digit_logits);

// Softmax of a field's `n` class logits into `out` (float or double), summed in
// double; the one definition the heads' readers use.
template <typename T>
void Softmax(const float* logits, int n, T* out) {
  const float top = *std::max_element(logits, logits + n);
  double sum = 0;
  for (int k = 0; k < n; ++k) sum += static_cast<double>(out[k] = static_cast<T>(std::exp(static_cast<double>(logits[k] - top))));
  for (int k = 0; k < n; ++k) out[k] = static_cast<T>(out[k] / sum);
}

// P(legible) of a crop from its presence logits (io::Legibility order), as float or
// double: what every reader of the jn outputs weighs a crop's number by.
template <typename T = float>
T LegibleProbability(const float* presence_logits) {
  std::array<T, kNumPresence> presence;
  Softmax(presence_logits, kNumPresence, presence.data());
  return presence[static_cast<int>(io::Legibility::kLegible)];
}

// P(partial) + P(legible): the crop shows some of its number (what the identity
// resolver's pooled reading weighs a crop by, tracking::IdentityTrack::pooled_reading).
template <typename T = float>
T ShownProbability(const float* presence_logits) {
  std::array<T, kNumPresence> presence;
  Softmax(presence_logits, kNumPresence, presence.data());
  return 1 - presence[static_cast<int>(io::Legibility::kNone)];
}

struct CropEncoderRunOptions {
  std::string device = "cpu";
  int batch_size = 64;  // crops per forward pass
  void Check() const;
};

class CropEncoder {
 public:
  // Loads a crop_encoder package; InputError names the file and field when it is
  // not one or its outputs' schema is not the one above.
  CropEncoder(const std::filesystem::path& package_dir, const CropEncoderRunOptions& options = {});
  ~CropEncoder();
  CropEncoder(CropEncoder&&) noexcept;

  const registry::ModelManifest& manifest() const { return manifest_; }
  // Crops: BGR 128 x 256 (W x H), as geometry::CutCrop makes them.
  CropFeatures Encode(const std::vector<cv::Mat>& crops_bgr);
  // The same from prepared inputs (PrepareCrop); `jersey` is read only by networks
  // with a jersey branch.
  CropFeatures EncodeInputs(const std::vector<EncoderInput>& inputs);
  bool has_jersey_branch() const;

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  registry::ModelManifest manifest_;
  CropEncoderRunOptions options_;
};

}  // namespace ipt::crop_encoder
