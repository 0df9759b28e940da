#include "ipt/identity_resolver/identity_resolver_training.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <random>

#include "ipt/identity_resolver/affinity_net.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/nn/model_trainer.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/nn/trainer.h"
#include "ipt/util/check.h"

namespace ipt::identity_resolver {

void LabelledIdentityMatch::Check() const {
  IPT_CHECK(person.size() == tracks.size(), "labelled identity match {}: {} pieces but {} labels", name, tracks.size(),
            person.size());
}

void TrackCutOptions::Check() const {
  IPT_CHECK(min_piece_frames >= 1 && min_piece_frames <= max_piece_frames, "cut: need 1 <= min_piece_frames <= max_piece_frames");
  IPT_CHECK(min_gap_frames >= 1 && min_gap_frames <= max_gap_frames, "cut: need 1 <= min_gap_frames <= max_gap_frames");
}

uint64_t CutSeed(const TrackCutOptions& options, const std::string& match_name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a, 64 bits
  for (unsigned char c : match_name) h = (h ^ c) * 1099511628211ull;
  return h ^ (options.seed * 0x9E3779B97F4A7C15ull);
}

void IdentityDataOptions::Check() const {
  IPT_CHECK(batch_pairs >= 1 && batch_pairs <= 1 << 20, "data.batch_pairs must be in [1, 2^20]");
  IPT_CHECK(positive_share > 0 && positive_share < 1, "data.positive_share must be in (0, 1)");
  cut.Check();
}

namespace {

struct IdentityRecipe {
  IdentityDataOptions data;
  AffinityNetConfig network;
  tracking::IdentityOptions resolving;
};

IdentityRecipe ReadIdentityRecipe(const nn::TrainRecipe& recipe) {
  IdentityRecipe r;
  const std::string file = recipe.path.empty() ? "identity resolver recipe" : recipe.path;
  io::YamlReader reader(file);
  io::ConfigSection data(reader, recipe.data, "data");
  data.Read("batch_pairs", &r.data.batch_pairs);
  data.Read("positive_share", &r.data.positive_share);
  io::ConfigSection cut(reader, data.Child("cut"), "data.cut");
  cut.Read("min_piece_frames", &r.data.cut.min_piece_frames);
  cut.Read("max_piece_frames", &r.data.cut.max_piece_frames);
  cut.Read("min_gap_frames", &r.data.cut.min_gap_frames);
  cut.Read("max_gap_frames", &r.data.cut.max_gap_frames);
  cut.Read("seed", &r.data.cut.seed);
  cut.Finish();
  data.Finish();
  io::ConfigSection network(reader, recipe.network, "network");
  network.Read("hidden", &r.network.hidden);
  io::ConfigSection resolving(reader, network.Child("resolving"), "network.resolving");
  VisitIdentityOptions(r.resolving, [&](const std::string&, const char* key, auto& value) { resolving.Read(key, &value); });
  resolving.Finish();
  network.Finish();
  const std::pair<const char*, std::function<void()>> checks[] = {{"data", [&] { r.data.Check(); }},
                                                                  {"network", [&] { r.network.Check(); }},
                                                                  {"network.resolving", [&] { r.resolving.Check(); }}};
  for (const auto& [field, check] : checks) {
    try {
      check();
    } catch (const Error& e) {
      throw InputError(file, 0, field, e.message());
    }
  }
  return r;
}

// Every candidate pair of every match, with its label.
struct PairSet {
  torch::Tensor features;  // f32 [P, kPairFeatureCount]
  torch::Tensor labels;    // f32 [P]
  std::vector<int64_t> positives, negatives;
};

PairSet Pairs(const std::vector<LabelledIdentityMatch>& matches, const tracking::IdentityOptions& options) {
  std::vector<torch::Tensor> features;
  std::vector<float> labels;
  for (const LabelledIdentityMatch& m : matches) {
    const auto pairs = tracking::CandidatePairs(m.tracks, m.match.fps, options);
    if (pairs.empty()) continue;
    features.push_back(PairFeatureTensor(m.tracks, m.match.fps, pairs));
    for (const auto& [a, b] : pairs) labels.push_back(m.person[a] >= 0 && m.person[a] == m.person[b] ? 1.f : 0.f);
  }
  PairSet s;
  s.features = features.empty() ? torch::zeros({0, tracking::kPairFeatureCount}) : torch::cat(features);
  s.labels = torch::tensor(labels.empty() ? std::vector<float>{} : labels, torch::kFloat);
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] > 0.5f ? s.positives : s.negatives).push_back(static_cast<int64_t>(i));
  return s;
}

