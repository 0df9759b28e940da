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

#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

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

 private:
  struct Net;
  std::unique_ptr<Net> net_;
  registry::ModelManifest manifest_;
  CropEncoderRunOptions options_;
};

// The network's input from a 128 x 256 crop: a 2x area downscale to 64 x 128
// (used by training and run time alike).
cv::Mat CropToNetworkInput(const cv::Mat& crop_bgr);
constexpr int kNetworkInputWidth = 64, kNetworkInputHeight = 128;

}  // namespace ipt::crop_encoder
