// The frame level of Path A over a whole match, and the producer of the "frame"
// precompute layer (store/precompute.h):
//
//   FrameSource (decode + stitch, background thread)
//     -> detector on the panorama: foot-points on the pitch with scores
//     -> per detection: geometry::MakeCropView + CutCrop from the source camera frame
//        (left or right; never the panorama), 128 x 256 BGR
//     -> crop encoder, one batch per frame: the named fields of crop_encoder.h
//
// The layer is one safetensors file whose tensors are row-aligned over all detections
// of all frames, in frame order (N rows; read by name, never by position):
//   frame               i64[N]      1-based frame of the detection
//   foot_points_m       f32[N, 2]   (x, z) on the pitch, metres (pitch frame)
//   detection.score     f32[N]      detector confidence in [0, 1]
//   foot_points_refined_m f32[N, 2] foot_points_m + the crop encoder's foot.offset_m turned
//                                   from the crop's ground axes to the pitch (metres)
//   embedding, team.kit, team.role.logits, jn.presence.logits, jn.digits.logits,
//   jn.number.logits    f32[N, W]   the crop encoder's fields (crop_encoder.h, widths there)
// and metadata {format: ipt-frame-layer/1, frames: number of frames processed,
// dropped_detections: detections no camera sees (no crop, not stored)}.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/detector/detector.h"
#include "ipt/geometry/crop.h"
#include "ipt/io/annotations.h"
#include "ipt/io/match_dir.h"
#include "ipt/io/safetensors.h"
#include "ipt/store/precompute.h"
#include "ipt/util/progress.h"

namespace ipt::pipeline {

constexpr const char* kFrameLayerFormat = "ipt-frame-layer/1";
// Tensor names of the frame layer beyond the crop encoder's (the detector's outputs
// are named by the model graph: foot_points_m, detection.score).
inline constexpr const char* kFrameField = "frame";
inline constexpr const char* kFootPointsField = "foot_points_m";
inline constexpr const char* kScoreField = "detection.score";
inline constexpr const char* kRefinedFootPointsField = "foot_points_refined_m";

// Stage names in LayerInputs::stage_seconds and run.json.
inline constexpr const char* kDecodeStitchStage = "decode_stitch";  // background thread, overlapped
inline constexpr const char* kDetectorStage = "detector";
inline constexpr const char* kCropsStage = "crops";
inline constexpr const char* kEncoderStage = "encoder";

struct FrameLevelOptions {
  // Run-time settings of the models. Their defaults are what the frame layer in the
  // store holds (they are not in its key): change them only outside the store.
  detector::DetectorRunOptions detector;
  crop_encoder::CropEncoderRunOptions encoder;
  geometry::CropOptions crop;
  double max_foot_correction_m = 1.0;  // the crop encoder's foot correction is capped at this length
  int max_frames = 0;  // frames 1..max_frames only (0 = all)
  // When set, frame f's detections come from this instead of the detector (evaluation on
  // ground-truth detections, GroundTruthDetections). Such a layer must never be stored
  // under the store's key, which names the detector.
  std::function<std::vector<detector::Detection>(int frame)> detections_override;
  void Check() const;
};

// Ground-truth foot-points as detections (`ipt eval tracker --detections gt`): every
// in-view person of the frame, dropped with drop_probability, moved by Gaussian noise of
// noise_m per axis, with score 1. The same seed and frame give the same detections.
struct GroundTruthDetectionOptions {
  double noise_m = 0.15;           // about the refined detector's median error (docs/models.md)
  double drop_probability = 0.05;  // a twentieth missed, as crowds make the detector miss
  uint64_t seed = 1;
  void Check() const;
};
std::function<std::vector<detector::Detection>(int frame)> GroundTruthDetections(
    const std::vector<io::Annotation>& annotations, const GroundTruthDetectionOptions& options);

struct FrameLevelTimings {
  int frames = 0;
  int64_t detections = 0;          // stored rows
  int64_t dropped_detections = 0;  // no camera sees the foot-point
  double decode_stitch_s = 0;      // background thread (overlaps the rest)
  double detector_s = 0, crops_s = 0, encoder_s = 0;
  double total_s = 0;
};

// Runs the frame level over frames 1..max_frames of `match`; progress counts frames.
io::SafetensorsFile ComputeFrameLayer(const io::MatchDir& match, detector::Detector& detector,
                                      crop_encoder::CropEncoder& encoder, const FrameLevelOptions& options = {},
                                      FrameLevelTimings* timings = nullptr, const ProgressFn& progress = nullptr);

// The frame layer read back, checked: every tensor present by name with N rows and
// its width, frames within 1..frames and non-decreasing. InputError names `source`
// and the tensor.
struct FrameLayer {
  int frames = 0;  // frames processed (metadata), frames with no detection included
  int64_t rows = 0;
  std::vector<int64_t> frame;
  std::vector<float> foot_points_m;  // [rows * 2], the detector's
  std::vector<float> refined_foot_points_m;  // [rows * 2], refined by the crop encoder
  std::vector<float> score;
  // Crop encoder field -> [rows * width], in memory (ReadFrameLayer); empty when the
  // fields stay in `crop_file` (OpenFrameLayer) and are read block by block.
  std::map<std::string, std::vector<float>> crop_fields;
  std::shared_ptr<const io::SafetensorsReader> crop_file;
  // Row i of an in-memory field; throws for an unknown field or a layer read by block.
  const float* Row(const std::string& crop_field, int64_t i) const;
};
FrameLayer ReadFrameLayer(const io::SafetensorsFile& file, const std::string& source);
// The layer as its file (ReadFrameLayer's inverse; the one writer of the format), the
// values moved out field by field; `dropped_detections` goes into the metadata.
io::SafetensorsFile FrameLayerFile(FrameLayer layer, int64_t dropped_detections = 0);
// The per-row vectors of the layer in `path` (frame, foot points, score: ~30 bytes a
// row) read whole, its crop fields (211 floats a row, 2.6 GB for 90 minutes) left in the
// file for ForEachRowBlock. The same checks as ReadFrameLayer.
FrameLayer OpenFrameLayer(const std::filesystem::path& path, const std::string& source);

// Rows a block reads from a frame layer's file (ForEachRowBlock, SequentialRows): ~14 MB
// of crop fields; what the match level and the track level hold of the layer at a time.
inline constexpr int64_t kRowBlockRows = 16384;

// Rows [begin, end) of a frame layer's crop-encoder fields: views into an in-memory
// layer, or the values read from the layer's file (owned).
class FrameRowBlock {
 public:
  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }
  // Row `row` (a row of the layer, in [begin, end)) of a field the block holds.
  const float* Row(const std::string& crop_field, int64_t row) const;

