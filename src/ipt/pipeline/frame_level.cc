#include "ipt/pipeline/frame_level.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <exception>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <optional>
#include <limits>
#include <random>

#include "ipt/pipeline/frame_source.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {

void FrameLevelOptions::Check() const {
  detector.Check();
  encoder.Check();
  crop.Check();
  IPT_CHECK(std::isfinite(max_foot_correction_m) && max_foot_correction_m >= 0 && max_foot_correction_m <= 10,
            "max_foot_correction_m must be in [0, 10]");
  IPT_CHECK(crop.width_px == crop_encoder::kCropWidth && crop.height_px == crop_encoder::kCropHeight,
            "crops must be {}x{} for the crop encoder (got {}x{})", crop_encoder::kCropWidth,
            crop_encoder::kCropHeight, crop.width_px, crop.height_px);
  IPT_CHECK(max_frames >= 0 && max_frames <= limits::kMaxFrames, "max_frames must be in [0, {}], got {}",
            limits::kMaxFrames, max_frames);
}

io::TensorData MakeF32Tensor(const std::string& name, const std::vector<float>& values, std::vector<int64_t> shape) {
  io::TensorData t;
  t.name = name;
  t.dtype = io::DType::kF32;
  t.shape = std::move(shape);
  IPT_ASSERT(t.NumElements() == static_cast<int64_t>(values.size()));
  t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return t;
}

io::TensorData MakeI64Tensor(const std::string& name, const std::vector<int64_t>& values) {
  io::TensorData t;
  t.name = name;
  t.dtype = io::DType::kI64;
  t.shape = {static_cast<int64_t>(values.size())};
  t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t));
  return t;
}

