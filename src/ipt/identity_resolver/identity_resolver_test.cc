#include "ipt/identity_resolver/identity_resolver.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "ipt/identity_resolver/affinity_net.h"
#include "ipt/identity_resolver/identity_resolver_training.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::identity_resolver {
namespace {

namespace fs = std::filesystem;
constexpr double kFps = 25;

// A match of `people` team-A players (roster numbers 1..people), each walking for
// `frames` frames, seen in pieces of 40-120 frames with gaps of 10-80 frames (out of
// view); a piece shows the player's own appearance (a random unit vector) with noise, and
// reads his number with probability 0.3.
LabelledIdentityMatch MakeMatch(uint32_t seed, int people, int frames) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 1);
  LabelledIdentityMatch m;
  m.name = "synthetic-" + std::to_string(seed);
  m.match.fps = kFps;
  for (int p = 1; p <= people; ++p) m.match.roster.push_back({p, io::Category::kTeamA, p, "p" + std::to_string(p)});
  for (int p = 1; p <= people; ++p) {
    std::vector<double> look(8);
    for (double& v : look) v = noise(rng);
    Eigen::Vector2d position(20 + 60 * u(rng), 10 + 40 * u(rng)), velocity(4 * u(rng) - 2, 4 * u(rng) - 2);
    int f = 1 + static_cast<int>(u(rng) * 20);
    while (f < frames) {
      const int len = 40 + static_cast<int>(u(rng) * 80);
      tracking::IdentityTrack t;
      t.track_id = static_cast<int64_t>(m.tracks.size());
      t.first_frame = f;
      t.last_frame = std::min(frames, f + len);
      t.first_position_m = position + velocity * (t.first_frame / kFps);
      t.last_position_m = position + velocity * (t.last_frame / kFps);
      t.detections = t.last_frame - t.first_frame + 1;
      t.category = io::Category::kTeamA;
      t.jersey.fill(0.f);
      if (u(rng) < 0.3) {
        t.jersey[p] = 0.7f;
        t.jersey[io::kNumJerseys] = 0.3f;
        t.crop_jersey[p] = 1.f;
        t.legible = 0.2f;
      } else {
        t.jersey[io::kNumJerseys] = 1.f;
      }
      double norm = 0;
      for (double v : look) {
        t.embedding.push_back(static_cast<float>(v + 0.5 * noise(rng)));
        norm += double(t.embedding.back()) * t.embedding.back();
      }
      for (float& v : t.embedding) v /= static_cast<float>(std::sqrt(norm));
      m.tracks.push_back(t);
      m.person.push_back(p);
      f = t.last_frame + 10 + static_cast<int>(u(rng) * 70);
    }
  }
  return m;
}

fs::path Package(AffinityNet& net, const fs::path& dir, nlohmann::json architecture = nullptr) {
  registry::ModelManifest manifest;
  manifest.name = manifest.kind = "identity_resolver";
  manifest.architecture = architecture.is_null() ? nlohmann::json{{"type", kIdentityResolverType},
                                                                  {"network", net->config.ToJson()},
                                                                  {"resolving", IdentityOptionsToJson({})},
                                                                  {"pair_features", tracking::PairFeatureNames()}}
                                                 : architecture;
  WritePackage(dir, io::SerializeSafetensors(nn::ModuleToSafetensors(*net)), &manifest);
  return dir;
}

TEST(IdentityResolver, SaveLoadGivesIdenticalAffinities) {
  const fs::path dir = testing::FreshTempDir("identity_save_load");
  torch::manual_seed(2);
  AffinityNet net(AffinityNetConfig{});
  net->SetNormalization(torch::rand({tracking::kPairFeatureCount}), torch::rand({tracking::kPairFeatureCount}) + 0.5);
  net->eval();
  IdentityResolver loaded(Package(net, dir / "package"));
  const LabelledIdentityMatch m = MakeMatch(3, 6, 600);
  const auto pairs = tracking::CandidatePairs(m.tracks, kFps, loaded.options());
  ASSERT_GT(pairs.size(), 10u);
  const std::vector<float> p = loaded.Affinity(m.tracks, kFps, pairs);
  torch::NoGradGuard no_grad;
  const torch::Tensor reference = torch::sigmoid(net->forward(PairFeatureTensor(m.tracks, kFps, pairs)));
  ASSERT_EQ(p.size(), pairs.size());
  for (size_t k = 0; k < pairs.size(); ++k) EXPECT_EQ(p[k], reference[static_cast<int64_t>(k)].item<float>());
}

