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

namespace {

// Throws InputError naming `source` and tensor `name` unless its dtype is `dtype` and its
// shape [rows] (width 0) or [rows, width] (rows -1: any).
void CheckTensorShape(const std::string& name, io::DType found_dtype, const std::vector<int64_t>& shape,
                      io::DType dtype, int64_t rows, int64_t width, const std::string& source) {
  const std::string expected = fmt::format("{}[{}{}]", io::DTypeName(dtype), rows < 0 ? std::string("N") : std::to_string(rows),
                                           width > 0 ? ", " + std::to_string(width) : std::string());
  const bool shape_ok = width > 0 ? shape.size() == 2 && shape[1] == width : shape.size() == 1;
  if (found_dtype != dtype || !shape_ok || (rows >= 0 && shape[0] != rows)) {
    std::string found;
    for (int64_t d : shape) found += (found.empty() ? "" : ", ") + std::to_string(d);
    throw InputError(source, 0, name, fmt::format("expected {}, found {}[{}]", expected, io::DTypeName(found_dtype), found));
  }
}

template <typename T>
std::vector<T> CopyValues(const io::TensorData& t) {
  std::vector<T> out(t.bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), t.bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace

// The tensor `name` of a file read piece by piece, checked as RequireTensor does (an
// overload beside the header's, so that ReadFrameLayerIndex reads either kind of file).
static const io::TensorInfo& RequireTensor(const io::SafetensorsReader& file, const std::string& name, io::DType dtype,
                                    int64_t rows, int64_t width, const std::string& source) {
  const io::TensorInfo* t = file.Find(name);
  if (!t) throw InputError(source, 0, name, "missing tensor");
  CheckTensorShape(name, t->dtype, t->shape, dtype, rows, width, source);
  return *t;
}

namespace {

template <typename T>
std::vector<T> CopyValues(const io::SafetensorsReader& file, const io::TensorInfo& t) {
  std::vector<T> out((t.end - t.begin) / sizeof(T));
  file.Read(t, 0, out.size() * sizeof(T), out.data());
  return out;
}

// The frame layer's metadata and per-row vectors (all but the crop fields), from a
// SafetensorsFile or a SafetensorsReader; the crop fields' shapes are checked.
template <typename File>
FrameLayer ReadFrameLayerIndex(const File& file, const std::map<std::string, std::string>& metadata,
                               const std::string& source) {
  auto meta = [&](const std::string& key) {
    auto it = metadata.find(key);
    if (it == metadata.end()) throw InputError(source, 0, "__metadata__." + key, "missing");
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
  auto values = [&](const auto& tensor, auto type_tag) {
    using T = decltype(type_tag);
    if constexpr (std::is_same_v<File, io::SafetensorsFile>) {
      return CopyValues<T>(tensor);
    } else {
      return CopyValues<T>(file, tensor);
    }
  };
  const auto& frame = RequireTensor(file, kFrameField, io::DType::kI64, -1, 0, source);
  layer.rows = frame.shape[0];
  layer.frame = values(frame, int64_t{});
  layer.foot_points_m = values(RequireTensor(file, kFootPointsField, io::DType::kF32, layer.rows, 2, source), float{});
  layer.refined_foot_points_m =
      values(RequireTensor(file, kRefinedFootPointsField, io::DType::kF32, layer.rows, 2, source), float{});
  layer.score = values(RequireTensor(file, kScoreField, io::DType::kF32, layer.rows, 0, source), float{});
  for (const auto& [name, width] : crop_encoder::CropFieldWidths()) {
    RequireTensor(file, name, io::DType::kF32, layer.rows, width, source);
  }
  for (int64_t i = 0; i < layer.rows; ++i) {
    if (layer.frame[i] < 1 || layer.frame[i] > layer.frames || (i > 0 && layer.frame[i] < layer.frame[i - 1])) {
      throw InputError(source, 0, kFrameField,
                       fmt::format("row {}: frame {} is outside 1..{} or out of order", i, layer.frame[i], layer.frames));
    }
  }
  return layer;
}

}  // namespace

const io::TensorData& RequireTensor(const io::SafetensorsFile& file, const std::string& name, io::DType dtype,
                                    int64_t rows, int64_t width, const std::string& source) {
  const io::TensorData* t = file.Find(name);
  if (!t) throw InputError(source, 0, name, "missing tensor");
  CheckTensorShape(name, t->dtype, t->shape, dtype, rows, width, source);
  return *t;
}

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

  FrameLayer layer;
  layer.frames = t.frames;
  layer.rows = t.detections;
  layer.frame = std::move(frame_of_row);
  layer.foot_points_m = std::move(feet);
  layer.refined_foot_points_m = std::move(refined_feet);
  layer.score = std::move(scores);
  layer.crop_fields = std::move(fields);
  if (timings) *timings = t;
  return FrameLayerFile(std::move(layer), t.dropped_detections);
}

io::SafetensorsFile FrameLayerFile(FrameLayer layer, int64_t dropped_detections) {
  IPT_CHECK(!layer.crop_file, "the frame layer is already in {}", layer.crop_file->path().string());
  const int64_t n = layer.rows;
  io::SafetensorsFile file;
  // Each vector is freed once copied: the layer is held about once, not twice.
  auto add = [&](io::TensorData tensor, auto& values) {
    file.tensors.push_back(std::move(tensor));
    std::decay_t<decltype(values)>().swap(values);
  };
  add(MakeI64Tensor(kFrameField, layer.frame), layer.frame);
  add(MakeF32Tensor(kFootPointsField, layer.foot_points_m, {n, 2}), layer.foot_points_m);
  add(MakeF32Tensor(kRefinedFootPointsField, layer.refined_foot_points_m, {n, 2}), layer.refined_foot_points_m);
  add(MakeF32Tensor(kScoreField, layer.score, {n}), layer.score);
  for (auto& [name, values] : layer.crop_fields) {
    add(MakeF32Tensor(name, values, {n, crop_encoder::CropFieldWidths().at(name)}), values);
  }
  file.metadata = {{"format", kFrameLayerFormat},
                   {"frames", std::to_string(layer.frames)},
                   {"dropped_detections", std::to_string(dropped_detections)}};
  return file;
}

const float* FrameLayer::Row(const std::string& crop_field, int64_t i) const {
  IPT_CHECK(!crop_file, "the frame layer's crop fields are in {}: read them by block (ForEachRowBlock)",
            crop_file->path().string());
  auto it = crop_fields.find(crop_field);
  IPT_CHECK(it != crop_fields.end(), "the frame layer holds no field '{}'", crop_field);
  IPT_ASSERT(i >= 0 && i < rows);
  return it->second.data() + i * crop_encoder::CropFieldWidths().at(crop_field);
}

FrameLayer ReadFrameLayer(const io::SafetensorsFile& file, const std::string& source) {
  FrameLayer layer = ReadFrameLayerIndex(file, file.metadata, source);
  for (const auto& [name, width] : crop_encoder::CropFieldWidths()) {
    layer.crop_fields[name] = CopyValues<float>(*file.Find(name));
  }
  return layer;
}

FrameLayer OpenFrameLayer(const std::filesystem::path& path, const std::string& source) {
  auto file = std::make_shared<const io::SafetensorsReader>(path);
  FrameLayer layer = ReadFrameLayerIndex(*file, file->metadata(), source);
  layer.crop_file = std::move(file);
  return layer;
}

const float* FrameRowBlock::Row(const std::string& crop_field, int64_t row) const {
  auto it = fields_.find(crop_field);
  IPT_CHECK(it != fields_.end(), "the block of rows [{}, {}) holds no field '{}'", begin_, end_, crop_field);
  IPT_ASSERT(row >= begin_ && row < end_);
  return it->second.first + (row - begin_) * it->second.second;
}

FrameRowBlock AllRows(const FrameLayer& layer) {
  IPT_CHECK(!layer.crop_file, "the frame layer's crop fields are in {}: read them by block (ForEachRowBlock)",
            layer.crop_file->path().string());
  FrameRowBlock block;
  block.begin_ = 0;
  block.end_ = layer.rows;
  for (const auto& [name, width] : crop_encoder::CropFieldWidths()) {
    auto it = layer.crop_fields.find(name);
    IPT_CHECK(it != layer.crop_fields.end(), "the frame layer holds no field '{}'", name);
    block.fields_[name] = {it->second.data(), width};
  }
  return block;
}

FrameRowBlock ReadRows(const FrameLayer& layer, const std::vector<std::string>& fields, int64_t begin, int64_t end) {
  IPT_CHECK(0 <= begin && begin <= end && end <= layer.rows, "rows [{}, {}) outside the layer's {}", begin, end,
            layer.rows);
  const std::map<std::string, int>& widths = crop_encoder::CropFieldWidths();
  for (const std::string& f : fields) IPT_CHECK(widths.count(f), "the frame layer holds no field '{}'", f);
  FrameRowBlock block;
  block.begin_ = begin;
  block.end_ = end;
  if (!layer.crop_file) {
    const FrameRowBlock all = AllRows(layer);
    for (const std::string& f : fields) {
      const auto& [base, width] = all.fields_.at(f);
      block.fields_[f] = {base + begin * width, width};
    }
    return block;
  }
  block.owned_.resize(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    const int width = widths.at(fields[i]);
    const io::TensorInfo* t = layer.crop_file->Find(fields[i]);
    IPT_ASSERT(t != nullptr);  // checked by OpenFrameLayer
    std::vector<float>& buffer = block.owned_[i];
    buffer.resize(static_cast<size_t>((end - begin) * width));
    layer.crop_file->Read(*t, static_cast<uint64_t>(begin * width) * sizeof(float), buffer.size() * sizeof(float),
                          buffer.data());
    block.fields_[fields[i]] = {buffer.data(), width};  // a moved vector keeps its buffer
  }
  return block;
}

void ForEachRowBlock(const FrameLayer& layer, const std::vector<std::string>& fields, int64_t block_rows,
                     const std::function<void(const FrameRowBlock&)>& fn) {
  IPT_CHECK(block_rows >= 1, "block_rows must be >= 1, got {}", block_rows);
  for (int64_t begin = 0; begin < layer.rows; begin += block_rows) {
    fn(ReadRows(layer, fields, begin, std::min(layer.rows, begin + block_rows)));
  }
}

const float* SequentialRows::Row(const std::string& crop_field, int64_t row) {
  if (row < block_.begin() || row >= block_.end()) {
    IPT_CHECK(block_rows_ >= 1, "block_rows must be >= 1, got {}", block_rows_);
    IPT_CHECK(row >= block_.end(), "rows must be read in increasing order: row {} after row {}", row, block_.end() - 1);
    block_ = ReadRows(layer_, fields_, row, std::min(layer_.rows, row + block_rows_));
  }
  return block_.Row(crop_field, row);
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
