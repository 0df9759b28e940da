#include "ipt/jn_classifier/jn_classifier_training.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "ipt/io/yaml_reader.h"
#include "ipt/jn_classifier/jn_net.h"
#include "ipt/nn/model_trainer.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/nn/trainer.h"
#include "ipt/util/check.h"

namespace ipt::jn_classifier {

void LabelledTrack::Check() const {
  track.Check();
  const size_t n = static_cast<size_t>(track.size());
  IPT_CHECK(person.size() == n && jersey.size() == n && legibility.size() == n,
            "labelled track of {}: {} detections but {} / {} / {} labels", match, n, person.size(), jersey.size(),
            legibility.size());
  for (int j : jersey) IPT_CHECK(j >= -1 && j < io::kNumJerseys, "labelled track of {}: jersey {} out of range", match, j);
  for (io::Legibility l : legibility) {
    IPT_CHECK(l >= io::Legibility::kNone && l <= io::Legibility::kLegible, "labelled track of {}: legibility {} out of range",
              match, static_cast<int>(l));
  }
}

namespace {
// The person most detections of [begin, end) belong to (ties: the smaller id); -1 when
// most belong to no one.
int MajorityPerson(const LabelledTrack& t, int begin, int end) {
  std::map<int, int> count;
  for (int i = begin; i < end; ++i) ++count[t.person[i]];
  int best = -1, best_count = 0;
  for (const auto& [p, c] : count) {
    if (c > best_count) best = p, best_count = c;
  }
  return best;
}

// Detection i shows its person's number at `at_least` or better (a person without a number
// shows none, whatever the annotation says).
bool Shows(const LabelledTrack& t, int i, io::Legibility at_least) { return t.jersey[i] >= 0 && t.legibility[i] >= at_least; }
}  // namespace

int WindowCropsShowing(const LabelledTrack& t, int begin, int end, io::Legibility at_least) {
  IPT_ASSERT(begin >= 0 && begin < end && end <= static_cast<int>(t.person.size()));
  IPT_ASSERT(at_least != io::Legibility::kNone);
  const int p = MajorityPerson(t, begin, end);
  if (p < 0) return 0;
  int n = 0;
  for (int i = begin; i < end; ++i) n += t.person[i] == p && Shows(t, i, at_least);
  return n;
}

int WindowLabel(const LabelledTrack& t, int begin, int end, io::Legibility at_least) {
  if (WindowCropsShowing(t, begin, end, at_least) == 0) return kUnknownClass;
  const int p = MajorityPerson(t, begin, end);
  for (int i = begin; i < end; ++i) {
    if (t.person[i] == p && t.jersey[i] >= 0) return t.jersey[i];
  }
  IPT_ASSERT(false);
  return kUnknownClass;
}

void JnDataOptions::Check() const {
  IPT_CHECK(batch_tracks >= 1 && batch_tracks <= 4096, "data.batch_tracks must be in [1, 4096]");
  IPT_CHECK(known_share >= 0 && known_share <= 1, "data.known_share must be in [0, 1]");
  IPT_CHECK(label_legibility == io::Legibility::kPartial || label_legibility == io::Legibility::kLegible,
            "data.label_legibility must be partial or legible");
  for (int w : validation_windows) IPT_CHECK(w >= 1, "data.validation_windows must be >= 1");
}

namespace {

struct JnRecipe {
  JnDataOptions data;
  JnNetConfig network;
  std::optional<JnVoteOptions> vote;  // network.vote: recorded in the package, run time only
};

JnRecipe ReadJnRecipe(const nn::TrainRecipe& recipe) {
  JnRecipe r;
  const std::string file = recipe.path.empty() ? "jn classifier recipe" : recipe.path;
  io::YamlReader reader(file);
  io::ConfigSection data(reader, recipe.data, "data");
  data.Read("batch_tracks", &r.data.batch_tracks);
  const YAML::Node label = data.Child("label_legibility");
  data.Read("known_share", &r.data.known_share);
  const YAML::Node windows = data.Child("validation_windows");
  data.Finish();
  if (label.IsDefined() && !label.IsNull()) {
    const std::string name = reader.As<std::string>(label, "data.label_legibility");
    const std::optional<io::Legibility> level = io::ParseLegibility(name);
    if (!level || *level == io::Legibility::kNone) {
      reader.Fail(label, "data.label_legibility", fmt::format("expected partial or legible, got '{}'", io::EchoValue(name)));
    }
    r.data.label_legibility = *level;
  }
  if (windows.IsDefined() && !windows.IsNull()) {
    if (!windows.IsSequence()) reader.Fail(windows, "data.validation_windows", "expected a list of window lengths");
    r.data.validation_windows.clear();
    for (const YAML::Node& w : windows) {
      r.data.validation_windows.push_back(reader.As<int>(w, "data.validation_windows"));
    }
  }
  io::ConfigSection network(reader, recipe.network, "network");
  network.Read("model_dim", &r.network.model_dim);
  network.Read("heads", &r.network.heads);
  network.Read("layers", &r.network.layers);
  network.Read("feedforward_dim", &r.network.feedforward_dim);
  network.Read("dropout", &r.network.dropout);
  network.Read("max_detections", &r.network.max_detections);
  network.Read("spread_selection", &r.network.spread_selection);
  network.Read("spread_min_legible_probability", &r.network.spread_min_legible_probability);
  const YAML::Node vote = network.Child("vote");
  network.Finish();
  if (vote.IsDefined() && !vote.IsNull()) {
    if (!vote.IsMap()) reader.Fail(vote, "network.vote", "expected a map of the vote's options");
    r.vote.emplace();
    io::ConfigSection v(reader, vote, "network.vote");
    v.Read("min_legible_probability", &r.vote->min_legible_probability);
    v.Read("min_number_probability", &r.vote->min_number_probability);
    v.Read("min_allowed_probability", &r.vote->min_allowed_probability);
    v.Read("min_votes", &r.vote->min_votes);
    v.Read("min_vote_share", &r.vote->min_vote_share);
    v.Read("share_weight", &r.vote->share_weight);
    v.Finish();
    try {
      r.vote->Check();
      CheckVoteCanName(*r.vote, r.network);
    } catch (const Error& e) {
      throw InputError(file, 0, "network.vote", e.message());
    }
  }
  try {
    r.data.Check();
  } catch (const Error& e) {
    throw InputError(file, 0, "data", e.message());
  }
  try {
    r.network.Check();
  } catch (const Error& e) {
    throw InputError(file, 0, "network", e.message());
  }
  return r;
}

// A window of a track: detections [begin, end).
struct Window {
  const LabelledTrack* track = nullptr;
  int begin = 0, end = 0;
  int label = kUnknownClass;
  int shown_count = 0;    // crops showing the label's number at the recipe's label_legibility
  int legible_count = 0;  // ... legibly (legible5_accuracy, whatever the labels)
};

JnTrack Cut(const Window& w) {
  JnTrack t;
  for (int i = w.begin; i < w.end; ++i) t.AppendFrom(w.track->track, i);
  return t;
}

struct Scores {
  double accuracy = 0, shown5_accuracy = 0, unknown_accuracy = 0, legible5_accuracy = 0;
  int64_t windows = 0, shown5_windows = 0, unknown_windows = 0, legible5_windows = 0;
};

class JnTask : public nn::TrainingTask {
 public:
  JnTask(const JnRecipe& recipe, uint64_t seed, std::vector<LabelledTrack> train, std::vector<LabelledTrack> val)
      : recipe_(recipe), seed_(seed), net_(recipe.network), train_(std::move(train)), val_(std::move(val)) {
    for (size_t t = 0; t < train_.size(); ++t) {
      for (int i = 0; i < train_[t].track.size(); ++i) {
        if (Shows(train_[t], i, recipe_.data.label_legibility)) shown_.push_back({t, i});
      }
    }
    for (const LabelledTrack& t : val_) {
      const int n = t.track.size();
      for (int len : recipe_.data.validation_windows) {
        if (len >= n) continue;
        for (int b = 0; b + len <= n; b += len) val_windows_.push_back(MakeWindow(t, b, b + len));
      }
      val_windows_.push_back(MakeWindow(t, 0, n));
    }
    IPT_CHECK(!train_.empty() && !val_windows_.empty(), "jn classifier: no training or validation tracks");
    spdlog::info("jn classifier: {} training tracks ({} detections showing the number at {} or better), {} validation windows",
                 train_.size(), shown_.size(), io::LegibilityName(recipe_.data.label_legibility), val_windows_.size());
  }
  torch::nn::Module& model() override { return *net_; }
  JnNet& net() { return net_; }

