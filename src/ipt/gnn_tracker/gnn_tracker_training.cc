#include "ipt/gnn_tracker/gnn_tracker_training.h"

#include <spdlog/spdlog.h>

#include <map>
#include <random>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/gnn_tracker/graph_tensors.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/gnn_tracker/gnn_net.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/model_trainer.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/nn/trainer.h"
#include "ipt/util/check.h"

namespace ipt::gnn_tracker {
namespace {

struct GnnRecipe {
  GnnDataOptions data;
  GnnNetConfig network;  // node/edge feature widths filled from the features
  tracking::ChunkedTrackingOptions tracking;
};

struct GnnScores {
  double edge_precision = 0, edge_recall = 0, edge_f1 = 0;
  double category_accuracy = 0;
};

// One training chunk: every level's graph, joined.
struct Sample {
  GraphTensors graph;
  torch::Tensor edge_labels;  // f32 [E]
  int64_t top_begin = 0, top_end = 0;  // the top level's nodes in the joined graph
  torch::Tensor top_category;          // i64 [top nodes], -1 = no label
  torch::Tensor top_weight;            // f32 [top nodes], detections
};

// The value most rows of `t` hold in `labels` (ties: the smaller value).
int Majority(const tracking::Tracklet& t, const std::vector<int>& labels) {
  std::map<int, int> count;
  for (int r : t) ++count[labels[r]];
  int best = -1, best_count = 0;
  for (const auto& [v, c] : count) {
    if (c > best_count) best = v, best_count = c;
  }
  return best;
}

// MPNTrack's flow labels (as SUSHI's): an edge is true when both ends are mostly the same
// person and it joins temporal neighbours of that person among the graph's nodes (the
// second is the first's next node of the person, or the first is the second's previous
// one), so that a person broken into several tracklets is one path, not a fan.
std::vector<float> EdgeLabels(const tracking::LevelGraph& g, const tracking::ChunkDetections& d, const std::vector<int>& person) {
  const int n = g.num_nodes();
  std::vector<int> node_person(n);
  for (int v = 0; v < n; ++v) node_person[v] = Majority(g.nodes[v], person);
  // Nodes of each person in time order (tracklets of one person never overlap in time
  // when pure; order by first frame).
  std::map<int, std::vector<int>> nodes_of;
  for (int v = 0; v < n; ++v) {
    if (node_person[v] >= 0) nodes_of[node_person[v]].push_back(v);
  }
  std::vector<int> next(n, -1), previous(n, -1);
  for (auto& [p, nodes] : nodes_of) {
    std::sort(nodes.begin(), nodes.end(), [&](int a, int b) {
      return d.frame[g.nodes[a].front()] < d.frame[g.nodes[b].front()] ||
             (d.frame[g.nodes[a].front()] == d.frame[g.nodes[b].front()] && a < b);
    });
    for (size_t i = 0; i + 1 < nodes.size(); ++i) {
      next[nodes[i]] = nodes[i + 1];
      previous[nodes[i + 1]] = nodes[i];
    }
  }
  std::vector<float> label(g.num_edges(), 0.f);
  for (int e = 0; e < g.num_edges(); ++e) {
    const int a = g.edge_from[e], b = g.edge_to[e];
    if (node_person[a] >= 0 && node_person[a] == node_person[b] && (next[a] == b || previous[b] == a)) label[e] = 1.f;
  }
  return label;
}

// One chunk of a labelled match: rows [begin, end) starting at frame `start`.
struct ChunkRef {
  const LabelledMatch* match = nullptr;
  size_t match_index = 0;
  int start = 1;
  int64_t begin = 0, end = 0;
};

std::vector<ChunkRef> TrainingChunks(const std::vector<LabelledMatch>& matches, const GnnRecipe& recipe) {
  std::vector<ChunkRef> chunks;
  const int chunk = recipe.tracking.graph.chunk_frames;
  for (size_t m = 0; m < matches.size(); ++m) {
    const LabelledMatch& match = matches[m];
    const auto& frames = match.detections.frame;
    for (int start = 1; start == 1 || start + chunk - 1 <= match.num_frames; start += recipe.data.chunk_stride) {
      ChunkRef c{&match, m, start, std::lower_bound(frames.begin(), frames.end(), start) - frames.begin(),
                 std::lower_bound(frames.begin(), frames.end(), start + chunk) - frames.begin()};
      chunks.push_back(c);
      if (start + chunk - 1 >= match.num_frames) break;
    }
  }
  return chunks;
}

// A chunk's hierarchy built with `links` deciding each level (teacher forcing or the
// network), every level's graph with its flow labels, joined into one sample.
using LinkScorer = std::function<tracking::LevelScores(const tracking::LevelGraph&, const std::vector<float>& labels)>;

Sample BuildSample(const ChunkRef& c, const GnnRecipe& recipe, const LinkScorer& links) {
  const LabelledMatch& match = *c.match;
  const tracking::ChunkDetections d = match.detections.Slice(static_cast<int>(c.begin), static_cast<int>(c.end));
  const std::vector<int> person(match.person.begin() + c.begin, match.person.begin() + c.end);
  const std::vector<int> category(match.category.begin() + c.begin, match.category.begin() + c.end);
  std::vector<tracking::LevelGraph> levels;
  std::vector<float> all_labels;
  auto scorer = [&](const tracking::LevelGraph& g) {
    const std::vector<float> label = EdgeLabels(g, d, person);
    tracking::LevelScores s = links(g, label);
    all_labels.insert(all_labels.end(), label.begin(), label.end());
    levels.push_back(g);
    return s;
  };
  tracking::TrackChunk(d, c.start, recipe.tracking.graph, match.scale, scorer, recipe.tracking.rounding);
  std::vector<const tracking::LevelGraph*> pointers;
  for (const auto& g : levels) pointers.push_back(&g);
  Sample s;
  s.graph = ToGraphTensors(pointers);
  s.edge_labels = torch::tensor(all_labels.empty() ? std::vector<float>{} : all_labels, torch::kFloat);
  const tracking::LevelGraph& top = levels.back();
  for (size_t i = 0; i + 1 < levels.size(); ++i) s.top_begin += levels[i].num_nodes();
  s.top_end = s.top_begin + top.num_nodes();
  std::vector<int64_t> top_category;
  std::vector<float> top_weight;
  for (const auto& t : top.nodes) {
    top_category.push_back(Majority(t, person) >= 0 ? Majority(t, category) : -1);
    top_weight.push_back(static_cast<float>(t.size()));
  }
  s.top_category = torch::tensor(top_category.empty() ? std::vector<int64_t>{} : top_category, torch::kLong);
  s.top_weight = torch::tensor(top_weight.empty() ? std::vector<float>{} : top_weight, torch::kFloat);
  return s;
}

// Teacher forcing: the labels decide, a drop_true_link share of true links left untaken.
Sample TeacherForcedSample(const ChunkRef& c, const GnnRecipe& recipe, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution drop(recipe.data.drop_true_link);
  return BuildSample(c, recipe, [&](const tracking::LevelGraph&, const std::vector<float>& labels) {
    tracking::LevelScores s;
    // Far beyond any min_link_probability: the labels decide.
    for (float l : labels) s.edge_logits.push_back(l > 0 && !drop(rng) ? 20.f : -20.f);
    return s;
  });
}

// The network's own hierarchy, as at run time.
Sample OwnSample(const ChunkRef& c, const GnnRecipe& recipe, GnnTrackerNet& net) {
  return BuildSample(c, recipe, [&](const tracking::LevelGraph& g, const std::vector<float>&) {
    return ScoreLevel(net, g, /*with_category=*/false);
  });
}

std::vector<Sample> TeacherForcedSamples(const std::vector<ChunkRef>& chunks, const GnnRecipe& recipe, uint64_t seed,
                                         int64_t* edges_total, int64_t* positives_total) {
  std::vector<Sample> samples;
  for (const ChunkRef& c : chunks) {
    samples.push_back(TeacherForcedSample(c, recipe, seed ^ (c.match_index * 1000003 + c.start)));
    *edges_total += samples.back().edge_labels.size(0);
    *positives_total += (samples.back().edge_labels > 0.5).sum().item<int64_t>();
  }
  return samples;
}

class GnnTask : public nn::TrainingTask {
 public:
  GnnTask(const GnnRecipe& recipe, uint64_t seed, std::vector<ChunkRef> train_chunks, std::vector<Sample> train,
          std::vector<ChunkRef> val_chunks, std::vector<Sample> val)
      : recipe_(recipe),
        seed_(seed),
        net_(recipe.network),
        train_chunks_(std::move(train_chunks)),
        val_chunks_(std::move(val_chunks)),
        train_(std::move(train)),
        val_(std::move(val)) {
    IPT_ASSERT(train_chunks_.size() == train_.size() && val_chunks_.size() == val_.size());
    IPT_CHECK(!train_.empty() && !val_.empty(), "gnn tracker: no training or validation chunks");
    // Normalisation from the training samples (deterministic, so a resumed run agrees).
    std::vector<torch::Tensor> nodes, edges;
    for (const Sample& s : train_) {
      nodes.push_back(s.graph.node_features);
      if (s.graph.edge_features.size(0) > 0) edges.push_back(s.graph.edge_features);
    }
    const torch::Tensor n = torch::cat(nodes), e = torch::cat(edges);
    net_->SetNormalization(n.mean(0), n.std(0), e.mean(0), e.std(0));
  }
  torch::nn::Module& model() override { return *net_; }
  GnnTrackerNet& net() { return net_; }