TEST(IdentityResolver, RefusesPackagesOfOtherFeaturesOrOptions) {
  const fs::path dir = testing::FreshTempDir("identity_refuse");
  AffinityNet net(AffinityNetConfig{});
  const nlohmann::json good = {{"type", kIdentityResolverType},
                               {"network", net->config.ToJson()},
                               {"resolving", IdentityOptionsToJson({})},
                               {"pair_features", tracking::PairFeatureNames()}};
  auto error = [&](const nlohmann::json& architecture, const std::string& name) {
    return testing::MessageOf<InputError>([&] { IdentityResolver r(Package(net, dir / name, architecture)); });
  };
  nlohmann::json a = good;
  a["pair_features"] = {"gap_s"};
  EXPECT_NE(error(a, "features").find("architecture.pair_features"), std::string::npos);
  a = good;
  a["resolving"]["min_link_probability"] = 1.5;
  EXPECT_NE(error(a, "range").find("architecture.resolving"), std::string::npos);
  a = good;
  a["resolving"].erase("max_candidates");
  EXPECT_NE(error(a, "missing").find("architecture.resolving.max_candidates"), std::string::npos);
  a = good;
  a["other"] = 1;
  EXPECT_NE(error(a, "other").find("architecture.other"), std::string::npos);
}

// Packages written before the referee stations (session 16), joining by name (session 17),
// the tie rule (session 18), ... and the pooled reading (session 36) lack their keys: they
// load with the defaults; a package that sets them keeps its own.
TEST(IdentityResolver, OlderPackagesLoadWithTheRulesAddedSince) {
  const fs::path dir = testing::FreshTempDir("identity_older");
  AffinityNet net(AffinityNetConfig{});
  nlohmann::json a = {{"type", kIdentityResolverType},
                      {"network", net->config.ToJson()},
                      {"resolving", IdentityOptionsToJson({})},
                      {"pair_features", tracking::PairFeatureNames()}};
  for (const char* key : {"touchline_margin_m", "station_error", "join_by_name", "name_ties_by_detections",
                          "roster_veto_probability", "max_handover_seconds", "evict_by_name",
                          "evict_reading_tolerance_nats", "pooled_reading_weight", "pooled_reading_max_crops",
                          "min_name_probability", "substitution_likelihood_ratio", "substitution_seconds"}) {
    a["resolving"].erase(key);
  }
  a["resolving"]["min_player_probability"] = 0.4;
  const IdentityResolver old(Package(net, dir / "old", a));
  // It named at its min_player_probability (session 37 split the two).
  EXPECT_EQ(old.options().min_name_probability, 0.4);
  EXPECT_EQ(old.options().min_player_probability, 0.4);
  EXPECT_TRUE(old.options().join_by_name);
  EXPECT_TRUE(old.options().name_ties_by_detections);
  EXPECT_EQ(old.options().station_error, tracking::IdentityOptions{}.station_error);
  EXPECT_EQ(old.options().roster_veto_probability, tracking::IdentityOptions{}.roster_veto_probability);
  EXPECT_EQ(old.options().max_handover_seconds, tracking::IdentityOptions{}.max_handover_seconds);
  EXPECT_EQ(old.options().pooled_reading_weight, 0.0);  // off
  EXPECT_EQ(old.options().pooled_reading_max_crops, 0.0);
  EXPECT_EQ(old.options().substitution_likelihood_ratio, 1.0);  // off
  EXPECT_EQ(old.options().substitution_seconds, tracking::IdentityOptions{}.substitution_seconds);
  a["resolving"]["join_by_name"] = false;
  a["resolving"]["name_ties_by_detections"] = false;
  a["resolving"]["roster_veto_probability"] = 1.0;
  a["resolving"]["pooled_reading_weight"] = 0.3;
  a["resolving"]["min_name_probability"] = 0.001;
  a["resolving"]["substitution_likelihood_ratio"] = 30.0;
  const IdentityResolver off(Package(net, dir / "off", a));
  EXPECT_EQ(off.options().substitution_likelihood_ratio, 30.0);
  EXPECT_EQ(off.options().min_name_probability, 0.001);
  EXPECT_EQ(off.options().min_player_probability, 0.4);
  EXPECT_EQ(off.options().pooled_reading_weight, 0.3);
  EXPECT_FALSE(off.options().join_by_name);
  EXPECT_FALSE(off.options().name_ties_by_detections);
  EXPECT_EQ(off.options().roster_veto_probability, 1.0);
}

