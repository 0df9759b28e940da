#include "ipt/gnn_tracker/gnn_tracker.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/gnn_tracker/gnn_net.h"
#include "ipt/gnn_tracker/gnn_tracker_training.h"
#include "ipt/gnn_tracker/graph_tensors.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::gnn_tracker {
namespace {

namespace fs = std::filesystem;
using crop_encoder::kEmbeddingDim;
using crop_encoder::kKitDim;
using crop_encoder::kNumRoles;

std::vector<float> RandomUnit(std::mt19937& rng, int dim) {
  std::normal_distribution<float> n(0, 1);
  std::vector<float> v(dim);
  double s = 0;
  for (float& x : v) {
    x = n(rng);
    s += double(x) * x;
  }
  for (float& x : v) x /= static_cast<float>(std::sqrt(s));
  return v;
}

// People crowded in a 30 x 20 m area at up to 3 m/s, so that many candidate links are
// wrong; each has an appearance (a random unit vector, noisy per detection) and one of
// two kits; team A starts on the left.
// 10 % of detections are missed; foot-points carry 0.1 m of noise.
LabelledMatch MakeMatch(uint64_t seed, int people, int frames) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> noise(0, 1);
  LabelledMatch m;
  m.name = "synthetic-" + std::to_string(seed);
  m.num_frames = frames;
  m.scale = {25, 105, 68};
  auto& d = m.detections;
  d.embedding_dim = kEmbeddingDim;
  d.kit_dim = kKitDim;
  d.role_dim = kNumRoles;
  std::vector<std::vector<float>> look(people), kits = {RandomUnit(rng, kKitDim), RandomUnit(rng, kKitDim)};
  std::vector<Eigen::Vector2f> position(people), velocity(people);
  for (int p = 0; p < people; ++p) {
    look[p] = RandomUnit(rng, kEmbeddingDim);
    position[p] = {(p % 2 == 0 ? 40.f : 55.f) + 15 * u(rng), 25 + 20 * u(rng)};
    velocity[p] = {6 * u(rng) - 3, 6 * u(rng) - 3};
  }
  for (int f = 1; f <= frames; ++f) {
    for (int p = 0; p < people; ++p) {
      position[p] += velocity[p] / 25.f;
      if (u(rng) < 0.1f) continue;
      d.frame.push_back(f);
      d.foot_in_pitch_m.push_back(position[p] + Eigen::Vector2f(0.1f * noise(rng), 0.1f * noise(rng)));
      d.score.push_back(0.6f + 0.4f * u(rng));
      std::vector<float> e = look[p];
      for (float& x : e) x += 0.15f * noise(rng);
      double s = 0;
      for (float x : e) s += double(x) * x;
      for (float& x : e) x /= static_cast<float>(std::sqrt(s));
      d.embedding.insert(d.embedding.end(), e.begin(), e.end());
      d.kit.insert(d.kit.end(), kits[p % 2].begin(), kits[p % 2].end());
      for (int k = 0; k < kNumRoles; ++k) d.role.push_back(k == 0 ? 1.f : 0.f);
      d.legible.push_back(0);
      d.jersey.insert(d.jersey.end(), io::kNumJerseys, 0.f);
      m.person.push_back(p);
      m.category.push_back(p % 2 == 0 ? static_cast<int>(io::Category::kTeamA) : static_cast<int>(io::Category::kTeamB));
    }
  }
  d.Check();
  return m;
}

GnnNetConfig TinyConfig() {
  GnnNetConfig c;
  c.node_features = GnnNodeFeatureCount();
  c.edge_features = tracking::kEdgeFeatureCount;
  c.node_dim = 8;
  c.edge_dim = 8;
  c.hidden = 16;
  c.steps = 3;
  return c;
}

tracking::ChunkedTrackingOptions TinyTracking() {
  tracking::ChunkedTrackingOptions o;
  o.graph.chunk_frames = 16;
  o.overlap_frames = 8;
  return o;
}

// Writes a tracker package of `net` into `dir`.
fs::path Package(GnnTrackerNet& net, const tracking::ChunkedTrackingOptions& tracking, const fs::path& dir) {
  registry::ModelManifest manifest;
  manifest.name = "tracker";
  manifest.kind = "tracker";
  manifest.architecture = {{"type", kGnnTrackerType},
                           {"network", net->config.ToJson()},
                           {"tracking", TrackingOptionsToJson(tracking)},
                           {"node_features", tracking::NodeFeatureNames(kEmbeddingDim, kKitDim, kNumRoles)},
                           {"edge_features", tracking::EdgeFeatureNames()}};
  WritePackage(dir, io::SerializeSafetensors(nn::ModuleToSafetensors(*net)), &manifest);
  return dir;
}

