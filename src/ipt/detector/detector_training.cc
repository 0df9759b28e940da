#include "ipt/detector/detector_training.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "ipt/detector/detector.h"
#include "ipt/detector/detector_net.h"
#include "ipt/io/match_dir.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/model_trainer.h"
#include "ipt/nn/parallel.h"
#include "ipt/nn/prefetch_loader.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/nn/trainer.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/random.h"

namespace ipt::detector {
using nn::ParallelFor;
namespace fs = std::filesystem;

void DetectorDataOptions::Check() const {
  IPT_CHECK(frame_step >= 1 && val_frame_step >= 1, "frame steps must be >= 1");
  IPT_CHECK(patch_height >= 32 && patch_height % 32 == 0 && patch_width >= 32 && patch_width % 32 == 0,
            "patch sides must be multiples of 32");
  IPT_CHECK(batch_size >= 1 && batch_size <= 1024, "batch_size must be in [1, 1024]");
  IPT_CHECK(person_centred >= 0 && person_centred <= 1, "person_centred must be in [0, 1]");
  IPT_CHECK(max_brightness >= 0 && max_brightness < 1, "max_brightness must be in [0, 1)");
  IPT_CHECK(max_noise_sigma >= 0 && max_noise_sigma <= 50, "max_noise_sigma must be in [0, 50]");
  IPT_CHECK(jpeg_quality >= 50 && jpeg_quality <= 100, "jpeg_quality must be in [50, 100]");
  IPT_CHECK(loader_threads >= 1 && loader_threads <= 64, "loader_threads must be in [1, 64]");
}

namespace {

std::vector<PanoramaSample> LoadMatch(const std::string& dir, int frame_step, const DetectorDataOptions& options) {
  io::MatchDir match = io::OpenMatchDir(dir);
  IPT_CHECK(match.annotations.has_value(), "{}: training needs annotations.csv", dir);
  geometry::Panorama panorama(match.info.MakeRig(), match.info.panorama);
  DetectionEvalOptions eval_options;
  io::MatchVideos videos(match);
  std::vector<PanoramaSample> out;
  cv::Mat left, right, pano;
  for (int frame = 1; videos.Read(&left, &right); ++frame) {
    if ((frame - 1) % frame_step != 0) continue;
    panorama.Stitch(left, right, &pano);
    PanoramaSample s;
    cv::imencode(".jpg", pano, s.jpeg, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality});
    const auto rows = match.FrameAnnotations(frame);
    for (const auto& a : rows) {
      if (!a.in_view) continue;
      auto px = panorama.PixelFromPitch(Eigen::Vector3d(a.x_m, 0.0, a.z_m));
      if (px && panorama.InImage(*px)) s.feet_px.push_back(*px);
    }
    // Validation truth: the same people the targets hold (in view and in the panorama).
    for (const auto& g : DetectableFeet(rows, eval_options)) {
      auto px = panorama.PixelFromPitch(Eigen::Vector3d(g.foot_in_pitch_m.x(), 0.0, g.foot_in_pitch_m.y()));
      if (px && panorama.InImage(*px)) s.truth.push_back(g);
    }
    out.push_back(std::move(s));
  }
  return out;
}

struct DetectorBatch {
  torch::Tensor images;   // [N, 3, H, W] float
  torch::Tensor heat;     // [N, 1, H/s, W/s]
  torch::Tensor cells;    // [N, K] int64 flat cell index
  torch::Tensor offsets;  // [N, 2, K]
  torch::Tensor mask;     // [N, K] 1 where a point is present
  int64_t points = 0;
};

class DetectorTask : public nn::TrainingTask {
 public:
  DetectorTask(const DetectorNetConfig& net_config, const DetectorDataOptions& data, const HeatmapOptions& heatmap,
               uint64_t seed, std::vector<PanoramaSample> train, std::vector<PanoramaSample> val,
               const std::vector<std::string>& val_matches, int64_t first_step, int workers, torch::Device device)
      : net_(net_config),
        data_(data),
        heatmap_(heatmap),
        seed_(seed),
        train_(std::move(train)),
        val_(std::move(val)),
        device_(device) {
    for (const auto& dir : val_matches) {
      io::MatchDir m = io::OpenMatchDir(dir);
      val_panoramas_.emplace_back(m.info.MakeRig(), m.info.panorama);
    }
    loader_ = std::make_unique<nn::PrefetchLoader<DetectorBatch>>([this](int64_t step) { return MakeBatch(step); },
                                                                  first_step, workers, 4);
  }
  void SetValidationMatchOf(std::vector<int> match_of) { val_match_of_ = std::move(match_of); }