  nn::StepResult Step(int64_t step) override {
    std::mt19937_64 rng(seed_ * 7919 + static_cast<uint64_t>(step));
    std::uniform_int_distribution<size_t> pick(0, train_.size() - 1);
    std::bernoulli_distribution own(step >= recipe_.data.own_hierarchy_from_step ? recipe_.data.own_hierarchy : 0.0);
    torch::Tensor loss = torch::zeros({});
    double edge_loss = 0, category_loss = 0;
    int64_t edges = 0;
    int own_samples = 0;
    for (int c = 0; c < recipe_.data.chunks_per_step; ++c) {
      const size_t i = pick(rng);
      Sample own_sample;
      if (own(rng)) {
        own_sample = OwnSample(train_chunks_[i], recipe_, net_);
        ++own_samples;
      }
      const Sample& s = own_sample.graph.node_features.defined() ? own_sample : train_[i];
      const auto [e, k] = Losses(s);
      loss = loss + e + recipe_.data.category_weight * k;
      edge_loss += e.item<double>();
      category_loss += k.item<double>();
      edges += s.edge_labels.size(0);
    }
    const double n = recipe_.data.chunks_per_step;
    nn::StepResult r;
    r.loss = loss / n;
    r.parts = {{"edge_focal", edge_loss / n}, {"category_ce", category_loss / n}, {"own_share", own_samples / n}};
    r.samples = edges;
    return r;
  }