  nn::StepResult Step(int64_t step) override {
    std::mt19937_64 rng(seed_ * 104729 + static_cast<uint64_t>(step));
    std::bernoulli_distribution known(shown_.empty() ? 0.0 : recipe_.data.known_share);
    std::uniform_int_distribution<size_t> pick_track(0, train_.size() - 1);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<Window> windows;
    for (int k = 0; k < recipe_.data.batch_tracks; ++k) {
      const bool around_shown = known(rng);
      const LabelledTrack* t = nullptr;
      int anchor = -1;
      if (around_shown) {
        const auto [ti, i] = shown_[std::uniform_int_distribution<size_t>(0, shown_.size() - 1)(rng)];
        t = &train_[ti];
        anchor = i;
      } else {
        t = &train_[pick_track(rng)];
      }
      const int n = t->track.size();
      // Log-uniform length in [1, n].
      const int len = std::clamp(static_cast<int>(std::floor(std::exp(u(rng) * std::log(n + 1.0)))), 1, n);
      int begin = 0;
      if (anchor >= 0) {
        const int lo = std::max(0, anchor - len + 1), hi = std::min(anchor, n - len);
        begin = std::uniform_int_distribution<int>(lo, hi)(rng);
      } else {
        begin = std::uniform_int_distribution<int>(0, n - len)(rng);
      }
      windows.push_back(MakeWindow(*t, begin, begin + len));
    }
    const auto [logits, labels] = Forward(windows);
    nn::StepResult r;
    r.loss = torch::nn::functional::cross_entropy(logits, labels);
    r.parts = {{"cross_entropy", r.loss.item<double>()}};
    r.samples = static_cast<int64_t>(windows.size());
    return r;
  }