  torch::nn::Module& model() override { return *net_; }
  std::string score_name() const override { return "f1"; }

  nn::StepResult Step(int64_t step) override {
    DetectorBatch b = loader_->Next(step);
    auto out = net_->forward(b.images.to(device_));
    torch::Tensor focal = FocalLoss(out.heat_logits, b.heat.to(device_));
    const int64_t n = out.offset.size(0), cells = out.offset.size(2) * out.offset.size(3);
    torch::Tensor offset_loss = torch::zeros({}, out.offset.options());
    if (b.points > 0) {
      torch::Tensor index = b.cells.to(device_).unsqueeze(1).expand({n, 2, b.cells.size(1)});
      torch::Tensor predicted = out.offset.view({n, 2, cells}).gather(2, index);
      torch::Tensor mask = b.mask.to(device_).unsqueeze(1);
      // CenterNet's RegL1Loss: summed over present points and both axes, / (points x 2).
      offset_loss = (torch::abs(predicted - b.offsets.to(device_)) * mask).sum() / (mask.sum() * 2 + 1e-4);
    }
    nn::StepResult r;
    r.loss = focal + kOffsetWeight * offset_loss;
    r.parts = {{"focal", focal.item<double>()}, {"offset", offset_loss.item<double>()}};
    r.samples = n;
    return r;
  }

  std::map<std::string, double> Validate() override {
    DetectionScores scores;
    DetectionEvalOptions eval_options;
    for (size_t i = 0; i < val_.size(); ++i) {
      cv::Mat pano = cv::imdecode(val_[i].jpeg, cv::IMREAD_COLOR);
      torch::Tensor batch = torch::from_blob(pano.data, {1, pano.rows, pano.cols, 3}, torch::kUInt8).clone();
      auto out = net_->forward(nn::ImagesToTensor(batch).to(device_));
      torch::Tensor heat = torch::sigmoid(out.heat_logits).cpu().contiguous();
      torch::Tensor offset = out.offset.cpu().contiguous();
      auto peaks = FindPeaks(heat[0][0].data_ptr<float>(), offset[0][0].data_ptr<float>(),
                             offset[0][1].data_ptr<float>(), static_cast<int>(heat.size(2)),
                             static_cast<int>(heat.size(3)), heatmap_);
      std::vector<Eigen::Vector2d> feet;
      for (const auto& d : LiftToPitch(peaks, val_panoramas_.at(val_match_of_.at(i)))) feet.push_back(d.foot_in_pitch_m);
      scores.Add(val_[i].truth, feet, eval_options);
    }
    scores.Finalize();
    return {{"f1", scores.f1},
            {"precision", scores.precision},
            {"recall", scores.recall},
            {"recall_hard", scores.recall_hard},
            {"median_error_m", scores.median_error_m}};
  }

  DetectorNet net_;

 private:
  static constexpr double kOffsetWeight = 1.0;  // CenterNet's off_weight