  std::map<std::string, double> Validate() override {
    torch::NoGradGuard no_grad;
    const GnnScores s = Score(val_);
    std::map<std::string, double> metrics = {{"edge_precision", s.edge_precision},
                                             {"edge_recall", s.edge_recall},
                                             {"edge_f1", s.edge_f1},
                                             {"category_accuracy", s.category_accuracy}};
    if (recipe_.data.own_hierarchy > 0) {
      std::vector<Sample> own;
      for (const ChunkRef& c : val_chunks_) own.push_back(OwnSample(c, recipe_, net_));
      const GnnScores o = Score(own);
      metrics["own_edge_f1"] = o.edge_f1;
      metrics["own_category_accuracy"] = o.category_accuracy;
    }
    return metrics;
  }
  std::string score_name() const override { return recipe_.data.own_hierarchy > 0 ? "own_edge_f1" : "edge_f1"; }

 private:
  std::pair<torch::Tensor, torch::Tensor> Losses(const Sample& s) {
    const GnnOutput out = net_->forward(s.graph);
    torch::Tensor edge = torch::zeros({});
    for (const auto& logits : out.edge_logits) {
      edge = edge + FocalLoss(logits, s.edge_labels, recipe_.data.focal_gamma, recipe_.data.focal_alpha);
    }
    if (!out.edge_logits.empty()) edge = edge / static_cast<double>(out.edge_logits.size());
    torch::Tensor category = torch::zeros({});
    if (recipe_.network.category_head && s.top_end > s.top_begin) {
      const torch::Tensor logits = net_->CategoryLogits(out.node_embedding, s.graph).slice(0, s.top_begin, s.top_end);
      const torch::Tensor mask = s.top_category >= 0;
      if (mask.any().item<bool>()) {
        const torch::Tensor ce = torch::nn::functional::cross_entropy(
            logits.index({mask}), s.top_category.index({mask}),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        const torch::Tensor w = s.top_weight.index({mask});
        category = (ce * w).sum() / w.sum();
      }
    }
    return {edge, category};
  }

  GnnScores Score(const std::vector<Sample>& samples) {
    int64_t tp = 0, fp = 0, fn = 0;
    double category_ok = 0, category_total = 0;
    for (const Sample& s : samples) {
      const GnnOutput out = net_->forward(s.graph);
      if (!out.edge_logits.empty()) {
        const torch::Tensor predicted = out.edge_logits.back() > 0, truth = s.edge_labels > 0.5;
        tp += (predicted & truth).sum().item<int64_t>();
        fp += (predicted & ~truth).sum().item<int64_t>();
        fn += (~predicted & truth).sum().item<int64_t>();
      }
      if (recipe_.network.category_head && s.top_end > s.top_begin) {
        const torch::Tensor predicted =
            net_->CategoryLogits(out.node_embedding, s.graph).slice(0, s.top_begin, s.top_end).argmax(1);
        const torch::Tensor mask = s.top_category >= 0;
        category_ok += (s.top_weight * ((predicted == s.top_category) & mask).to(torch::kFloat)).sum().item<double>();
        category_total += (s.top_weight * mask.to(torch::kFloat)).sum().item<double>();
      }
    }
    GnnScores r;
    r.edge_precision = tp + fp > 0 ? double(tp) / (tp + fp) : 0;
    r.edge_recall = tp + fn > 0 ? double(tp) / (tp + fn) : 0;
    r.edge_f1 = r.edge_precision + r.edge_recall > 0 ? 2 * r.edge_precision * r.edge_recall / (r.edge_precision + r.edge_recall) : 0;
    r.category_accuracy = category_total > 0 ? category_ok / category_total : 0;
    return r;
  }

  GnnRecipe recipe_;
  uint64_t seed_;
  GnnTrackerNet net_;
  std::vector<ChunkRef> train_chunks_, val_chunks_;  // the chunks of train_ and val_, in order
  std::vector<Sample> train_, val_;                  // teacher-forced
};

}  // namespace

void GnnDataOptions::Check() const {
  IPT_CHECK(chunk_stride >= 1 && chunk_stride <= 100000, "data.chunk_stride must be in [1, 100000]");
  IPT_CHECK(drop_true_link >= 0 && drop_true_link < 1, "data.drop_true_link must be in [0, 1)");
  IPT_CHECK(focal_gamma >= 0 && focal_gamma <= 10, "data.focal_gamma must be in [0, 10]");
  IPT_CHECK(focal_alpha > 0 && focal_alpha < 1, "data.focal_alpha must be in (0, 1)");
  IPT_CHECK(category_weight >= 0 && category_weight <= 100, "data.category_weight must be in [0, 100]");
  IPT_CHECK(chunks_per_step >= 1 && chunks_per_step <= 64, "data.chunks_per_step must be in [1, 64]");
  IPT_CHECK(own_hierarchy >= 0 && own_hierarchy <= 1, "data.own_hierarchy must be in [0, 1]");
  IPT_CHECK(own_hierarchy_from_step >= 0, "data.own_hierarchy_from_step must be >= 0");
}

namespace {

GnnRecipe ReadGnnRecipe(const nn::TrainRecipe& recipe) {
  GnnRecipe r;
  const std::string file = recipe.path.empty() ? "gnn tracker recipe" : recipe.path;
  io::YamlReader reader(file);
  io::ConfigSection data(reader, recipe.data, "data");
  data.Read("chunk_stride", &r.data.chunk_stride);
  data.Read("drop_true_link", &r.data.drop_true_link);
  data.Read("focal_gamma", &r.data.focal_gamma);
  data.Read("focal_alpha", &r.data.focal_alpha);
  data.Read("category_weight", &r.data.category_weight);
  data.Read("chunks_per_step", &r.data.chunks_per_step);
  data.Read("own_hierarchy", &r.data.own_hierarchy);
  data.Read("own_hierarchy_from_step", &r.data.own_hierarchy_from_step);
  data.Finish();
  io::ConfigSection network(reader, recipe.network, "network");
  network.Read("node_dim", &r.network.node_dim);
  network.Read("edge_dim", &r.network.edge_dim);
  network.Read("hidden", &r.network.hidden);
  network.Read("steps", &r.network.steps);
  network.Read("category_head", &r.network.category_head);
  network.Read("stop_gradient", &r.network.stop_gradient);
  io::ConfigSection tracking(reader, network.Child("tracking"), "network.tracking");
  std::string rounding = tracking::RoundingMethodName(r.tracking.rounding);
  tracking.Read("rounding", &rounding);
  io::ConfigSection graph(reader, tracking.Child("graph"), "network.tracking.graph");
  tracking::VisitChunkedTrackingOptions(r.tracking, [&](const std::string& section, const char* key, auto& value) {
    (section.empty() ? tracking : graph).Read(key, &value);
  });
  graph.Finish();
  tracking.Finish();
  network.Finish();
  r.network.node_features = GnnNodeFeatureCount();
  r.network.edge_features = tracking::kEdgeFeatureCount;
  try {
    r.tracking.rounding = tracking::ParseRoundingMethod(rounding);
    r.data.Check();
    r.network.Check();
    r.tracking.Check();
  } catch (const Error& e) {
    throw InputError(file, 0, "network", e.message());
  }
  return r;
}

}  // namespace

registry::TrainedWeights TrainGnnTracker(const registry::TrainingContext& ctx, const LabelledMatchLoader& load) {
  const nn::TrainRecipe recipe = nn::LoadTrainRecipe(ctx);
  const GnnRecipe gnn = ReadGnnRecipe(recipe);
  nn::CheckRunDirectory(ctx, recipe, "gnn tracker");
  const std::vector<LabelledMatch> train = load(recipe.train_matches);
  const std::vector<LabelledMatch> val = load(recipe.val_matches);
  nn::StartTorch(recipe.training);
  int64_t edges = 0, positives = 0, val_edges = 0, val_positives = 0;
  std::vector<ChunkRef> train_chunks = TrainingChunks(train, gnn), val_chunks = TrainingChunks(val, gnn);
  std::vector<Sample> train_samples = TeacherForcedSamples(train_chunks, gnn, recipe.training.seed, &edges, &positives);
  std::vector<Sample> val_samples = TeacherForcedSamples(val_chunks, gnn, recipe.training.seed + 1, &val_edges, &val_positives);
  spdlog::info("gnn tracker: {} training chunks ({} edges, {:.1f} % true links), {} validation chunks ({} edges)",
               train_samples.size(), edges, edges ? 100.0 * positives / edges : 0.0, val_samples.size(), val_edges);
  const auto chunks_trained = static_cast<int64_t>(train_samples.size());
  GnnTask task(gnn, recipe.training.seed, std::move(train_chunks), std::move(train_samples), std::move(val_chunks),
               std::move(val_samples));
  nn::TrainingOutcome outcome;
  registry::TrainedWeights w = nn::TrainTask(task, ctx, recipe, "edges", &outcome);
  if (!w.finished) return w;
  w.weights_safetensors = nn::BestWeightsSafetensors(*task.net(), outcome);
  w.architecture = {
      {"type", kGnnTrackerType},
      {"network", gnn.network.ToJson()},
      {"tracking", TrackingOptionsToJson(gnn.tracking)},
      {"node_features", tracking::NodeFeatureNames(crop_encoder::kEmbeddingDim, crop_encoder::kKitDim, crop_encoder::kNumRoles)},
      {"edge_features", tracking::EdgeFeatureNames()}};
  w.metrics["training_chunks"] = chunks_trained;  // packages before session 35 recorded the matches' count
  return w;
}

}  // namespace ipt::gnn_tracker