  std::map<std::string, double> Validate() override {
    torch::NoGradGuard no_grad;
    const Scores s = Score(val_windows_);
    return {{"accuracy", s.accuracy},
            {"shown5_accuracy", s.shown5_accuracy},
            {"legible5_accuracy", s.legible5_accuracy},
            {"unknown_accuracy", s.unknown_accuracy},
            {"balanced_accuracy", 0.5 * (s.shown5_accuracy + s.unknown_accuracy)}};
  }
  std::string score_name() const override { return "balanced_accuracy"; }

 private:
  Window MakeWindow(const LabelledTrack& t, int begin, int end) const {
    const io::Legibility at_least = recipe_.data.label_legibility;
    return {&t, begin, end, WindowLabel(t, begin, end, at_least), WindowCropsShowing(t, begin, end, at_least),
            WindowCropsShowing(t, begin, end, io::Legibility::kLegible)};
  }

  std::pair<torch::Tensor, torch::Tensor> Forward(const std::vector<Window>& windows) {
    std::vector<JnTrack> cut;
    std::vector<int64_t> labels;
    for (const Window& w : windows) {
      cut.push_back(Cut(w));
      labels.push_back(w.label);
    }
    std::vector<const JnTrack*> pointers;
    for (const JnTrack& t : cut) pointers.push_back(&t);
    return {net_->forward(MakeBatch(pointers, recipe_.network.Selection())), torch::tensor(labels, torch::kLong)};
  }

  Scores Score(const std::vector<Window>& windows) {
    Scores s;
    int64_t ok = 0, ok5 = 0, ok_unknown = 0, ok_legible5 = 0;
    constexpr size_t kBatch = 256;
    for (size_t b = 0; b < windows.size(); b += kBatch) {
      const std::vector<Window> part(windows.begin() + b, windows.begin() + std::min(windows.size(), b + kBatch));
      const auto [logits, labels] = Forward(part);
      const torch::Tensor correct = (logits.argmax(1) == labels).to(torch::kLong);
      for (size_t i = 0; i < part.size(); ++i) {
        const bool c = correct[static_cast<int64_t>(i)].item<int64_t>() != 0;
        ok += c;
        if (part[i].shown_count >= 5) ok5 += c, ++s.shown5_windows;
        if (part[i].shown_count == 0) ok_unknown += c, ++s.unknown_windows;
        if (part[i].legible_count >= 5) ok_legible5 += c, ++s.legible5_windows;
      }
    }
    s.windows = static_cast<int64_t>(windows.size());
    s.accuracy = s.windows ? double(ok) / s.windows : 0;
    s.shown5_accuracy = s.shown5_windows ? double(ok5) / s.shown5_windows : 0;
    s.legible5_accuracy = s.legible5_windows ? double(ok_legible5) / s.legible5_windows : 0;
    s.unknown_accuracy = s.unknown_windows ? double(ok_unknown) / s.unknown_windows : 0;
    return s;
  }

  JnRecipe recipe_;
  uint64_t seed_;
  JnNet net_;
  std::vector<LabelledTrack> train_, val_;
  std::vector<std::pair<size_t, int>> shown_;  // (training track, detection) showing the number
  std::vector<Window> val_windows_;
};

}  // namespace

registry::TrainedWeights TrainJnClassifier(const registry::TrainingContext& ctx, const LabelledTrackLoader& load) {
  const nn::TrainRecipe recipe = nn::LoadTrainRecipe(ctx);
  const JnRecipe jn = ReadJnRecipe(recipe);
  nn::CheckRunDirectory(ctx, recipe, "jn classifier");
  std::vector<LabelledTrack> train = load(recipe.train_matches), val = load(recipe.val_matches);
  for (const auto* set : {&train, &val}) {
    for (const LabelledTrack& t : *set) t.Check();
  }
  // Tracks without detections cannot be windows.
  for (auto* set : {&train, &val}) {
    set->erase(std::remove_if(set->begin(), set->end(), [](const LabelledTrack& t) { return t.track.size() == 0; }),
               set->end());
  }
  nn::StartTorch(recipe.training);
  JnTask task(jn, recipe.training.seed, std::move(train), std::move(val));
  nn::TrainingOutcome outcome;
  registry::TrainedWeights w = nn::TrainTask(task, ctx, recipe, "tracks", &outcome);
  if (!w.finished) return w;
  w.weights_safetensors = nn::BestWeightsSafetensors(*task.net(), outcome);
  w.architecture = {{"type", kJnClassifierType}, {"network", jn.network.ToJson()}, {"inputs", JnInputFields()}};
  if (jn.vote) w.architecture["vote"] = jn.vote->ToJson();
  w.metrics["label_legibility"] = io::LegibilityName(jn.data.label_legibility);
  return w;
}

}  // namespace ipt::jn_classifier
