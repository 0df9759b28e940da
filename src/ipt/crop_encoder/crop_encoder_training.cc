#include "ipt/crop_encoder/crop_encoder_training.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "ipt/crop_encoder/crop_encoder_net.h"
#include "ipt/geometry/crop.h"
#include "ipt/io/match_dir.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/model_trainer.h"
#include "ipt/nn/parallel.h"
#include "ipt/nn/prefetch_loader.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/nn/trainer.h"
#include "ipt/registry/model_graph.h"
#include "ipt/registry/model_package.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/random.h"

namespace ipt::crop_encoder {
using nn::ParallelFor;
namespace F = torch::nn::functional;

namespace {
constexpr double kBackgroundMinDistanceM = 1.5;  // "no one" crops stand this far from everybody
constexpr double kHalfPersonMinM = 0.6, kHalfPersonMaxM = 1.2;  // half-people: a person at the crop's edge
constexpr double kCosineScale = 16.0;            // logit scale of the cosine classifiers
constexpr double kLabelSmoothing = 0.1;          // identity loss (reid-strong-baseline)
constexpr double kFootOffsetScaleM = 0.1;  // foot loss: smooth L1 in units of 10 cm
constexpr int kSamplePixels = kNetworkInputHeight * kNetworkInputWidth * 3;
constexpr int kJerseySamplePixels = kJerseyInputHeight * kJerseyInputWidth * 3;
constexpr int kColourOrders = 6;  // permutations of B, G, R
constexpr double kMinChannelGain = 0.7, kMaxChannelGain = 1.3;  // per channel, colour-shuffled crops
// The reader's validation score with validation scenes: their jersey accuracy (every
// number, kits never seen) and the validation matches' (few numbers), weighted equally.
constexpr double kSceneJerseyWeight = 0.5;
// Random streams of the data, offsets from the recipe's seed.
constexpr uint64_t kTrainCropsStream = 0, kValCropsStream = 1, kTrainScenesStream = 2, kValScenesStream = 3;
// Errors of the data.jersey_scenes section start with this (the recipe error names it).
const std::string kScenesErrorPrefix = "jersey_scenes: ";
constexpr uint64_t kStreamMultiplier = 7919;  // a prime: per match / stadium streams never collide for small seeds

Role RoleOf(io::Category c) {
  switch (c) {
    case io::Category::kTeamA:
    case io::Category::kTeamB: return Role::kPlayer;
    case io::Category::kGoalkeeperA:
    case io::Category::kGoalkeeperB: return Role::kGoalkeeper;
    case io::Category::kReferee: return Role::kReferee;
  }
  return Role::kNone;
}

bool IsLegible(const io::Annotation& a) { return a.in_view && a.jersey && a.legibility == io::Legibility::kLegible; }

CropSample CutSample(const std::vector<geometry::Camera>& cameras, const cv::Mat frames[2],
                     const Eigen::Vector2d& foot_m, const Eigen::Vector2d& true_foot_m, bool keep_jersey_input) {
  CropSample s;
  auto view = geometry::MakeCropView(cameras, foot_m);
  if (!view) return s;
  const Eigen::Vector2d offset = geometry::CropGroundAxes(*view).transpose() * (true_foot_m - foot_m);
  s.foot_offset_m[0] = static_cast<float>(offset.x());
  s.foot_offset_m[1] = static_cast<float>(offset.y());
  EncoderInput in = PrepareCrop(geometry::CutCrop(frames[view->camera_index], cameras[view->camera_index], *view));
  IPT_ASSERT(in.body.isContinuous() && in.jersey.isContinuous());
  s.pixels.assign(in.body.data, in.body.data + kSamplePixels);
  if (keep_jersey_input) s.jersey_pixels.assign(in.jersey.data, in.jersey.data + kJerseySamplePixels);
  return s;
}

// The crop of annotated person `a` at a jittered foot-point, with what the annotation
// says of the person (role, legibility, jersey); empty pixels when no camera sees it.
CropSample PersonSample(const std::vector<geometry::Camera>& cameras, const cv::Mat frames[2],
                        const io::Annotation& a, const CropDataOptions& options, Rng& rng) {
  const Eigen::Vector2d foot(a.x_m + rng.Normal(0, options.jitter_m), a.z_m + rng.Normal(0, options.jitter_m));
  CropSample s = CutSample(cameras, frames, foot, Eigen::Vector2d(a.x_m, a.z_m), options.keep_jersey_input);
  s.role = RoleOf(a.category);
  s.legibility = static_cast<int>(a.legibility);
  s.jersey = a.jersey ? *a.jersey : -1;
  return s;
}

// Samples of one match; identity/kit indices are local (person id, category) and made dense later.
std::vector<CropSample> LoadMatch(const std::string& dir, int match_index, int frame_step,
                                  const CropDataOptions& options, uint64_t seed) {
  io::MatchDir match = io::OpenMatchDir(dir);
  IPT_CHECK(match.annotations.has_value(), "{}: training needs annotations.csv", dir);
  const auto cameras = match.info.MakeRig().cameras;
  io::MatchVideos videos(match);
  Rng rng(seed * kStreamMultiplier + static_cast<uint64_t>(match_index));
  std::vector<CropSample> out;
  cv::Mat frames[2];
  for (int frame = 1; videos.Read(&frames[0], &frames[1]); ++frame) {
    // Every frame_step-th frame gives everyone's crops; the other frames only the
    // crops whose number is legible (rare: about 1 in 200), for the jersey head.
    const bool sampled = (frame - 1) % frame_step == 0;
    const auto rows = match.FrameAnnotations(frame);
    if (!sampled && std::none_of(rows.begin(), rows.end(), IsLegible)) continue;
    for (const auto& a : rows) {
      if (!a.in_view || (!sampled && !IsLegible(a))) continue;
      CropSample s = PersonSample(cameras, frames, a, options, rng);
      if (s.pixels.empty()) continue;
      s.frame = frame;
      s.time_s = static_cast<float>((frame - 1) / match.info.fps);
      s.identity = a.person_id;
      s.kit = static_cast<int>(a.category);
      out.push_back(std::move(s));
    }
    for (int b = 0; sampled && b < options.background_per_frame; ++b) {
      Eigen::Vector2d foot;
      const bool half_person = !rows.empty() && rng.Bernoulli(0.5);
      if (half_person) {  // half a person at the crop's edge
        const auto& a = rows[rng.UniformInt(0, static_cast<int>(rows.size()) - 1)];
        const double angle = rng.Uniform(0, 2 * M_PI), r = rng.Uniform(kHalfPersonMinM, kHalfPersonMaxM);
        foot = {a.x_m + r * std::cos(angle), a.z_m + r * std::sin(angle)};
      } else {
        foot = {rng.Uniform(-3, match.info.pitch.length_m + 3), rng.Uniform(-3, match.info.pitch.width_m + 3)};
      }
      bool clear = true;
      for (const auto& a : rows) {
        const double d = std::hypot(a.x_m - foot.x(), a.z_m - foot.y());
        clear &= d >= (half_person ? kHalfPersonMinM : kBackgroundMinDistanceM);
      }
      if (!clear) continue;
      CropSample s = CutSample(cameras, frames, foot, foot, options.keep_jersey_input);
      if (s.pixels.empty()) continue;
      s.frame = frame;
      out.push_back(std::move(s));
    }
  }
  for (auto& s : out) s.match = match_index;
  return out;
}

// Everyone's crop from the jersey scenes of one stadium seed.
std::vector<CropSample> LoadStadiumScenes(uint64_t stadium_seed, int stadium_index, const CropDataOptions& options,
                                          uint64_t seed) {
  Rng rng(seed * kStreamMultiplier + stadium_seed);
  std::vector<CropSample> out;
  sim::RenderJerseyScenes(sim::SimConfig(), stadium_seed, options.scenes, [&](const sim::JerseyScene& scene) {
    for (const auto& a : scene.people) {
      if (!a.in_view) continue;
      CropSample s = PersonSample(scene.rig.cameras, scene.frames, a, options, rng);
      if (s.pixels.empty()) continue;
      s.match = -1 - stadium_index;
      s.frame = scene.index + 1;
      s.from_scene = true;
      out.push_back(std::move(s));
    }
  });
  return out;
}

// The body and jersey inputs of `samples` as float tensors (nn::ImagesToTensor); the
// jersey tensor only when `jersey` (undefined otherwise).
std::pair<torch::Tensor, torch::Tensor> SamplesToImages(const std::vector<const CropSample*>& samples, bool jersey) {
  std::vector<EncoderInput> inputs;
  std::vector<const cv::Mat*> body, jersey_images;
  for (const CropSample* s : samples) inputs.push_back(SampleInput(*s));
  for (const auto& in : inputs) body.push_back(&in.body), jersey_images.push_back(&in.jersey);
  torch::Tensor body_tensor = nn::ImagesToTensor(StackImages(body, kNetworkInputHeight, kNetworkInputWidth));
  if (!jersey) return {body_tensor, torch::Tensor()};
  return {body_tensor, nn::ImagesToTensor(StackImages(jersey_images, kJerseyInputHeight, kJerseyInputWidth))};
}

// A colour-shuffled copy of an 8-bit BGR image: channels reordered and scaled.
void ShuffleColours(cv::Mat* image, int order, const double gains[3]) {
  static constexpr int kOrders[kColourOrders][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  cv::Mat channels[3], shuffled[3];
  cv::split(*image, channels);
  for (int c = 0; c < 3; ++c) channels[kOrders[order][c]].convertTo(shuffled[c], CV_8U, gains[c]);
  cv::merge(shuffled, 3, *image);
}

// The network plus what only training needs: the cosine classifiers over the
// training identities and kits. Only `net` is packaged.
struct TrainingModelImpl : torch::nn::Module {
  TrainingModelImpl(const CropEncoderNetConfig& config, int identities, int kits) {
    net = register_module("net", CropEncoderNet(config));
    identity_weights = register_parameter("identity_weights", torch::randn({identities, kEmbeddingDim}) * 0.01);
    kit_weights = register_parameter("kit_weights", torch::randn({kits, kKitDim}) * 0.01);
  }
  CropEncoderNet net{nullptr};
  torch::Tensor identity_weights, kit_weights;
};
TORCH_MODULE(TrainingModel);

torch::Tensor CosineLogits(const torch::Tensor& normalized, const torch::Tensor& weights) {
  return kCosineScale * torch::matmul(normalized, F::normalize(weights, F::NormalizeFuncOptions().dim(1)).t());
}

// Batch-hard triplet loss with the soft margin (Hermans et al.; models-brief 2.1).
torch::Tensor BatchHardTriplet(const torch::Tensor& embeddings, const torch::Tensor& labels) {
  torch::Tensor d = torch::cdist(embeddings, embeddings);
  torch::Tensor same = labels.unsqueeze(0).eq(labels.unsqueeze(1));
  torch::Tensor hardest_positive = (d * same.to(d.dtype())).amax(1);
  torch::Tensor hardest_negative = (d + same.to(d.dtype()) * 1e4).amin(1);
  return F::softplus(hardest_positive - hardest_negative).mean();
}

// Digit targets of number n (crop_encoder.h layout): one-digit numbers use group 0,
// two-digit numbers groups 1 (tens) and 2 (units).
torch::Tensor DigitLoss(const torch::Tensor& logits, const std::vector<int>& numbers) {
  std::vector<torch::Tensor> losses;
  for (size_t i = 0; i < numbers.size(); ++i) {
    const int n = numbers[i];
    auto row = logits[static_cast<int64_t>(i)];
    if (n < 10) {
      losses.push_back(F::cross_entropy(row.slice(0, 0, 10).unsqueeze(0), torch::tensor({int64_t{n}}).to(logits.device())));
    } else {
      losses.push_back(
          F::cross_entropy(row.slice(0, 10, 20).unsqueeze(0), torch::tensor({int64_t{n / 10}}).to(logits.device())) +
          F::cross_entropy(row.slice(0, 20, 30).unsqueeze(0), torch::tensor({int64_t{n % 10}}).to(logits.device())));
    }
  }
  return losses.empty() ? torch::zeros({}, logits.options()) : torch::stack(losses).mean();
}

// The number reader's losses on a batch's jn fields: presence (every row) and, on
// rows whose number is legible (jersey >= 0), the 100-way number and the digits.
struct ReaderLosses {
  torch::Tensor presence, number, digits;
};
ReaderLosses NumberReaderLosses(const std::map<std::string, torch::Tensor>& out, const torch::Tensor& presence,
                                const torch::Tensor& jersey) {
  ReaderLosses l;
  l.presence = F::cross_entropy(out.at(kPresenceField), presence);
  const torch::Tensor legible = jersey.ge(0);
  l.number = torch::zeros({}, l.presence.options());
  l.digits = torch::zeros({}, l.presence.options());
  if (legible.any().item<bool>()) {
    l.number = F::cross_entropy(out.at(kNumberField).index({legible}), jersey.index({legible}));
    const torch::Tensor numbers = jersey.index({legible}).cpu();
    l.digits = DigitLoss(out.at(kDigitsField).index({legible}),
                         std::vector<int>(numbers.data_ptr<int64_t>(), numbers.data_ptr<int64_t>() + numbers.numel()));
  }
  return l;
}

// Where training starts and what it changes: the recipe's network section names an
// architecture, or a package to start from (from_package) and, optionally, that only
// its number reader trains (train_only: jersey_reader).
struct NetworkRecipe {
  CropEncoderNetConfig config;
  std::string from_package;  // crop_encoder package (ref or prefix, model store); empty: random weights
  bool reader_only = false;  // only the jersey branch and jn heads train; every other tensor is the package's
};
inline constexpr const char* kTrainOnlyReader = "jersey_reader";

class CropEncoderTask : public nn::TrainingTask {
 public:
  // `initial` (optional): the weights training starts from (a package's network).
  CropEncoderTask(const NetworkRecipe& network, const CropDataOptions& data, uint64_t seed, CropDataset train,
                  CropDataset val, std::vector<CropSample> val_scenes, const std::filesystem::path& initial,
                  int64_t first_step, int workers, torch::Device device)
      : model_(network.config, train.identities, train.kits),
        device_(device),
        data_(data),
        seed_(seed),
        reader_only_(network.reader_only),
        train_(std::move(train)),
        val_(std::move(val)),
        val_scenes_(std::move(val_scenes)) {
    if (!initial.empty()) nn::LoadModule(*model_->net, initial);
    if (reader_only_) {
      IPT_CHECK(model_->net->has_jersey_branch(), "train_only: {} needs a network with a jersey branch", kTrainOnlyReader);
      const auto reader = model_->net->jersey_reader_prefixes();
      for (auto& p : model_->named_parameters()) {
        const bool in_reader = std::any_of(reader.begin(), reader.end(), [&](const std::string& prefix) {
          return p.key().rfind("net." + prefix, 0) == 0;
        });
        p.value().set_requires_grad(in_reader);
      }
    }
    for (size_t i = 0; i < train_.samples.size(); ++i) {
      const auto& s = train_.samples[i];
      if (s.from_scene) {
        scenes_.push_back(i);
        continue;
      }
      if (s.identity >= 0) by_identity_[s.identity].push_back(i);
      if (s.identity >= 0 && s.legibility == static_cast<int>(io::Legibility::kLegible) && s.jersey >= 0) legible_.push_back(i);
      if (s.identity < 0) background_.push_back(i);
    }
    IPT_CHECK(data_.scene_crops_per_batch == 0 || !scenes_.empty(),
              "crop encoder: scene_crops_per_batch is {} but no jersey scenes were loaded (scene_seeds)",
              data_.scene_crops_per_batch);
    identities_ = MetricLearningIdentities(train_.samples, data_.identity_min_span_s);
    for (const auto& [id, rows] : by_identity_) people_.insert(people_.end(), rows.begin(), rows.end());
    IPT_CHECK(reader_only_ ? !people_.empty() : static_cast<int>(identities_.size()) >= data_.identities_per_batch,
              "crop encoder: {} identities with >= 2 crops over >= {} s, fewer than identities_per_batch {}",
              identities_.size(), data_.identity_min_span_s, data_.identities_per_batch);
    spdlog::info("crop encoder: {} crops, {} of {} identities drawn for P x K (seen over >= {} s), {} legible, {} of no one, "
                 "{} from jersey scenes{}",
                 train_.samples.size(), identities_.size(), by_identity_.size(), data_.identity_min_span_s,
                 legible_.size(), background_.size(), scenes_.size(), reader_only_ ? " (training the number reader only)" : "");
    loader_ = std::make_unique<nn::PrefetchLoader<Batch>>([this](int64_t step) { return MakeBatch(step); }, first_step,
                                                          workers, 3);
  }

  torch::nn::Module& model() override { return *model_; }
  TrainingModel& training_model() { return model_; }
  std::string score_name() const override { return reader_only_ ? "jersey_score" : "score"; }
  // With a jersey branch the number reader and the body network are kept at their
  // own best steps: the reader peaks early, ReID and role late.
  std::vector<nn::ModelPart> independent_parts() const override {
    if (reader_only_) return {};  // the rest does not change
    std::vector<std::string> reader;
    for (const auto& prefix : model_->net->jersey_reader_prefixes()) reader.push_back("net." + prefix);
    if (reader.empty()) return {};
    return {{"body", "body_score", {}, {"reid_rank1", "role_accuracy", "foot_error_m", "foot_error_unrefined_m"}},
            {"jersey", "jersey_score", reader,
             {"jersey_accuracy", "jersey_accuracy_number_head", "jersey_accuracy_partial", "presence_accuracy", "scene_jersey_accuracy",
              "scene_presence_accuracy"}}};
  }

  nn::StepResult Step(int64_t step) override {
    Batch b = loader_->Next(step);
    b.images = b.images.to(device_);
    if (b.jersey_images.defined()) b.jersey_images = b.jersey_images.to(device_);
    for (torch::Tensor* t : {&b.identity, &b.kit, &b.role, &b.presence, &b.jersey, &b.foot_offset}) {
      *t = t->to(device_);
    }
    nn::StepResult r;
    r.samples = b.images.size(0);
    if (reader_only_) {  // the body network is not run: its outputs and BatchNorm statistics stay
      const ReaderLosses l = NumberReaderLosses(model_->net->ReadNumbers(b.jersey_images), b.presence, b.jersey);
      r.loss = l.presence + l.number + l.digits;
      r.parts = {{"presence", l.presence.item<double>()}, {"number", l.number.item<double>()},
                 {"digits", l.digits.item<double>()}};
      return r;
    }
    auto out = model_->net->forward(b.images, model_->net->has_jersey_branch() ? b.jersey_images : torch::Tensor());
    const int64_t pk = b.identity.size(0);
    torch::Tensor emb = out.at(kEmbeddingField).slice(0, 0, pk);
    torch::Tensor id_logits = CosineLogits(emb, model_->identity_weights);
    torch::Tensor id_loss = F::cross_entropy(id_logits, b.identity, F::CrossEntropyFuncOptions().label_smoothing(kLabelSmoothing));
    torch::Tensor triplet = BatchHardTriplet(emb, b.identity);
    torch::Tensor person = b.kit.ge(0);
    torch::Tensor kit_loss = F::cross_entropy(CosineLogits(out.at(kKitField).index({person}), model_->kit_weights),
                                              b.kit.index({person}));
    torch::Tensor role_loss = F::cross_entropy(out.at(kRoleField), b.role);
    const ReaderLosses l = NumberReaderLosses(out, b.presence, b.jersey);
    torch::Tensor foot_loss = F::smooth_l1_loss(out.at(kFootOffsetField).index({person}) / kFootOffsetScaleM,
                                                b.foot_offset.index({person}) / kFootOffsetScaleM);
    r.loss = id_loss + triplet + kit_loss + role_loss + l.presence + l.number + l.digits + foot_loss;
    r.parts = {{"identity", id_loss.item<double>()}, {"triplet", triplet.item<double>()},
               {"kit", kit_loss.item<double>()},     {"role", role_loss.item<double>()},
               {"presence", l.presence.item<double>()}, {"number", l.number.item<double>()},
               {"digits", l.digits.item<double>()}, {"foot", foot_loss.item<double>()}};
    return r;
  }

  std::map<std::string, double> Validate() override {
    CropFeatures features = EncodeSamples(*model_->net, val_.samples, device_);
    CropEncoderScores s = ScoreCropFeatures(val_.samples, features);
    // Jersey accuracy counts only where the validation matches have legible numbers.
    const double score = s.legible > 0 ? (s.reid_rank1 + s.role_accuracy + s.jersey_accuracy) / 3
                                       : (s.reid_rank1 + s.role_accuracy) / 2;
    // Where validation shows no legible number, presence is what can be judged. With
    // validation scenes (every number, new kits) their jersey accuracy counts half.
    double jersey_score = s.legible > 0 ? s.jersey_accuracy : s.presence_accuracy;
    std::map<std::string, double> scene_metrics;
    if (!val_scenes_.empty()) {
      const CropEncoderScores v = ScoreCropFeatures(val_scenes_, EncodeSamples(*model_->net, val_scenes_, device_));
      scene_metrics = {{"scene_jersey_accuracy", v.jersey_accuracy}, {"scene_presence_accuracy", v.presence_accuracy}};
      if (v.legible > 0) jersey_score = kSceneJerseyWeight * v.jersey_accuracy + (1 - kSceneJerseyWeight) * jersey_score;
    }
    std::map<std::string, double> metrics = {{"score", score},
            {"body_score", (s.reid_rank1 + s.role_accuracy) / 2},
            {"jersey_score", jersey_score},
            {"reid_rank1", s.reid_rank1},
            {"role_accuracy", s.role_accuracy},
            {"jersey_accuracy", s.jersey_accuracy},
            {"jersey_accuracy_number_head", s.jersey_accuracy_number_head},
            {"jersey_accuracy_partial", s.jersey_accuracy_partial},
            {"presence_accuracy", s.presence_accuracy},
            {"foot_error_m", s.foot_error_m},
            {"foot_error_unrefined_m", s.foot_error_unrefined_m}};
    metrics.insert(scene_metrics.begin(), scene_metrics.end());
    return metrics;
  }

  static CropFeatures EncodeSamples(CropEncoderNetImpl& net, const std::vector<CropSample>& samples,
                                    torch::Device device) {
    constexpr size_t kBatch = 256;
    CropFeatures f;
    f.count = static_cast<int64_t>(samples.size());
    torch::NoGradGuard no_grad;
    for (size_t begin = 0; begin < samples.size(); begin += kBatch) {
      std::vector<const CropSample*> part;
      for (size_t i = begin; i < std::min(samples.size(), begin + kBatch); ++i) part.push_back(&samples[i]);
      auto [body, jersey] = SamplesToImages(part, net.has_jersey_branch());
      auto out = net.forward(body.to(device), net.has_jersey_branch() ? jersey.to(device) : torch::Tensor());
      for (const auto& [name, width] : CropFieldWidths()) {
        torch::Tensor t = out.at(name).cpu().contiguous();
        f.fields[name].insert(f.fields[name].end(), t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
      }
    }
    return f;
  }

 private:
  struct Batch {
    torch::Tensor images;                   // identity part first (P x K rows), then legible, scenes, no one
    torch::Tensor jersey_images;            // the same rows' jersey inputs
    torch::Tensor identity;                 // [P*K]
    torch::Tensor kit, role, presence, jersey;  // [all rows]; kit/jersey -1 where absent
    torch::Tensor foot_offset;                  // [all rows, 2]
  };

  Batch MakeBatch(int64_t step) const {
    Rng rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step));
    std::vector<const CropSample*> rows;
    std::vector<int64_t> identity;
    // P identities without replacement, K crops each (with replacement when fewer). The
    // reader alone learns no identity: P x K crops of anyone (presence: mostly numbers
    // none or partial).
    std::vector<int> ids = identities_;
    for (int k = 0; reader_only_ && k < data_.identities_per_batch * data_.crops_per_identity; ++k) {
      rows.push_back(&train_.samples[people_[rng.UniformInt(0, static_cast<int>(people_.size()) - 1)]]);
      identity.push_back(-1);
    }
    for (int p = 0; !reader_only_ && p < data_.identities_per_batch; ++p) {
      const int j = rng.UniformInt(p, static_cast<int>(ids.size()) - 1);
      std::swap(ids[p], ids[j]);
      const auto& list = by_identity_.at(ids[p]);
      for (int k = 0; k < data_.crops_per_identity; ++k) {
        rows.push_back(&train_.samples[list[rng.UniformInt(0, static_cast<int>(list.size()) - 1)]]);
        identity.push_back(ids[p]);
      }
    }
    for (int i = 0; i < data_.legible_per_batch && !legible_.empty(); ++i) {
      rows.push_back(&train_.samples[legible_[rng.UniformInt(0, static_cast<int>(legible_.size()) - 1)]]);
    }
    for (int i = 0; i < data_.scene_crops_per_batch; ++i) {
      rows.push_back(&train_.samples[scenes_[rng.UniformInt(0, static_cast<int>(scenes_.size()) - 1)]]);
    }
    for (int i = 0; i < data_.background_per_batch && !background_.empty(); ++i) {
      rows.push_back(&train_.samples[background_[rng.UniformInt(0, static_cast<int>(background_.size()) - 1)]]);
    }
    // The extra legible crops and the scenes' crops are augmented for the reader.
    const size_t first_legible = identity.size();
    const size_t end_legible = first_legible + (legible_.empty() ? 0 : data_.legible_per_batch) +
                               static_cast<size_t>(data_.scene_crops_per_batch);
    Batch b;
    const auto n = static_cast<int64_t>(rows.size());
    // The reader alone never reads the body input: it is left empty (zeros).
    torch::Tensor images = reader_only_ ? torch::zeros({n, kNetworkInputHeight, kNetworkInputWidth, 3}, torch::kUInt8)
                                        : torch::empty({n, kNetworkInputHeight, kNetworkInputWidth, 3}, torch::kUInt8);
    const bool jersey_input = data_.keep_jersey_input;
    torch::Tensor jersey_images;
    if (jersey_input) jersey_images = torch::empty({n, kJerseyInputHeight, kJerseyInputWidth, 3}, torch::kUInt8);
    std::vector<int64_t> kit, role, presence, jersey;
    std::vector<float> foot_offset;
    for (size_t i = 0; i < rows.size(); ++i) {
      const EncoderInput in = SampleInput(*rows[i]);
      const double gain = 1.0 + rng.Uniform(-data_.max_brightness, data_.max_brightness);
      const double noise_sigma = rng.Uniform(0, data_.max_noise_sigma);
      const uint64_t noise_seed = rng.Bits();
      // The extra legible crops: the jersey input's colours shuffled, and it is shifted,
      // zoomed, blurred. The body input keeps its colours: kit and role learn from it, and
      // the backbone's BatchNorm statistics stay those of real crops.
      const bool legible_extra = i >= first_legible && i < end_legible;
      const bool shuffle = legible_extra && jersey_input && rng.Bernoulli(data_.legible_colour_probability);
      int order = 0;
      double gains[3] = {1, 1, 1};
      if (shuffle) {
        order = rng.UniformInt(0, kColourOrders - 1);
        for (double& g : gains) g = rng.Uniform(kMinChannelGain, kMaxChannelGain);
      }
      cv::Mat jersey_image = jersey_input ? in.jersey.clone() : cv::Mat(), body_image = in.body.clone();
      if (shuffle) ShuffleColours(&jersey_image, order, gains);
      if (legible_extra && jersey_input) {
        const double zoom = 1.0 + rng.Uniform(-data_.legible_max_scale, data_.legible_max_scale);
        const double dx = rng.Uniform(-data_.legible_max_shift_px, data_.legible_max_shift_px);
        const double dy = rng.Uniform(-data_.legible_max_shift_px, data_.legible_max_shift_px);
        cv::Mat affine = cv::getRotationMatrix2D(cv::Point2f(kJerseyInputWidth / 2.0f, kJerseyInputHeight / 2.0f), 0, zoom);
        affine.at<double>(0, 2) += dx;
        affine.at<double>(1, 2) += dy;
        cv::warpAffine(jersey_image, jersey_image, affine, jersey_image.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        if (rng.Bernoulli(0.5)) {
          const double sigma = rng.Uniform(0.3, data_.legible_max_blur_sigma);
          cv::GaussianBlur(jersey_image, jersey_image, cv::Size(0, 0), sigma);
        }
      }
      cv::RNG cv_rng(noise_seed);
      auto photometric = [&](const cv::Mat& src, uint8_t* out) {
        cv::Mat f;
        src.convertTo(f, CV_32FC3, gain);
        cv::Mat noise(f.size(), CV_32FC3);
        cv_rng.fill(noise, cv::RNG::NORMAL, 0.0, noise_sigma);
        f += noise;
        cv::Mat dst(src.rows, src.cols, CV_8UC3, out);
        f.convertTo(dst, CV_8UC3);
      };
      if (!reader_only_) photometric(body_image, images[static_cast<int64_t>(i)].data_ptr<uint8_t>());
      if (jersey_input) photometric(jersey_image, jersey_images[static_cast<int64_t>(i)].data_ptr<uint8_t>());
      kit.push_back(rows[i]->kit);
      role.push_back(static_cast<int64_t>(rows[i]->role));
      presence.push_back(rows[i]->legibility);
      jersey.push_back(NumberLabel(*rows[i], data_.number_label_legibility));
      foot_offset.push_back(rows[i]->foot_offset_m[0]);
      foot_offset.push_back(rows[i]->foot_offset_m[1]);
    }
    if (jersey_input) b.jersey_images = nn::ImagesToTensor(jersey_images);
    b.images = nn::ImagesToTensor(images);
    b.identity = torch::tensor(identity, torch::kInt64);
    b.kit = torch::tensor(kit, torch::kInt64);
    b.role = torch::tensor(role, torch::kInt64);
    b.presence = torch::tensor(presence, torch::kInt64);
    b.jersey = torch::tensor(jersey, torch::kInt64);
    b.foot_offset = torch::tensor(foot_offset).view({-1, 2});
    return b;
  }

  TrainingModel model_;
  torch::Device device_;
  CropDataOptions data_;
  uint64_t seed_;
  bool reader_only_;
  CropDataset train_, val_;
  std::vector<CropSample> val_scenes_;
  std::map<int, std::vector<size_t>> by_identity_;
  std::vector<int> identities_;
  std::vector<size_t> legible_, background_, scenes_, people_;  // people_: every crop of a person (not scenes)
  std::unique_ptr<nn::PrefetchLoader<Batch>> loader_;
};

CropDataOptions ReadDataOptions(const nn::TrainRecipe& recipe) {
  CropDataOptions o;
  if (!recipe.data || recipe.data.IsNull()) return o;
  io::YamlReader r(recipe.path);
  r.OnlyKeys(recipe.data, "data",
             {"frame_step", "val_frame_step", "jitter_m", "background_per_frame", "identities_per_batch",
              "crops_per_identity", "identity_min_span_s", "legible_per_batch", "background_per_batch", "max_brightness", "max_noise_sigma",
              "legible_colour_probability", "legible_max_shift_px", "legible_max_scale", "legible_max_blur_sigma",
              "number_label_legibility", "jersey_scenes", "loader_threads"});
  o.frame_step = r.GetOr(recipe.data, "frame_step", "data", o.frame_step);
  o.val_frame_step = r.GetOr(recipe.data, "val_frame_step", "data", o.val_frame_step);
  o.jitter_m = r.GetOr(recipe.data, "jitter_m", "data", o.jitter_m);
  o.background_per_frame = r.GetOr(recipe.data, "background_per_frame", "data", o.background_per_frame);
  o.identities_per_batch = r.GetOr(recipe.data, "identities_per_batch", "data", o.identities_per_batch);
  o.crops_per_identity = r.GetOr(recipe.data, "crops_per_identity", "data", o.crops_per_identity);
  o.identity_min_span_s = r.GetOr(recipe.data, "identity_min_span_s", "data", o.identity_min_span_s);
  o.legible_per_batch = r.GetOr(recipe.data, "legible_per_batch", "data", o.legible_per_batch);
  o.background_per_batch = r.GetOr(recipe.data, "background_per_batch", "data", o.background_per_batch);
  o.max_brightness = r.GetOr(recipe.data, "max_brightness", "data", o.max_brightness);
  o.max_noise_sigma = r.GetOr(recipe.data, "max_noise_sigma", "data", o.max_noise_sigma);
  o.legible_colour_probability = r.GetOr(recipe.data, "legible_colour_probability", "data", o.legible_colour_probability);
  o.legible_max_shift_px = r.GetOr(recipe.data, "legible_max_shift_px", "data", o.legible_max_shift_px);
  o.legible_max_scale = r.GetOr(recipe.data, "legible_max_scale", "data", o.legible_max_scale);
  o.legible_max_blur_sigma = r.GetOr(recipe.data, "legible_max_blur_sigma", "data", o.legible_max_blur_sigma);
  o.loader_threads = r.GetOr(recipe.data, "loader_threads", "data", o.loader_threads);
  if (const YAML::Node label = recipe.data["number_label_legibility"]) {
    const std::string name = r.As<std::string>(label, "data.number_label_legibility");
    const std::optional<io::Legibility> level = io::ParseLegibility(name);
    if (!level || *level == io::Legibility::kNone) {
      r.Fail(label, "data.number_label_legibility", fmt::format("expected partial or legible, got '{}'", io::EchoValue(name)));
    }
    o.number_label_legibility = *level;
  }
  if (const YAML::Node scenes = recipe.data["jersey_scenes"]) {
    const std::string where = "data.jersey_scenes";
    r.OnlyKeys(scenes, where,
               {"seeds", "val_seeds", "crops_per_batch", "scenes_per_stadium", "people_per_scene", "legible_share",
                "image_sizes"});
    auto seeds = [&](const char* key, sim::SeedSplit split) {
      std::vector<uint64_t> out;
      if (!scenes[key]) return out;
      const std::string text = r.Get<std::string>(scenes, key, where);
      try {
        out = sim::ParseSeedList(text);
      } catch (const Error& e) {
        r.Fail(scenes[key], where + "." + key, e.message());
      }
      for (uint64_t seed : out) {
        if (sim::SplitOfSeed(seed) != split) {
          r.Fail(scenes[key], where + "." + key,
                 fmt::format("seed {} is a {} seed, not a {} one", seed, sim::SeedSplitName(sim::SplitOfSeed(seed)),
                             sim::SeedSplitName(split)));
        }
      }
      return out;
    };
    o.scene_seeds = seeds("seeds", sim::SeedSplit::kTrain);
    o.val_scene_seeds = seeds("val_seeds", sim::SeedSplit::kValidate);
    o.scene_crops_per_batch = r.GetOr(scenes, "crops_per_batch", where, o.scene_crops_per_batch);
    o.scenes.scenes_per_stadium = r.GetOr(scenes, "scenes_per_stadium", where, o.scenes.scenes_per_stadium);
    o.scenes.people_per_scene = r.GetOr(scenes, "people_per_scene", where, o.scenes.people_per_scene);
    o.scenes.legible_share = r.GetOr(scenes, "legible_share", where, o.scenes.legible_share);
    if (const YAML::Node sizes = scenes["image_sizes"]) {  // [[width, height], ...]
      if (!sizes.IsSequence() || sizes.size() == 0) r.Fail(sizes, where + ".image_sizes", "expected a list of [width, height]");
      o.scenes.image_sizes_px.clear();
      for (const auto& size : sizes) {
        const auto wh = r.Numbers(size, where + ".image_sizes", 2);
        o.scenes.image_sizes_px.push_back({static_cast<int>(wh[0]), static_cast<int>(wh[1])});
      }
    }
  }
  try {
    o.Check();
  } catch (const Error& e) {
    const YAML::Node scenes = recipe.data["jersey_scenes"];
    const bool in_scenes = scenes && e.message().rfind(kScenesErrorPrefix, 0) == 0;
    throw InputError(recipe.path, (in_scenes ? scenes : recipe.data).Mark().line + 1,
                     in_scenes ? "data.jersey_scenes" : "data", e.message());
  }
  return o;
}

CropEncoderNetConfig ReadNetworkConfig(io::YamlReader& r, const nn::TrainRecipe& recipe) {
  CropEncoderNetConfig c;
  r.OnlyKeys(recipe.network, "network", {"channels", "jersey_channels", "jersey_hidden", "jersey_branch"});
  if (recipe.network["channels"]) {
    const auto v = r.Numbers(recipe.network["channels"], "network.channels", c.channels.size());
    for (size_t i = 0; i < v.size(); ++i) c.channels[i] = static_cast<int>(v[i]);
  }
  if (recipe.network["jersey_branch"]) {
    const YAML::Node& branch = recipe.network["jersey_branch"];
    const size_t stages = branch.IsSequence() ? branch.size() : 0;
    for (double v : r.Numbers(branch, "network.jersey_branch", stages)) c.jersey_branch.push_back(static_cast<int>(v));
  }
  c.jersey_channels = r.GetOr(recipe.network, "jersey_channels", "network", c.jersey_channels);
  c.jersey_hidden = r.GetOr(recipe.network, "jersey_hidden", "network", c.jersey_hidden);
  try {
    c.Check();
  } catch (const Error& e) {
    throw InputError(recipe.path, recipe.network.Mark().line + 1, "network", e.message());
  }
  return c;
}

NetworkRecipe ReadNetwork(const nn::TrainRecipe& recipe) {
  NetworkRecipe n;
  if (!recipe.network || recipe.network.IsNull()) return n;
  io::YamlReader r(recipe.path);
  if (recipe.network["from_package"]) {  // the package's architecture and weights
    r.OnlyKeys(recipe.network, "network", {"from_package", "train_only"});
    n.from_package = r.Get<std::string>(recipe.network, "from_package", "network");
    if (recipe.network["train_only"]) {
      const std::string part = r.Get<std::string>(recipe.network, "train_only", "network");
      if (part != kTrainOnlyReader) {
        r.Fail(recipe.network["train_only"], "network.train_only",
               fmt::format("'{}' is not a part that trains alone (only '{}')", part, kTrainOnlyReader));
      }
      n.reader_only = true;
    }
    return n;
  }
  if (recipe.network["train_only"]) {
    r.Fail(recipe.network["train_only"], "network.train_only", "needs network.from_package (the package to start from)");
  }
  n.config = ReadNetworkConfig(r, recipe);
  return n;
}

}  // namespace

void CropDataOptions::Check() const {
  IPT_CHECK(frame_step >= 1 && val_frame_step >= 1, "frame steps must be >= 1");
  IPT_CHECK(jitter_m >= 0 && jitter_m <= 2, "jitter_m must be in [0, 2]");
  IPT_CHECK(background_per_frame >= 0 && background_per_frame <= 100, "background_per_frame must be in [0, 100]");
  IPT_CHECK(identities_per_batch >= 2 && identities_per_batch <= 1024, "identities_per_batch must be in [2, 1024]");
  IPT_CHECK(crops_per_identity >= 2 && crops_per_identity <= 64, "crops_per_identity must be in [2, 64]");
  IPT_CHECK(identity_min_span_s >= 0 && identity_min_span_s <= 3600, "identity_min_span_s must be in [0, 3600]");
  IPT_CHECK(legible_per_batch >= 0 && legible_per_batch <= 1024, "legible_per_batch must be in [0, 1024]");
  IPT_CHECK(background_per_batch >= 0 && background_per_batch <= 1024, "background_per_batch must be in [0, 1024]");
  IPT_CHECK(max_brightness >= 0 && max_brightness < 1, "max_brightness must be in [0, 1)");
  IPT_CHECK(max_noise_sigma >= 0 && max_noise_sigma <= 50, "max_noise_sigma must be in [0, 50]");
  IPT_CHECK(loader_threads >= 1 && loader_threads <= 64, "loader_threads must be in [1, 64]");
  IPT_CHECK(legible_colour_probability >= 0 && legible_colour_probability <= 1,
            "legible_colour_probability must be in [0, 1]");
  IPT_CHECK(legible_max_shift_px >= 0 && legible_max_shift_px <= 32, "legible_max_shift_px must be in [0, 32]");
  IPT_CHECK(legible_max_scale >= 0 && legible_max_scale <= 0.5, "legible_max_scale must be in [0, 0.5]");
  IPT_CHECK(legible_max_blur_sigma >= 0.3 && legible_max_blur_sigma <= 4, "legible_max_blur_sigma must be in [0.3, 4]");
  IPT_CHECK(scene_crops_per_batch >= 0 && scene_crops_per_batch <= 1024, "{}crops_per_batch must be in [0, 1024]",
            kScenesErrorPrefix);
  IPT_CHECK(scene_crops_per_batch == 0 || !scene_seeds.empty(), "{}crops_per_batch needs seeds", kScenesErrorPrefix);
  try {
    scenes.Check();
  } catch (const Error& e) {
    throw Error(kScenesErrorPrefix + e.message());
  }
}

EncoderInput SampleInput(const CropSample& s) {
  IPT_CHECK(s.pixels.size() == static_cast<size_t>(kSamplePixels) &&
                (s.jersey_pixels.empty() || s.jersey_pixels.size() == static_cast<size_t>(kJerseySamplePixels)),
            "crop sample holds {} + {} bytes, not {} + {} (or 0)", s.pixels.size(), s.jersey_pixels.size(),
            kSamplePixels, kJerseySamplePixels);
  EncoderInput in;
  in.body = cv::Mat(kNetworkInputHeight, kNetworkInputWidth, CV_8UC3, const_cast<unsigned char*>(s.pixels.data()));
  if (!s.jersey_pixels.empty()) {
    in.jersey = cv::Mat(kJerseyInputHeight, kJerseyInputWidth, CV_8UC3, const_cast<unsigned char*>(s.jersey_pixels.data()));
  }
  return in;
}

std::vector<int> MetricLearningIdentities(const std::vector<CropSample>& samples, double min_span_s) {
  struct Seen {
    float first_s = std::numeric_limits<float>::infinity(), last_s = -std::numeric_limits<float>::infinity();
    int crops = 0;
  };
  std::map<int, Seen> seen;  // identities are unique per match: spans never mix matches
  for (const auto& s : samples) {
    if (s.identity < 0) continue;
    Seen& x = seen[s.identity];
    x.first_s = std::min(x.first_s, s.time_s);
    x.last_s = std::max(x.last_s, s.time_s);
    ++x.crops;
  }
  std::vector<int> out;
  for (const auto& [id, x] : seen) {
    if (x.crops >= 2 && x.last_s - x.first_s >= min_span_s) out.push_back(id);
  }
  return out;
}

CropDataset LoadCropSamples(const std::vector<std::string>& matches, int frame_step, const CropDataOptions& options,
                            uint64_t seed, const ProgressFn& progress) {
  std::vector<std::vector<CropSample>> per_match(matches.size());
  ParallelFor(
      matches.size(), options.loader_threads,
      [&](size_t i) { per_match[i] = LoadMatch(matches[i], static_cast<int>(i), frame_step, options, seed); },
      progress);
  // Dense identities over (match, person) and kits over (match, category).
  CropDataset out;
  std::map<std::pair<int, int>, int> identity_index, kit_index;
  for (auto& m : per_match) {
    for (auto& s : m) {
      if (s.identity >= 0) {
        s.identity = identity_index.emplace(std::make_pair(s.match, s.identity), identity_index.size()).first->second;
        s.kit = kit_index.emplace(std::make_pair(s.match, s.kit), kit_index.size()).first->second;
      }
      out.samples.push_back(std::move(s));
    }
  }
  out.identities = static_cast<int>(identity_index.size());
  out.kits = static_cast<int>(kit_index.size());
  return out;
}

std::vector<CropSample> LoadSceneSamples(const std::vector<uint64_t>& seeds, const CropDataOptions& options,
                                         uint64_t seed, const ProgressFn& progress) {
  std::vector<std::vector<CropSample>> per_stadium(seeds.size());
  ParallelFor(
      seeds.size(), options.loader_threads,
      [&](size_t i) { per_stadium[i] = LoadStadiumScenes(seeds[i], static_cast<int>(i), options, seed); }, progress);
  std::vector<CropSample> out;
  for (auto& stadium : per_stadium) std::move(stadium.begin(), stadium.end(), std::back_inserter(out));
  return out;
}

int NumberLabel(const CropSample& sample, io::Legibility min_level) {
  return sample.jersey >= 0 && sample.legibility >= static_cast<int>(min_level) ? sample.jersey : -1;
}

CropEncoderScores ScoreCropFeatures(const std::vector<CropSample>& samples, const CropFeatures& f) {
  IPT_CHECK(f.count == static_cast<int64_t>(samples.size()), "features and samples differ in count");
  CropEncoderScores s;
  auto argmax = [](const float* v, int n) { return static_cast<int>(std::max_element(v, v + n) - v); };
  int64_t role_ok = 0, presence_ok = 0, jersey_ok = 0, number_head_ok = 0, partial_ok = 0, rank1_ok = 0;
  std::map<int, int> last_frame;
  for (const auto& x : samples) last_frame[x.match] = std::max(last_frame[x.match], x.frame);
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& x = samples[i];
    role_ok += argmax(f.Row(kRoleField, i), kNumRoles) == static_cast<int>(x.role);
    presence_ok += argmax(f.Row(kPresenceField, i), kNumPresence) == x.legibility;
    if (x.legibility == static_cast<int>(io::Legibility::kLegible) && x.jersey >= 0) {
      ++s.legible;
      const auto p = JerseyNumberProbabilities(f.Row(kNumberField, i), f.Row(kDigitsField, i));
      jersey_ok += argmax(p.data(), kNumNumbers) == x.jersey;
      number_head_ok += argmax(f.Row(kNumberField, i), kNumNumbers) == x.jersey;
    }
    if (x.legibility == static_cast<int>(io::Legibility::kPartial) && x.jersey >= 0) {
      ++s.partial;
      const auto p = JerseyNumberProbabilities(f.Row(kNumberField, i), f.Row(kDigitsField, i));
      partial_ok += argmax(p.data(), kNumNumbers) == x.jersey;
    }
    // ReID: a query from the first half of its match against every person crop of the second half.
    if (x.identity < 0 || 2 * x.frame > last_frame[x.match]) continue;
    double best = -2;
    int best_identity = -1;
    for (size_t j = 0; j < samples.size(); ++j) {
      const auto& y = samples[j];
      if (y.identity < 0 || y.match != x.match || 2 * y.frame <= last_frame[y.match]) continue;
      const float* a = f.Row(kEmbeddingField, i);
      const float* b = f.Row(kEmbeddingField, j);
      double dot = 0;
      for (int k = 0; k < kEmbeddingDim; ++k) dot += a[k] * b[k];
      if (dot > best) {
        best = dot;
        best_identity = y.identity;
      }
    }
    if (best_identity < 0) continue;
    ++s.queries;
    rank1_ok += best_identity == x.identity;
  }
  std::vector<double> refined, unrefined;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& x = samples[i];
    if (x.identity < 0) continue;
    const float* p = f.Row(kFootOffsetField, i);
    refined.push_back(std::hypot(x.foot_offset_m[0] - p[0], x.foot_offset_m[1] - p[1]));
    unrefined.push_back(std::hypot(x.foot_offset_m[0], x.foot_offset_m[1]));
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  s.foot_error_m = median(refined);
  s.foot_error_unrefined_m = median(unrefined);
  s.crops = static_cast<int64_t>(samples.size());
  s.role_accuracy = s.crops ? static_cast<double>(role_ok) / s.crops : 0;
  s.presence_accuracy = s.crops ? static_cast<double>(presence_ok) / s.crops : 0;
  s.jersey_accuracy = s.legible ? static_cast<double>(jersey_ok) / s.legible : 0;
  s.jersey_accuracy_number_head = s.legible ? static_cast<double>(number_head_ok) / s.legible : 0;
  s.jersey_accuracy_partial = s.partial ? static_cast<double>(partial_ok) / s.partial : 0;
  s.reid_rank1 = s.queries ? static_cast<double>(rank1_ok) / s.queries : 0;
  return s;
}

registry::TrainedWeights TrainCropEncoder(const registry::TrainingContext& ctx) {
  const nn::TrainRecipe recipe = nn::LoadTrainRecipe(ctx);
  CropDataOptions data = ReadDataOptions(recipe);
  NetworkRecipe network = ReadNetwork(recipe);
  std::string from_ref;
  std::filesystem::path initial_weights;
  if (!network.from_package.empty()) {  // start from a package: its architecture and weights
    const int line = recipe.network.Mark().line + 1;
    try {
      registry::ModelStore store(ctx.model_store);
      from_ref = store.Resolve(network.from_package);
      const registry::ModelManifest manifest = store.Get(from_ref);
      IPT_CHECK(manifest.kind == "crop_encoder", "package {} is a {}, not a crop_encoder", from_ref.substr(0, 8),
                manifest.kind);
      network.config = CropEncoderNetConfig::FromJson(manifest.architecture, (store.PackageDir(from_ref) / registry::kManifestFileName).string());
      initial_weights = store.PackageDir(from_ref) / registry::kWeightsFileName;
      CropEncoderNet probe(network.config);  // refused now, not after minutes of cutting crops
      nn::LoadModule(*probe, initial_weights);
    } catch (const Error& e) {
      throw InputError(recipe.path, line, "network.from_package", e.message());
    }
    if (network.reader_only && network.config.jersey_branch.empty()) {
      throw InputError(recipe.path, line, "network.train_only",
                       fmt::format("package {} has no jersey branch: its number reader shares the body network",
                                   from_ref.substr(0, 8)));
    }
  }
  data.keep_jersey_input = !network.config.jersey_branch.empty();
  nn::CheckRunDirectory(ctx, recipe, "crop encoder");  // before minutes of cutting crops
  spdlog::info("crop encoder: cutting crops from {} training and {} validation matches", recipe.train_matches.size(),
               recipe.val_matches.size());
  CropDataset train = LoadCropSamples(recipe.train_matches, data.frame_step, data, recipe.training.seed + kTrainCropsStream);
  CropDataset val = LoadCropSamples(recipe.val_matches, data.val_frame_step, data, recipe.training.seed + kValCropsStream);
  if (!data.scene_seeds.empty() || !data.val_scene_seeds.empty()) {
    spdlog::info("crop encoder: rendering jersey scenes of {} training and {} validation stadiums",
                 data.scene_seeds.size(), data.val_scene_seeds.size());
  }
  std::vector<CropSample> scenes = LoadSceneSamples(data.scene_seeds, data, recipe.training.seed + kTrainScenesStream);
  std::move(scenes.begin(), scenes.end(), std::back_inserter(train.samples));
  std::vector<CropSample> val_scenes = LoadSceneSamples(data.val_scene_seeds, data, recipe.training.seed + kValScenesStream);
  const int64_t first_step = ctx.resume ? nn::ResumeStep(ctx.run_dir) : 0;
  nn::StartTorch(recipe.training);
  CropEncoderTask task(network, data, recipe.training.seed, std::move(train), std::move(val), std::move(val_scenes),
                       initial_weights, first_step, recipe.training.loader_workers,
                       nn::ParseDevice(recipe.training.device));
  nn::TrainingOutcome outcome;
  registry::TrainedWeights w = nn::TrainTask(task, ctx, recipe, "crops", &outcome);
  if (!w.finished) return w;
  // The best weights of the training model; only the network is packaged.
  nn::LoadModule(*task.training_model(), outcome.best_weights);
  const io::SafetensorsFile trained = nn::ModuleToSafetensors(*task.training_model()->net);
  if (network.reader_only) {  // what did not train is the starting package's, bit for bit
    const io::SafetensorsFile start = io::ReadSafetensors(initial_weights);
    const auto reader = task.training_model()->net->jersey_reader_prefixes();
    for (const auto& t : trained.tensors) {
      if (std::any_of(reader.begin(), reader.end(), [&](const std::string& p) { return t.name.rfind(p, 0) == 0; })) continue;
      const io::TensorData* s = start.Find(t.name);
      IPT_CHECK(s && s->bytes == t.bytes, "training the number reader alone changed {} of package {}", t.name,
                from_ref.substr(0, 8));
    }
  }
  w.weights_safetensors = io::SerializeSafetensors(trained);
  w.architecture = network.config.ToJson();
  if (!from_ref.empty()) w.metrics["from_package"] = from_ref;
  if (network.reader_only) w.metrics["train_only"] = kTrainOnlyReader;
  w.metrics["number_label_legibility"] = io::LegibilityName(data.number_label_legibility);
  return w;
}

void RegisterCropEncoderTrainer(registry::TrainerRegistry& registry) {
  registry.Register("crop_encoder", TrainCropEncoder);
}

}  // namespace ipt::crop_encoder