  DetectorBatch MakeBatch(int64_t step) const {
    Rng rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step));
    const int n = data_.batch_size, ph = data_.patch_height, pw = data_.patch_width;
    const int gh = ph / heatmap_.stride, gw = pw / heatmap_.stride;
    DetectorBatch b;
    torch::Tensor images = torch::empty({n, ph, pw, 3}, torch::kUInt8);
    b.heat = torch::zeros({n, 1, gh, gw});
    std::vector<HeatmapTargets> targets;
    for (int i = 0; i < n; ++i) {
      const PanoramaSample& s = train_[rng.UniformInt(0, static_cast<int>(train_.size()) - 1)];
      cv::Mat pano = cv::imdecode(s.jpeg, cv::IMREAD_COLOR);
      int x0 = rng.UniformInt(0, pano.cols - pw), y0 = rng.UniformInt(0, pano.rows - ph);
      if (!s.feet_px.empty() && rng.Bernoulli(data_.person_centred)) {
        const auto& p = s.feet_px[rng.UniformInt(0, static_cast<int>(s.feet_px.size()) - 1)];
        x0 = std::clamp(static_cast<int>(p.x()) - rng.UniformInt(pw / 8, pw - pw / 8), 0, pano.cols - pw);
        y0 = std::clamp(static_cast<int>(p.y()) - rng.UniformInt(ph / 8, ph - ph / 8), 0, pano.rows - ph);
      }
      cv::Mat patch = pano(cv::Rect(x0, y0, pw, ph)).clone();
      const bool flip = rng.Bernoulli(0.5);
      if (flip) cv::flip(patch, patch, 1);
      // Photometric jitter: global gain and per-channel tint, then sensor noise.
      const double gain = 1.0 + rng.Uniform(-data_.max_brightness, data_.max_brightness);
      cv::Mat as_float;
      patch.convertTo(as_float, CV_32FC3);
      const cv::Scalar tint(gain * (1 + rng.Uniform(-1, 1) * data_.max_brightness / 3),
                            gain * (1 + rng.Uniform(-1, 1) * data_.max_brightness / 3),
                            gain * (1 + rng.Uniform(-1, 1) * data_.max_brightness / 3));
      cv::multiply(as_float, tint, as_float);
      cv::Mat noise(as_float.size(), CV_32FC3);
      cv::RNG cv_rng(rng.Bits());
      cv_rng.fill(noise, cv::RNG::NORMAL, 0.0, rng.Uniform(0, data_.max_noise_sigma));
      as_float += noise;
      cv::Mat out(ph, pw, CV_8UC3, images[i].data_ptr<uint8_t>());
      as_float.convertTo(out, CV_8UC3);
      std::vector<Eigen::Vector2d> feet;
      for (const auto& p : s.feet_px) {
        Eigen::Vector2d q(p.x() - x0, p.y() - y0);
        if (flip) q.x() = pw - 1 - q.x();
        if (q.x() >= -0.5 && q.y() >= -0.5 && q.x() < pw - 0.5 && q.y() < ph - 0.5) feet.push_back(q);
      }
      targets.push_back(MakeHeatmapTargets(feet, gh, gw, heatmap_));
      std::memcpy(b.heat[i][0].data_ptr<float>(), targets.back().heat.data(), sizeof(float) * gh * gw);
    }
    size_t k = 1;
    for (const auto& t : targets) k = std::max(k, t.cells.size());
    b.cells = torch::zeros({n, static_cast<int64_t>(k)}, torch::kInt64);
    b.offsets = torch::zeros({n, 2, static_cast<int64_t>(k)});
    b.mask = torch::zeros({n, static_cast<int64_t>(k)});
    for (int i = 0; i < n; ++i) {
      for (size_t j = 0; j < targets[i].cells.size(); ++j) {
        b.cells[i][j] = targets[i].cells[j];
        b.offsets[i][0][j] = targets[i].offsets[2 * j];
        b.offsets[i][1][j] = targets[i].offsets[2 * j + 1];
        b.mask[i][j] = 1.0f;
        ++b.points;
      }
    }
    b.images = nn::ImagesToTensor(images);
    return b;
  }

  DetectorDataOptions data_;
  HeatmapOptions heatmap_;
  uint64_t seed_;
  std::vector<PanoramaSample> train_, val_;
  std::vector<geometry::Panorama> val_panoramas_;
  std::vector<int> val_match_of_;
  torch::Device device_;
  std::unique_ptr<nn::PrefetchLoader<DetectorBatch>> loader_;
};

DetectorDataOptions ReadDataOptions(const nn::TrainRecipe& recipe) {
  DetectorDataOptions o;
  if (!recipe.data || recipe.data.IsNull()) return o;
  io::YamlReader r(recipe.path);
  r.OnlyKeys(recipe.data, "data",
             {"frame_step", "val_frame_step", "patch_height", "patch_width", "batch_size", "person_centred",
              "max_brightness", "max_noise_sigma", "jpeg_quality", "loader_threads"});
  o.frame_step = r.GetOr(recipe.data, "frame_step", "data", o.frame_step);
  o.val_frame_step = r.GetOr(recipe.data, "val_frame_step", "data", o.val_frame_step);
  o.patch_height = r.GetOr(recipe.data, "patch_height", "data", o.patch_height);
  o.patch_width = r.GetOr(recipe.data, "patch_width", "data", o.patch_width);
  o.batch_size = r.GetOr(recipe.data, "batch_size", "data", o.batch_size);
  o.person_centred = r.GetOr(recipe.data, "person_centred", "data", o.person_centred);
  o.max_brightness = r.GetOr(recipe.data, "max_brightness", "data", o.max_brightness);
  o.max_noise_sigma = r.GetOr(recipe.data, "max_noise_sigma", "data", o.max_noise_sigma);
  o.jpeg_quality = r.GetOr(recipe.data, "jpeg_quality", "data", o.jpeg_quality);
  o.loader_threads = r.GetOr(recipe.data, "loader_threads", "data", o.loader_threads);
  try {
    o.Check();
  } catch (const Error& e) {
    throw InputError(recipe.path, recipe.data.Mark().line + 1, "data", e.message());
  }
  return o;
}