 private:
  friend FrameRowBlock AllRows(const FrameLayer& layer);
  friend FrameRowBlock ReadRows(const FrameLayer&, const std::vector<std::string>&, int64_t, int64_t);
  int64_t begin_ = 0, end_ = 0;
  std::map<std::string, std::pair<const float*, int>> fields_;  // field -> (row begin's values, width)
  std::vector<std::vector<float>> owned_;  // the values read from a file
};
// Every row and field of an in-memory layer, as one block (no copy).
FrameRowBlock AllRows(const FrameLayer& layer);
// Rows [begin, end) of `fields` (crop fields) of either kind of layer.
FrameRowBlock ReadRows(const FrameLayer& layer, const std::vector<std::string>& fields, int64_t begin, int64_t end);
// Calls `fn` on consecutive blocks of at most `block_rows` rows, in row order, covering
// the layer, each holding `fields` (crop fields). A layer read by block holds one block
// in memory at a time; an in-memory one gives views (no copy).
void ForEachRowBlock(const FrameLayer& layer, const std::vector<std::string>& fields, int64_t block_rows,
                     const std::function<void(const FrameRowBlock&)>& fn);

// Rows of a frame layer read in increasing order, `block_rows` at a time (ReadRows):
// for a consumer that walks the rows once (the trackers), in memory bounded by a block.
class SequentialRows {
 public:
  SequentialRows(const FrameLayer& layer, std::vector<std::string> fields, int64_t block_rows)
      : layer_(layer), fields_(std::move(fields)), block_rows_(block_rows) {}
  // Row `row` of `crop_field`, valid until a row past the block is asked for; rows never
  // go back before the current block.
  const float* Row(const std::string& crop_field, int64_t row);

 private:
  const FrameLayer& layer_;
  std::vector<std::string> fields_;
  int64_t block_rows_;
  FrameRowBlock block_;
};

// The "frame" layer producer: loads the collection's detector and crop encoder from
// inputs.model_store and runs ComputeFrameLayer; adds the stage seconds to
// inputs.stage_seconds.
io::SafetensorsFile ProduceFrameLayer(const store::LayerInputs& inputs);

// Tensor helpers shared by the layers (row-major, little-endian as on x86/ARM).
io::TensorData MakeF32Tensor(const std::string& name, const std::vector<float>& values, std::vector<int64_t> shape);
io::TensorData MakeI64Tensor(const std::string& name, const std::vector<int64_t>& values);
// The tensor `name` of `file` with `dtype`, `rows` rows (-1: any) and `width` values per
// row (0: a vector [rows]); InputError naming `source` and the tensor otherwise.
const io::TensorData& RequireTensor(const io::SafetensorsFile& file, const std::string& name, io::DType dtype,
                                    int64_t rows, int64_t width, const std::string& source);

}  // namespace ipt::pipeline