class IdentityTask : public nn::TrainingTask {
 public:
  IdentityTask(const IdentityRecipe& recipe, uint64_t seed, std::vector<LabelledIdentityMatch> train,
               std::vector<LabelledIdentityMatch> val)
      : recipe_(recipe), seed_(seed), net_(recipe.network) {
    train_ = Pairs(train, recipe.resolving);
    val_ = Pairs(val, recipe.resolving);
    IPT_CHECK(train_.labels.size(0) > 0, "identity resolver: the training matches give no candidate pair");
    if (train_.positives.empty() || train_.negatives.empty()) {
      spdlog::warn("identity resolver: {} same-person and {} other pairs: every step draws from the one kind there is",
                   train_.positives.size(), train_.negatives.size());
    }
    IPT_CHECK(val_.labels.size(0) > 0, "identity resolver: the validation matches give no candidate pair");
    net_->SetNormalization(train_.features.mean(0), train_.features.std(0));
    spdlog::info("identity resolver: {} training pairs ({} same person), {} validation pairs", train_.labels.size(0),
                 train_.positives.size(), val_.labels.size(0));
  }
  torch::nn::Module& model() override { return *net_; }
  AffinityNet& net() { return net_; }

  nn::StepResult Step(int64_t step) override {
    std::mt19937_64 rng(seed_ * 15485863 + static_cast<uint64_t>(step));
    std::bernoulli_distribution positive(recipe_.data.positive_share);
    std::vector<int64_t> rows;
    for (int k = 0; k < recipe_.data.batch_pairs; ++k) {
      const bool draw_positive = train_.negatives.empty() || (!train_.positives.empty() && positive(rng));
      const auto& from = draw_positive ? train_.positives : train_.negatives;
      rows.push_back(from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)]);
    }
    const torch::Tensor index = torch::tensor(rows, torch::kLong);
    nn::StepResult r;
    r.loss = torch::nn::functional::binary_cross_entropy_with_logits(net_->forward(train_.features.index_select(0, index)),
                                                                     train_.labels.index_select(0, index));
    r.parts = {{"bce", r.loss.item<double>()}};
    r.samples = static_cast<int64_t>(rows.size());
    return r;
  }

  std::map<std::string, double> Validate() override {
    torch::NoGradGuard no_grad;
    const torch::Tensor predicted = net_->forward(val_.features) > 0, truth = val_.labels > 0.5;
    const double tp = (predicted & truth).sum().item<double>(), fp = (predicted & ~truth).sum().item<double>(),
                 fn = (~predicted & truth).sum().item<double>();
    const double precision = tp + fp > 0 ? tp / (tp + fp) : 0, recall = tp + fn > 0 ? tp / (tp + fn) : 0;
    return {{"link_precision", precision},
            {"link_recall", recall},
            {"link_f1", precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0}};
  }
  std::string score_name() const override { return "link_f1"; }

 private:
  IdentityRecipe recipe_;
  uint64_t seed_;
  AffinityNet net_;
  PairSet train_, val_;
};

}  // namespace

registry::TrainedWeights TrainIdentityResolver(const registry::TrainingContext& ctx, const LabelledIdentityLoader& load) {
  const nn::TrainRecipe recipe = nn::LoadTrainRecipe(ctx);
  const IdentityRecipe ir = ReadIdentityRecipe(recipe);
  nn::CheckRunDirectory(ctx, recipe, "identity resolver");
  std::vector<LabelledIdentityMatch> train = load(recipe.train_matches, ir.data), val = load(recipe.val_matches, ir.data);
  for (const auto* set : {&train, &val}) {
    for (const auto& m : *set) m.Check();
  }
  nn::StartTorch(recipe.training);
  IdentityTask task(ir, recipe.training.seed, std::move(train), std::move(val));
  nn::TrainingOutcome outcome;
  registry::TrainedWeights w = nn::TrainTask(task, ctx, recipe, "pairs", &outcome);
  if (!w.finished) return w;
  w.weights_safetensors = nn::BestWeightsSafetensors(*task.net(), outcome);
  w.architecture = {{"type", kIdentityResolverType},
                    {"network", ir.network.ToJson()},
                    {"resolving", IdentityOptionsToJson(ir.resolving)},
                    {"pair_features", tracking::PairFeatureNames()}};
  return w;
}

}  // namespace ipt::identity_resolver