DetectorNetConfig ReadNetwork(const nn::TrainRecipe& recipe) {
  DetectorNetConfig c;
  if (!recipe.network || recipe.network.IsNull()) return c;
  io::YamlReader r(recipe.path);
  r.OnlyKeys(recipe.network, "network", {"encoder_channels", "decoder_channels", "heat_bias"});
  auto ints = [&](const char* key, std::vector<int>* out) {
    if (!recipe.network[key]) return;
    const auto values = r.Numbers(recipe.network[key], std::string("network.") + key, out->size());
    for (size_t i = 0; i < values.size(); ++i) (*out)[i] = static_cast<int>(values[i]);
  };
  ints("encoder_channels", &c.encoder_channels);
  ints("decoder_channels", &c.decoder_channels);
  c.heat_bias = r.GetOr(recipe.network, "heat_bias", "network", c.heat_bias);
  try {
    c.Check();
  } catch (const Error& e) {
    throw InputError(recipe.path, recipe.network.Mark().line + 1, "network", e.message());
  }
  return c;
}

}  // namespace

std::vector<PanoramaSample> LoadPanoramaSamples(const std::vector<std::string>& matches, int frame_step,
                                                const DetectorDataOptions& options, const ProgressFn& progress) {
  std::vector<std::vector<PanoramaSample>> per_match(matches.size());
  ParallelFor(
      matches.size(), options.loader_threads,
      [&](size_t i) { per_match[i] = LoadMatch(matches[i], frame_step, options); }, progress);
  std::vector<PanoramaSample> out;
  for (auto& m : per_match) {
    for (auto& s : m) out.push_back(std::move(s));
  }
  return out;
}

registry::TrainedWeights TrainDetector(const registry::TrainingContext& ctx) {
  const nn::TrainRecipe recipe = nn::LoadTrainRecipe(ctx);
  const DetectorDataOptions data = ReadDataOptions(recipe);
  const DetectorNetConfig net_config = ReadNetwork(recipe);
  nn::CheckRunDirectory(ctx, recipe, "detector");  // before minutes of loading frames
  HeatmapOptions heatmap;
  heatmap.stride = kDetectorStride;

  spdlog::info("detector: loading {} training and {} validation matches", recipe.train_matches.size(),
               recipe.val_matches.size());
  auto train = LoadPanoramaSamples(recipe.train_matches, data.frame_step, data);
  std::vector<PanoramaSample> val;
  std::vector<int> val_match_of;
  for (size_t m = 0; m < recipe.val_matches.size(); ++m) {
    auto samples = LoadPanoramaSamples({recipe.val_matches[m]}, data.val_frame_step, data);
    for (auto& s : samples) {
      val.push_back(std::move(s));
      val_match_of.push_back(static_cast<int>(m));
    }
  }
  IPT_CHECK(!train.empty() && !val.empty(), "detector: no training or validation frames");
  const cv::Mat first = cv::imdecode(train.front().jpeg, cv::IMREAD_COLOR);
  if (data.patch_width > first.cols || data.patch_height > first.rows) {
    throw InputError(recipe.path, recipe.data ? recipe.data.Mark().line + 1 : 0, "data.patch_width/patch_height",
                     fmt::format("patch {}x{} is larger than the panorama {}x{}", data.patch_width, data.patch_height,
                                 first.cols, first.rows));
  }
  spdlog::info("detector: {} training panoramas, {} validation panoramas", train.size(), val.size());

  const int64_t first_step = ctx.resume ? nn::ResumeStep(ctx.run_dir) : 0;
  nn::StartTorch(recipe.training);
  DetectorTask task(net_config, data, heatmap, recipe.training.seed, std::move(train), std::move(val),
                    recipe.val_matches, first_step, recipe.training.loader_workers,
                    nn::ParseDevice(recipe.training.device));
  task.SetValidationMatchOf(val_match_of);
  nn::TrainingOutcome outcome;
  registry::TrainedWeights w = nn::TrainTask(task, ctx, recipe, "samples", &outcome);
  if (!w.finished) return w;
  w.weights_safetensors = ReadFile(outcome.best_weights);
  w.architecture = net_config.ToJson();
  w.architecture["stride"] = kDetectorStride;
  return w;
}

void RegisterDetectorTrainer(registry::TrainerRegistry& registry) { registry.Register("detector", TrainDetector); }

}  // namespace ipt::detector