TEST(GnnTracker, SaveLoadGivesIdenticalOutputs) {
  const fs::path dir = testing::FreshTempDir("gnn_save_load");
  torch::manual_seed(3);
  GnnTrackerNet net(TinyConfig());
  net->SetNormalization(torch::rand({net->config.node_features}), torch::rand({net->config.node_features}) + 0.5,
                        torch::rand({net->config.edge_features}), torch::rand({net->config.edge_features}) + 0.5);
  net->eval();
  const auto tracking = TinyTracking();
  GnnTracker loaded(Package(net, tracking, dir / "package"));
  EXPECT_TRUE(loaded.has_category_head());
  EXPECT_EQ(TrackingOptionsToJson(loaded.tracking_options()), TrackingOptionsToJson(tracking));
  // The top level's graph of a chunk (category probabilities are given there).
  const LabelledMatch m = MakeMatch(1, 8, 16);
  std::vector<tracking::Tracklet> nodes;
  for (int r = 0; r < m.detections.size(); ++r) nodes.push_back({r});
  // Level 4 (16 frames): nodes must lie in one half each; single detections do.
  const tracking::LevelGraph g = tracking::BuildLevelGraph(m.detections, nodes, 4, 1, tracking.graph, m.scale);
  ASSERT_GT(g.num_edges(), 0);
  const tracking::LevelScores scores = loaded.Score(g);
  torch::NoGradGuard no_grad;
  const GraphTensors t = ToGraphTensors({&g});
  const GnnOutput out = net->forward(t);
  const torch::Tensor logits = out.edge_logits.back();
  ASSERT_EQ(scores.edge_logits.size(), size_t(g.num_edges()));
  for (int e = 0; e < g.num_edges(); ++e) EXPECT_EQ(scores.edge_logits[e], logits[e].item<float>());
  const torch::Tensor p = torch::softmax(net->CategoryLogits(out.node_embedding, t), 1);
  ASSERT_EQ(scores.category_probabilities.size(), size_t(g.num_nodes()) * io::kNumCategories);
  for (int v = 0; v < g.num_nodes(); ++v) {
    for (int c = 0; c < io::kNumCategories; ++c) {
      EXPECT_EQ(scores.category_probabilities[v * io::kNumCategories + c], p[v][c].item<float>());
    }
  }
}

TEST(GnnTracker, RefusesPackagesWithOtherFeaturesOrOptions) {
  const fs::path dir = testing::FreshTempDir("gnn_refuse");
  GnnTrackerNet net(TinyConfig());
  fs::path package = Package(net, TinyTracking(), dir / "good");
  // Edit the manifest: another edge feature list (and recompute nothing: the ref check
  // catches edits too, so write a fresh package with the edit instead).
  registry::ModelManifest manifest = registry::ReadPackage(package);
  manifest.architecture["edge_features"][0] = "gap_frames";
  WritePackage(dir / "other_features", io::SerializeSafetensors(nn::ModuleToSafetensors(*net)), &manifest);
  EXPECT_THROW(GnnTracker(dir / "other_features"), InputError);
  manifest = registry::ReadPackage(package);
  manifest.architecture["tracking"]["graph"]["chunk_frames"] = 100;  // not a power of two
  WritePackage(dir / "bad_options", io::SerializeSafetensors(nn::ModuleToSafetensors(*net)), &manifest);
  try {
    GnnTracker tracker(dir / "bad_options");
    FAIL() << "accepted chunk_frames 100";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk_frames"), std::string::npos) << e.what();
  }
}

// Mean of a curves.csv column over its rows, in row order.
std::vector<double> CurveColumn(const fs::path& csv, const std::string& column) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string c; std::getline(hs, c, ',');) header.push_back(c);
  const size_t k = std::find(header.begin(), header.end(), column) - header.begin();
  std::vector<double> values;
  if (k == header.size()) {
    ADD_FAILURE() << "no column " << column << " in " << csv;
    return values;
  }
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string cell;
    for (size_t i = 0; i <= k && std::getline(ls, cell, ','); ++i) {
    }
    values.push_back(std::stod(cell));
  }
  return values;
}