const io::TensorData& RequireTensor(const io::SafetensorsFile& file, const std::string& name, io::DType dtype,
                                    int64_t rows, int64_t width, const std::string& source) {
  const io::TensorData* t = file.Find(name);
  if (!t) throw InputError(source, 0, name, "missing tensor");
  const std::string expected = fmt::format("{}[{}{}]", io::DTypeName(dtype), rows < 0 ? std::string("N") : std::to_string(rows),
                                           width > 0 ? ", " + std::to_string(width) : std::string());
  const bool shape_ok = width > 0 ? t->shape.size() == 2 && t->shape[1] == width : t->shape.size() == 1;
  if (t->dtype != dtype || !shape_ok || (rows >= 0 && t->shape[0] != rows)) {
    std::string shape;
    for (int64_t d : t->shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw InputError(source, 0, name, fmt::format("expected {}, found {}[{}]", expected, io::DTypeName(t->dtype), shape));
  }
  return *t;
}

namespace {

template <typename T>
std::vector<T> CopyValues(const io::TensorData& t) {
  std::vector<T> out(t.bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), t.bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace

io::SafetensorsFile ComputeFrameLayer(const io::MatchDir& match, detector::Detector& detector,
                                      crop_encoder::CropEncoder& encoder, const FrameLevelOptions& options,
                                      FrameLevelTimings* timings, const ProgressFn& progress) {
  options.Check();
  Stopwatch total;
  geometry::Panorama panorama(match.info.MakeRig(), match.info.panorama);
  std::vector<geometry::Camera> cameras;
  for (const auto& c : match.info.cameras) cameras.push_back(c.camera);
  FrameSource source(match, panorama, options.max_frames);

  std::vector<int64_t> frame_of_row;
  std::vector<float> feet, refined_feet, scores;
  std::map<std::string, std::vector<float>> fields;
  for (const auto& [name, width] : crop_encoder::CropFieldWidths()) fields[name];
  FrameLevelTimings t;
  StitchedFrame frame;
  while (source.Next(&frame)) {
    Stopwatch watch;
    const std::vector<detector::Detection> detections = options.detections_override
                                                            ? options.detections_override(frame.frame)
                                                            : detector.Detect(frame.panorama, panorama);
    t.detector_s += watch.Seconds();

    watch = Stopwatch();
    // Crops are independent: cut on OpenCV's thread pool (both cores: LibTorch is idle
    // here), then gathered in detection order.
    std::vector<std::optional<geometry::CropView>> views(detections.size());
    std::vector<cv::Mat> cut(detections.size());
    std::exception_ptr error;
    std::mutex error_mu;
    cv::parallel_for_(cv::Range(0, static_cast<int>(detections.size())), [&](const cv::Range& range) {
      for (int i = range.start; i < range.end; ++i) {
        try {
          views[i] = geometry::MakeCropView(cameras, detections[i].foot_in_pitch_m, options.crop);
          if (!views[i]) continue;
          const cv::Mat& source_bgr = views[i]->camera_index == 0 ? frame.left : frame.right;
          cut[i] = geometry::CutCrop(source_bgr, cameras[views[i]->camera_index], *views[i], options.crop);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (!error) error = std::current_exception();
        }
      }
    });
    if (error) std::rethrow_exception(error);
    std::vector<cv::Mat> crops;
    std::vector<const detector::Detection*> kept;
    std::vector<Eigen::Matrix2d> ground_axes;
    crops.reserve(detections.size());
    for (size_t i = 0; i < detections.size(); ++i) {
      if (!views[i]) {
        ++t.dropped_detections;
        continue;
      }
      crops.push_back(std::move(cut[i]));
      kept.push_back(&detections[i]);
      ground_axes.push_back(geometry::CropGroundAxes(*views[i]));
    }
    t.crops_s += watch.Seconds();

    watch = Stopwatch();
    const crop_encoder::CropFeatures features = encoder.Encode(crops);  // one batch per frame
    t.encoder_s += watch.Seconds();
    IPT_ASSERT(features.count == static_cast<int64_t>(kept.size()));
    for (size_t k = 0; k < kept.size(); ++k) {
      const detector::Detection* d = kept[k];
      frame_of_row.push_back(frame.frame);
      feet.push_back(static_cast<float>(d->foot_in_pitch_m.x()));
      feet.push_back(static_cast<float>(d->foot_in_pitch_m.y()));
      scores.push_back(static_cast<float>(d->score));
      // The crop encoder's foot offset, from the crop's ground axes to the pitch.
      const float* offset = features.Row(crop_encoder::kFootOffsetField, static_cast<int64_t>(k));
      Eigen::Vector2d correction = ground_axes[k] * Eigen::Vector2d(offset[0], offset[1]);
      if (correction.norm() > options.max_foot_correction_m) correction *= options.max_foot_correction_m / correction.norm();
      const Eigen::Vector2d refined = d->foot_in_pitch_m + correction;
      refined_feet.push_back(static_cast<float>(refined.x()));
      refined_feet.push_back(static_cast<float>(refined.y()));
    }
    for (auto& [name, values] : fields) {
      const auto& produced = features.fields.at(name);  // every field, by name
      values.insert(values.end(), produced.begin(), produced.end());
    }
    if (progress) progress(frame.frame, source.frame_count());
  }
  t.frames = source.frame_count();
  t.detections = static_cast<int64_t>(frame_of_row.size());
  t.decode_stitch_s = source.decode_seconds();
  t.total_s = total.Seconds();
  if (t.dropped_detections > 0) {
    spdlog::info("{}: dropped {} of {} detections that no camera sees (no crop)", match.dir.string(),
                 t.dropped_detections, t.dropped_detections + t.detections);
  }

  const int64_t n = t.detections;
  io::SafetensorsFile file;
  file.tensors.push_back(MakeI64Tensor(kFrameField, frame_of_row));
  file.tensors.push_back(MakeF32Tensor(kFootPointsField, feet, {n, 2}));
  file.tensors.push_back(MakeF32Tensor(kRefinedFootPointsField, refined_feet, {n, 2}));
  file.tensors.push_back(MakeF32Tensor(kScoreField, scores, {n}));
  for (const auto& [name, values] : fields) {
    file.tensors.push_back(MakeF32Tensor(name, values, {n, crop_encoder::CropFieldWidths().at(name)}));
  }
  file.metadata = {{"format", kFrameLayerFormat},
                   {"frames", std::to_string(t.frames)},
                   {"dropped_detections", std::to_string(t.dropped_detections)}};
  if (timings) *timings = t;
  return file;
}

const float* FrameLayer::Row(const std::string& crop_field, int64_t i) const {
  auto it = crop_fields.find(crop_field);
  IPT_CHECK(it != crop_fields.end(), "the frame layer holds no field '{}'", crop_field);
  IPT_ASSERT(i >= 0 && i < rows);
  return it->second.data() + i * crop_encoder::CropFieldWidths().at(crop_field);
}

FrameLayer ReadFrameLayer(const io::SafetensorsFile& file, const std::string& source) {
  auto meta = [&](const std::string& key) {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw InputError(source, 0, "__metadata__." + key, "missing");
    return it->second;
  };
  if (meta("format") != kFrameLayerFormat) {
    throw InputError(source, 0, "__metadata__.format", "'" + Echo(meta("format")) + "' is not " + kFrameLayerFormat);
  }
  FrameLayer layer;
  try {
    size_t used = 0;
    const std::string frames = meta("frames");
    layer.frames = std::stoi(frames, &used);
    if (used != frames.size() || layer.frames < 0 || layer.frames > limits::kMaxFrames) throw std::out_of_range("");
  } catch (const std::logic_error&) {
    throw InputError(source, 0, "__metadata__.frames", "must be a frame count in [0, " + std::to_string(limits::kMaxFrames) + "]");
  }
  const io::TensorData& frame = RequireTensor(file, kFrameField, io::DType::kI64, -1, 0, source);
  layer.rows = frame.shape[0];
  layer.frame = CopyValues<int64_t>(frame);
  layer.foot_points_m = CopyValues<float>(RequireTensor(file, kFootPointsField, io::DType::kF32, layer.rows, 2, source));
  layer.refined_foot_points_m =
      CopyValues<float>(RequireTensor(file, kRefinedFootPointsField, io::DType::kF32, layer.rows, 2, source));
  layer.score = CopyValues<float>(RequireTensor(file, kScoreField, io::DType::kF32, layer.rows, 0, source));
  for (const auto& [name, width] : crop_encoder::CropFieldWidths()) {
    layer.crop_fields[name] = CopyValues<float>(RequireTensor(file, name, io::DType::kF32, layer.rows, width, source));
  }
  for (int64_t i = 0; i < layer.rows; ++i) {
    if (layer.frame[i] < 1 || layer.frame[i] > layer.frames || (i > 0 && layer.frame[i] < layer.frame[i - 1])) {
      throw InputError(source, 0, kFrameField,
                       fmt::format("row {}: frame {} is outside 1..{} or out of order", i, layer.frame[i], layer.frames));
    }
  }
  return layer;
}

void GroundTruthDetectionOptions::Check() const {
  IPT_CHECK(std::isfinite(noise_m) && noise_m >= 0 && noise_m <= 10, "ground-truth noise must be in [0, 10] m");
  IPT_CHECK(drop_probability >= 0 && drop_probability < 1, "ground-truth drop probability must be in [0, 1)");
}

std::function<std::vector<detector::Detection>(int frame)> GroundTruthDetections(
    const std::vector<io::Annotation>& annotations, const GroundTruthDetectionOptions& options) {
  options.Check();
  auto by_frame = std::make_shared<std::map<int, std::vector<Eigen::Vector2d>>>();
  for (const auto& a : annotations) {
    if (a.in_view) (*by_frame)[a.frame].emplace_back(a.x_m, a.z_m);
  }
  return [by_frame, options](int frame) {
    std::vector<detector::Detection> out;
    auto it = by_frame->find(frame);
    if (it == by_frame->end()) return out;
    std::mt19937_64 rng(options.seed * 1000003 + static_cast<uint64_t>(frame));
    std::normal_distribution<double> noise(0, options.noise_m);
    std::bernoulli_distribution drop(options.drop_probability);
    for (const Eigen::Vector2d& p : it->second) {
      const bool dropped = drop(rng);
      const Eigen::Vector2d offset(noise(rng), noise(rng));  // drawn either way: stable streams
      if (dropped) continue;
      detector::Detection d;
      d.foot_in_pitch_m = p + offset;
      d.panorama_px = Eigen::Vector2d::Constant(std::numeric_limits<double>::quiet_NaN());  // not found in a panorama
      d.score = 1.0;
      out.push_back(d);
    }
    return out;
  };
}

io::SafetensorsFile ProduceFrameLayer(const store::LayerInputs& inputs) {
  const io::MatchDir match = io::OpenMatchDir(inputs.match_dir);
  const registry::ModelStore models(inputs.model_store.empty() ? registry::DefaultModelStoreRoot() : inputs.model_store);
  auto package = [&](const std::string& model) {
    auto it = inputs.refs.find(model);
    IPT_CHECK(it != inputs.refs.end(), "the collection names no {}, needed for the frame layer", model);
    return models.PackageDir(models.Resolve(it->second));
  };
  detector::Detector detector(package("detector"));
  crop_encoder::CropEncoder encoder(package("crop_encoder"));
  FrameLevelOptions options;
  options.max_frames = inputs.max_frames;
  FrameLevelTimings t;
  io::SafetensorsFile file = ComputeFrameLayer(match, detector, encoder, options, &t, inputs.progress);
  if (inputs.stage_seconds) {
    auto& s = *inputs.stage_seconds;
    s[kDecodeStitchStage] += t.decode_stitch_s;
    s[kDetectorStage] += t.detector_s;
    s[kCropsStage] += t.crops_s;
    s[kEncoderStage] += t.encoder_s;
  }
  return file;
}

}  // namespace ipt::pipeline