// A tiny training run lowers the loss, and the trained resolver links a fresh match's
// pieces and names more of its detections than the pieces alone would (no links: each
// piece named by its own reading only).
TEST(IdentityResolver, TinyTrainingLowersTheLossAndLinksPieces) {
  const fs::path dir = testing::FreshTempDir("identity_train");
  for (const char* m : {"train/seed-1000", "val/seed-5000"}) {
    fs::create_directories(dir / m);
    std::ofstream(dir / m / "match.yaml") << "format: ipt-match/1\n";
  }
  std::ofstream(dir / "recipe.yaml") << "model: identity_resolver\n"
                                     << "train_matches: [" << (dir / "train").string() << "]\n"
                                     << "val_matches: [" << (dir / "val").string() << "]\n"
                                     << "training: {steps: 200, steps_per_epoch: 50, learning_rate: 1.0e-2, loader_workers: 1}\n"
                                     << "data: {batch_pairs: 64}\n"
                                     << "network: {hidden: 16}\n";
  registry::TrainingContext ctx;
  ctx.model = "identity_resolver";
  ctx.recipe = dir / "recipe.yaml";
  ctx.run_dir = dir / "run";
  int calls = 0;
  const registry::TrainedWeights w = TrainIdentityResolver(ctx, [&](const std::vector<std::string>&, const IdentityDataOptions&) {
    ++calls;
    return calls == 1 ? std::vector<LabelledIdentityMatch>{MakeMatch(11, 8, 1500), MakeMatch(12, 8, 1500)}
                      : std::vector<LabelledIdentityMatch>{MakeMatch(13, 8, 1500)};
  });
  ASSERT_TRUE(w.finished);
  std::ifstream curves(dir / "run/curves.csv");
  std::string header, line;
  std::getline(curves, header);
  std::vector<std::string> names;
  std::stringstream hs(header);
  for (std::string c; std::getline(hs, c, ',');) names.push_back(c);
  const size_t k = std::find(names.begin(), names.end(), "train_loss") - names.begin();
  ASSERT_LT(k, names.size());
  std::vector<double> loss;
  while (std::getline(curves, line)) {
    std::stringstream ls(line);
    std::string cell;
    for (size_t i = 0; i <= k; ++i) std::getline(ls, cell, ',');
    loss.push_back(std::stod(cell));
  }
  ASSERT_EQ(loss.size(), 4u);
  EXPECT_LT(loss.back(), 0.7 * loss.front()) << loss.front() << " -> " << loss.back();

  registry::ModelManifest manifest;
  manifest.name = manifest.kind = "identity_resolver";
  manifest.architecture = w.architecture;
  WritePackage(dir / "package", w.weights_safetensors, &manifest);
  IdentityResolver resolver(dir / "package");
  const LabelledIdentityMatch m = MakeMatch(21, 8, 1500);
  const tracking::IdentityResult linked = resolver.Resolve(m.tracks, m.match);
  const tracking::IdentityResult alone = tracking::ResolveIdentities(
      m.tracks, m.match, [](const auto& pairs) { return std::vector<float>(pairs.size(), 0.f); }, resolver.options());
  auto named_right = [&](const tracking::IdentityResult& r) {
    double right = 0, all = 0;
    for (size_t t = 0; t < m.tracks.size(); ++t) {
      all += m.tracks[t].detections;
      right += r.player_id[t] == m.person[t] ? m.tracks[t].detections : 0;
    }
    return right / all;
  };
  EXPECT_LT(linked.identities, static_cast<int>(m.tracks.size()) / 2) << "pieces " << m.tracks.size();
  EXPECT_GT(named_right(linked), named_right(alone) + 0.2) << named_right(linked) << " vs " << named_right(alone);
}

TEST(IdentityResolver, BadRecipesNameTheField) {
  const fs::path dir = testing::FreshTempDir("identity_recipe");
  for (const char* m : {"train/seed-1000", "val/seed-5000"}) {
    fs::create_directories(dir / m);
    std::ofstream(dir / m / "match.yaml") << "format: ipt-match/1\n";
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"data: {cut: {min_piece_frames: 10, max_piece_frames: 5}}", "field 'data'"},
      {"data: {cut: {gaps: 3}}", "data.cut.gaps"},
      {"data: {batch_pairs: 0}", "field 'data'"},
      {"network: {hidden: 0}", "field 'network'"},
      {"network: {resolving: {min_link_probability: 1.5}}", "field 'network.resolving'"},
      {"network: {resolving: {max_speed: 3}}", "network.resolving.max_speed"},
  };
  for (const auto& [section, expected] : cases) {
    std::ofstream(dir / "recipe.yaml") << "model: identity_resolver\n"
                                       << "train_matches: [" << (dir / "train").string() << "]\n"
                                       << "val_matches: [" << (dir / "val").string() << "]\n"
                                       << section << "\n";
    registry::TrainingContext ctx;
    ctx.model = "identity_resolver";
    ctx.recipe = dir / "recipe.yaml";
    ctx.run_dir = dir / "run";
    bool loaded = false;
    const std::string error = testing::MessageOf<InputError>([&] {
      TrainIdentityResolver(ctx, [&](const std::vector<std::string>&, const IdentityDataOptions&) {
        loaded = true;
        return std::vector<LabelledIdentityMatch>{};
      });
    });
    EXPECT_NE(error.find("recipe.yaml"), std::string::npos) << section << ": " << error;
    EXPECT_NE(error.find(expected), std::string::npos) << section << ": " << error;
    EXPECT_FALSE(loaded) << section;
  }
}

}  // namespace
}  // namespace ipt::identity_resolver