// A tiny training run on synthetic matches; `data` is the recipe's data section.
registry::TrainedWeights TrainTiny(const fs::path& dir, const std::vector<LabelledMatch>& train,
                                   const std::vector<LabelledMatch>& val, const std::string& data) {
  // Match directories for the recipe (the seed rule reads their names); the loader gives
  // the synthetic detections instead of frame layers.
  for (const char* m : {"train/seed-1000", "val/seed-5000"}) {
    fs::create_directories(dir / m);
    std::ofstream(dir / m / "match.yaml") << "format: ipt-match/1\n";
  }
  std::ofstream(dir / "recipe.yaml") << "model: tracker\ntype: gnn_tracker\n"
                                     << "train_matches: [" << (dir / "train").string() << "]\n"
                                     << "val_matches: [" << (dir / "val").string() << "]\n"
                                     << "training: {steps: 60, steps_per_epoch: 15, learning_rate: 5.0e-3, loader_workers: 1}\n"
                                     << "data: " << data << "\n"
                                     << "network: {node_dim: 8, edge_dim: 8, hidden: 16, steps: 3,\n"
                                     << "          tracking: {overlap_frames: 8, graph: {chunk_frames: 16}}}\n";
  registry::TrainingContext ctx;
  ctx.model = "tracker";
  ctx.recipe = dir / "recipe.yaml";
  ctx.run_dir = dir / "run";
  std::vector<std::vector<std::string>> asked;
  const registry::TrainedWeights w = TrainGnnTracker(ctx, [&](const std::vector<std::string>& matches) {
    asked.push_back(matches);
    return asked.size() == 1 ? train : val;
  });
  EXPECT_EQ(asked.size(), 2u);
  if (!asked.empty()) {
    EXPECT_EQ(asked[0], std::vector<std::string>{(dir / "train/seed-1000").string()});
  }
  return w;
}

TEST(GnnTracker, TinyTrainingLowersTheLossAndTracks) {
  const fs::path dir = testing::FreshTempDir("gnn_train");
  std::vector<LabelledMatch> train = {MakeMatch(11, 16, 96), MakeMatch(12, 16, 96)};
  std::vector<LabelledMatch> val = {MakeMatch(13, 16, 64)};
  const registry::TrainedWeights w = TrainTiny(dir, train, val, "{chunk_stride: 8, chunks_per_step: 1}");
  ASSERT_TRUE(w.finished);
  const std::vector<double> loss = CurveColumn(dir / "run/curves.csv", "train_loss");
  ASSERT_EQ(loss.size(), 4u);
  EXPECT_LT(loss.back(), 0.7 * loss.front()) << "first epoch " << loss.front() << ", last " << loss.back();
  // The packaged tracker separates these people: most detections of a person share one id.
  registry::ModelManifest manifest;
  manifest.name = "tracker";
  manifest.kind = "tracker";
  manifest.architecture = w.architecture;
  WritePackage(dir / "package", w.weights_safetensors, &manifest);
  GnnTracker tracker(dir / "package");
  const LabelledMatch& m = val[0];
  const tracking::MatchTracks tracks = tracker.Track(
      m.detections.frame, m.num_frames, [&](int64_t b, int64_t e) { return m.detections.Slice(b, e); }, m.scale);
  std::map<int, std::map<int64_t, int>> ids_of_person;
  for (size_t r = 0; r < tracks.track_id.size(); ++r) ++ids_of_person[m.person[r]][tracks.track_id[r]];
  int in_main_id = 0;
  for (const auto& [p, ids] : ids_of_person) {
    int best = 0;
    for (const auto& [id, n] : ids) best = std::max(best, id >= 0 ? n : 0);
    in_main_id += best;
  }
  EXPECT_GT(in_main_id, 0.8 * m.detections.size()) << in_main_id << " of " << m.detections.size();
  ASSERT_EQ(tracks.category_probabilities.size(), size_t(tracks.num_tracks) * io::kNumCategories);
}

// Training on the network's own hierarchies from step 15 on (half the chunks, as the
// curves' own_share says): the loss still falls, and validation scores the own hierarchies too (the kept score).
TEST(GnnTracker, TinyTrainingOnItsOwnHierarchies) {
  const fs::path dir = testing::FreshTempDir("gnn_train_own");
  const registry::TrainedWeights w =
      TrainTiny(dir, {MakeMatch(11, 16, 96), MakeMatch(12, 16, 96)}, {MakeMatch(13, 16, 64)},
                "{chunk_stride: 8, chunks_per_step: 1, own_hierarchy: 0.5, own_hierarchy_from_step: 15}");
  ASSERT_TRUE(w.finished);
  const std::vector<double> loss = CurveColumn(dir / "run/curves.csv", "train_loss");
  const std::vector<double> own_f1 = CurveColumn(dir / "run/curves.csv", "val_own_edge_f1");
  const std::vector<double> own_share = CurveColumn(dir / "run/curves.csv", "train_own_share");
  ASSERT_EQ(loss.size(), 4u);
  ASSERT_EQ(own_f1.size(), 4u);
  ASSERT_EQ(own_share.size(), 4u);
  EXPECT_LT(own_share.front(), 0.1) << "teacher forcing only before step 15";
  EXPECT_GT(own_share.back(), 0.15) << "about half the chunks after it";
  EXPECT_LT(loss.back(), 0.7 * loss.front());
  EXPECT_GT(own_f1.back(), 0.8);
  EXPECT_TRUE(w.metrics["validation"].contains("own_edge_f1")) << w.metrics.dump();
}

}  // namespace
}  // namespace ipt::gnn_tracker
