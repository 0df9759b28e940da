// Crop encoder: named outputs with the recorded schema, save -> load identical
// outputs, the package's schema checked on load, a few steps that lower the
// loss, the scoring against a brute-force count, and training the number reader
// alone from a package (the rest stays bit for bit).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/imgproc.hpp>
#include <random>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/crop_encoder/crop_encoder_net.h"
#include "ipt/crop_encoder/crop_encoder_training.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/model_graph.h"
#include "ipt/sim/tiny_config_test_util.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::crop_encoder {
namespace {
namespace fs = std::filesystem;

CropEncoderNetConfig Tiny(bool jersey_branch = false) {
  CropEncoderNetConfig c;
  c.channels = {4, 8, 8, 8};
  c.jersey_channels = 4;
  c.jersey_hidden = 16;
  if (jersey_branch) c.jersey_branch = {4, 4, 8, 8};
  return c;
}

// A package of a tiny random network with the graph's schema for crop_encoder.
fs::path TinyPackage(const fs::path& dir, std::vector<registry::FieldSpec> outputs = {}, bool jersey_branch = false) {
  torch::manual_seed(11);
  CropEncoderNet net(Tiny(jersey_branch));
  registry::ModelManifest m;
  m.name = "crop_encoder";
  m.kind = "crop_encoder";
  const auto graph = registry::ModelGraph::PathA();
  m.inputs = graph.Model("crop_encoder").inputs;
  m.outputs = outputs.empty() ? graph.Model("crop_encoder").outputs : outputs;
  m.architecture = Tiny(jersey_branch).ToJson();
  registry::WritePackage(dir, io::SerializeSafetensors(nn::ModuleToSafetensors(*net)), &m);
  return dir;
}

TEST(CropEncoder, GraphSchemaIsTheOneTheCodeReads) {
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  const auto& outputs = graph.Model("crop_encoder").outputs;
  ASSERT_EQ(outputs.size(), CropFieldWidths().size());
  int jn = 0;
  for (const auto& f : outputs) {
    ASSERT_TRUE(CropFieldWidths().count(f.name)) << f.name;
    EXPECT_EQ(f.shape, (std::vector<int64_t>{-1, CropFieldWidths().at(f.name)})) << f.name;
    if (f.name.rfind("jn.", 0) == 0) jn += static_cast<int>(f.shape[1]);
  }
  EXPECT_EQ(jn, 133);  // the jersey-number features: 3 + 30 + 100
}

TEST(CropEncoder, NamedOutputsSaveLoadAndSchemaCheck) {
  const fs::path dir = testing::FreshTempDir("crop_encoder_pkg");
  CropEncoder a(TinyPackage(dir / "pkg"));
  std::vector<cv::Mat> crops;
  for (int i = 0; i < 3; ++i) crops.emplace_back(256, 128, CV_8UC3, cv::Scalar(40 * i, 100, 200 - 50 * i));
  CropFeatures f = a.Encode(crops);
  EXPECT_EQ(f.count, 3);
  for (const auto& [name, width] : CropFieldWidths()) EXPECT_EQ(f.fields.at(name).size(), 3u * width) << name;
  double norm = 0;
  for (int k = 0; k < kEmbeddingDim; ++k) norm += f.Row(kEmbeddingField, 1)[k] * f.Row(kEmbeddingField, 1)[k];
  EXPECT_NEAR(norm, 1.0, 1e-5);
  // Loaded again: identical outputs.
  CropEncoder b(dir / "pkg");
  EXPECT_EQ(b.Encode(crops).fields, f.fields);
  // A package whose recorded outputs differ from what the code reads is refused, naming the field.
  auto outputs = registry::ModelGraph::PathA().Model("crop_encoder").outputs;
  outputs[1].shape = {-1, 16};
  TinyPackage(dir / "bad", outputs);
  EXPECT_NE(testing::MessageOf<InputError>([&] { CropEncoder bad(dir / "bad"); }).find("team.kit"), std::string::npos);
  EXPECT_THROW(a.Encode({cv::Mat(100, 50, CV_8UC3)}), Error);  // wrong crop size
}

// Crops whose pixels differ only inside / only outside the jersey window.
std::vector<cv::Mat> CropsDifferingIn(bool inside_window) {
  cv::Mat a(kCropHeight, kCropWidth, CV_8UC3, cv::Scalar(60, 140, 90));
  cv::Mat b = a.clone();
  const cv::Rect window(0, kJerseyInputTop, kJerseyInputWidth, kJerseyInputHeight);
  if (inside_window) {
    cv::putText(b(window), "84", cv::Point(40, 70), cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(255, 255, 255), 3);
  } else {
    b.rowRange(kJerseyInputTop + kJerseyInputHeight, kCropHeight).setTo(cv::Scalar(0, 0, 255));
  }
  return {a, b};
}

TEST(CropEncoder, JerseyBranchReadsTheTorsoWindowAtFullResolution) {
  const fs::path dir = testing::FreshTempDir("crop_encoder_branch");
  CropEncoder encoder(TinyPackage(dir / "pkg", {}, /*jersey_branch=*/true));
  EXPECT_TRUE(encoder.has_jersey_branch());
  EXPECT_EQ(CropEncoderNetConfig::FromJson(encoder.manifest().architecture, "x").jersey_branch,
            (std::vector<int>{4, 4, 8, 8}));
  // PrepareCrop: the window is the crop's rows at full resolution.
  cv::Mat crop(kCropHeight, kCropWidth, CV_8UC3);
  cv::randu(crop, 0, 255);
  EncoderInput in = PrepareCrop(crop);
  EXPECT_EQ(cv::norm(in.jersey, crop(cv::Rect(0, kJerseyInputTop, kJerseyInputWidth, kJerseyInputHeight)), cv::NORM_INF), 0);
  EXPECT_EQ(in.body.size(), cv::Size(kNetworkInputWidth, kNetworkInputHeight));
  // Below the window only the body input changes: the jn fields stay, the embedding moves.
  CropFeatures outside = encoder.Encode(CropsDifferingIn(false));
  for (const char* field : {kNumberField, kDigitsField, kPresenceField}) {
    for (int k = 0; k < outside.Width(field); ++k) EXPECT_EQ(outside.Row(field, 0)[k], outside.Row(field, 1)[k]) << field;
  }
  double moved = 0;
  for (int k = 0; k < kEmbeddingDim; ++k) moved += std::abs(outside.Row(kEmbeddingField, 0)[k] - outside.Row(kEmbeddingField, 1)[k]);
  EXPECT_GT(moved, 0);
  // A number in the window changes the jn fields.
  CropFeatures inside = encoder.Encode(CropsDifferingIn(true));
  double changed = 0;
  for (int k = 0; k < kNumNumbers; ++k) changed += std::abs(inside.Row(kNumberField, 0)[k] - inside.Row(kNumberField, 1)[k]);
  EXPECT_GT(changed, 0);
  // Save -> load: identical outputs.
  CropEncoder again(dir / "pkg");
  EXPECT_EQ(again.Encode(CropsDifferingIn(true)).fields, inside.fields);
  // An architecture whose window differs from this code's is refused.
  auto arch = Tiny(true).ToJson();
  arch["jersey_input_top_row"] = kJerseyInputTop + 8;
  EXPECT_THROW(CropEncoderNetConfig::FromJson(arch, "model.json"), InputError);
}

// The claim training relies on to keep the reader and the body at different
// steps: changing one part's tensors moves only that part's output fields.
TEST(CropEncoder, JerseyReaderAndBodyShareNothing) {
  torch::manual_seed(3);
  CropEncoderNet net(Tiny(/*jersey_branch=*/true));
  net->eval();
  const std::vector<std::string> reader = net->jersey_reader_prefixes();
  ASSERT_FALSE(reader.empty());
  EXPECT_TRUE(CropEncoderNet(Tiny(false))->jersey_reader_prefixes().empty());
  torch::NoGradGuard no_grad;
  const torch::Tensor body = torch::rand({2, 3, kNetworkInputHeight, kNetworkInputWidth});
  const torch::Tensor jersey = torch::rand({2, 3, kJerseyInputHeight, kJerseyInputWidth});
  const auto before = net->forward(body, jersey);
  auto is_reader = [&](const std::string& name) {
    for (const auto& p : reader) {
      if (name.rfind(p, 0) == 0) return true;
    }
    return false;
  };
  const std::vector<std::string> jn = {kPresenceField, kDigitsField, kNumberField};
  const std::vector<std::string> rest = {kEmbeddingField, kKitField, kRoleField, kFootOffsetField};
  for (const bool perturb_reader : {true, false}) {
    CropEncoderNet copy(Tiny(true));
    nn::LoadModuleFromSafetensors(*copy, nn::ModuleToSafetensors(*net), "net");
    copy->eval();
    int perturbed = 0;
    for (auto& p : copy->named_parameters()) {
      if (is_reader(p.key()) != perturb_reader) continue;
      p.value().add_(torch::randn_like(p.value()) * 0.5);
      ++perturbed;
    }
    ASSERT_GT(perturbed, 0);
    const auto after = copy->forward(body, jersey);
    for (const auto& field : jn) {
      EXPECT_EQ(torch::equal(before.at(field), after.at(field)), !perturb_reader) << field << " " << perturb_reader;
    }
    for (const auto& field : rest) {
      EXPECT_EQ(torch::equal(before.at(field), after.at(field)), perturb_reader) << field << " " << perturb_reader;
    }
  }
}

TEST(CropEncoder, JerseyProbabilitiesFollowTheFormula) {
  std::mt19937 gen(5);
  std::normal_distribution<float> normal(0, 2);
  for (int trial = 0; trial < 20; ++trial) {
    float number[kNumNumbers], digits[kNumDigitLogits];
    for (float& v : number) v = normal(gen);
    for (float& v : digits) v = normal(gen);
    const auto p = JerseyNumberProbabilities(number, digits);
    // Brute force, written out: softmaxes by their definition.
    auto softmax_at = [](const float* logits, int n, int k) {
      double sum = 0;
      for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]));
      return std::exp(static_cast<double>(logits[k])) / sum;
    };
    double one_digit = 0, total = 0;
    for (int n = 0; n < 10; ++n) one_digit += softmax_at(number, kNumNumbers, n);
    for (int n = 0; n < kNumNumbers; ++n) {
      const double expected = n < 10 ? one_digit * softmax_at(digits, 10, n)
                                     : (1 - one_digit) * softmax_at(digits + 10, 10, n / 10) /
                                           (1 - softmax_at(digits + 10, 10, 0)) * softmax_at(digits + 20, 10, n % 10);
      EXPECT_NEAR(p[n], expected, 1e-6) << n;
      total += p[n];
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
  }
  // A number the whole-number head never learnt (it says 81) is read from the digits.
  float number[kNumNumbers] = {}, digits[kNumDigitLogits] = {};
  number[81] = 8;
  digits[10 + 8] = 6;
  digits[20 + 4] = 6;
  const auto p = JerseyNumberProbabilities(number, digits);
  EXPECT_EQ(std::max_element(p.begin(), p.end()) - p.begin(), 84);
}

TEST(CropEncoder, ScoresMatchBruteForce) {
  // Two identities over two halves; embeddings make identity 0's query find identity 1.
  std::vector<CropSample> samples(4);
  samples[0] = {{}, {}, 0, 1, 0, 0, Role::kPlayer, 2, 7};
  samples[1] = {{}, {}, 0, 1, 1, 0, Role::kPlayer, 0, 9};
  samples[2] = {{}, {}, 0, 10, 0, 0, Role::kReferee, 0, -1};
  samples[3] = {{}, {}, 0, 10, 1, 0, Role::kPlayer, 1, 9};  // part of #9 shown
  CropFeatures f;
  f.count = 4;
  for (const auto& [name, width] : CropFieldWidths()) f.fields[name].assign(4 * width, 0.0f);
  auto& e = f.fields[kEmbeddingField];
  e[0 * 64] = 1;  // query of identity 0 ...
  e[2 * 64 + 1] = 1;
  e[3 * 64] = 1;  // ... is closest to identity 1 in the second half: wrong
  e[1 * 64 + 1] = 1;  // query of identity 1 is closest to identity 0 in the second half: wrong
  f.fields[kNumberField][0 * 100 + 7] = 5;  // legible crop read right: one digit, 7
  f.fields[kDigitsField][0 * 30 + 7] = 5;
  f.fields[kRoleField][2 * 4 + 2] = 5;      // referee right; others default to player (argmax 0)
  f.fields[kNumberField][3 * 100 + 9] = 5;  // the partial crop read right
  f.fields[kDigitsField][3 * 30 + 9] = 5;
  CropEncoderScores s = ScoreCropFeatures(samples, f);
  EXPECT_EQ(s.partial, 1);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy_partial, 1.0);
  EXPECT_EQ(s.queries, 2);
  EXPECT_DOUBLE_EQ(s.reid_rank1, 0.0);
  EXPECT_EQ(s.legible, 1);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy_number_head, 1.0);
  // The digits now say 3: the rule reads 3, the number head alone still 7.
  f.fields[kDigitsField][0 * 30 + 3] = 9;
  s = ScoreCropFeatures(samples, f);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy, 0.0);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy_number_head, 1.0);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy_partial, 1.0);
  EXPECT_DOUBLE_EQ(s.role_accuracy, 1.0);
  f.fields[kDigitsField][3 * 30 + 4] = 9;  // the partial crop's digits now say 4
  EXPECT_DOUBLE_EQ(ScoreCropFeatures(samples, f).jersey_accuracy_partial, 0.0);
}

// A jersey-scene crop has no identity: it counts for the jersey and presence, never for
// ReID or the foot error.
TEST(CropEncoder, ScoresCountSceneCropsForTheReaderOnly) {
  std::vector<CropSample> samples(3);
  samples[0] = {{}, {}, 0, 1, 0, 0, Role::kPlayer, 0, -1};
  samples[1] = {{}, {}, 0, 10, 0, 0, Role::kPlayer, 0, -1};
  samples[2] = {{}, {}, -1, 1, -1, -1, Role::kPlayer, 2, 42};
  samples[2].from_scene = true;
  samples[2].foot_offset_m[0] = 5;  // would dominate the foot error if counted
  CropFeatures f;
  f.count = 3;
  for (const auto& [name, width] : CropFieldWidths()) f.fields[name].assign(3 * width, 0.0f);
  f.fields[kDigitsField][2 * 30 + 10 + 4] = 5;  // tens 4
  f.fields[kDigitsField][2 * 30 + 20 + 2] = 5;  // units 2
  f.fields[kNumberField][2 * 100 + 42] = 5;
  f.fields[kPresenceField][2 * 3 + 2] = 5;       // legible
  const CropEncoderScores s = ScoreCropFeatures(samples, f);
  EXPECT_EQ(s.legible, 1);
  EXPECT_DOUBLE_EQ(s.jersey_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(s.presence_accuracy, 1.0);
  EXPECT_EQ(s.queries, 1);
  EXPECT_DOUBLE_EQ(s.foot_error_m, 0.0);
}

// Scene crops are the same whatever the number of loader threads (one stream per stadium).
TEST(CropEncoder, SceneSamplesDoNotDependOnThreads) {
  CropDataOptions o;
  o.scenes.scenes_per_stadium = 2;
  o.scenes.people_per_scene = 4;
  o.scenes.image_sizes_px = {{640, 360}};
  o.loader_threads = 1;
  const auto one = LoadSceneSamples({3000, 3001}, o, 7);
  o.loader_threads = 2;
  const auto two = LoadSceneSamples({3000, 3001}, o, 7);
  ASSERT_EQ(one.size(), two.size());
  ASSERT_FALSE(one.empty());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_TRUE(one[i].from_scene);
    EXPECT_EQ(one[i].identity, -1);
    EXPECT_EQ(one[i].match, two[i].match);
    EXPECT_EQ(one[i].jersey, two[i].jersey);
    EXPECT_EQ(one[i].pixels, two[i].pixels);
    EXPECT_EQ(one[i].jersey_pixels, two[i].jersey_pixels);
  }
}

TEST(CropEncoder, MetricLearningDrawsIdentitiesSeenLongEnough) {
  // (identity, time_s) of each crop; -1 is no one.
  const std::vector<std::pair<int, float>> crops = {{0, 0.0f}, {0, 30.0f}, {1, 2.0f}, {1, 6.0f}, {1, 4.0f},
                                                    {2, 50.0f}, {3, 10.0f}, {3, 20.0f}, {-1, 0.0f}, {-1, 90.0f}};
  std::vector<CropSample> samples;
  for (const auto& [identity, time_s] : crops) {
    CropSample s;
    s.identity = identity;
    s.time_s = time_s;
    samples.push_back(s);
  }
  // Brute force: an identity qualifies when it has >= 2 crops and max - min time >= the span.
  for (double min_span_s : {0.0, 4.0, 4.5, 10.0, 30.0, 31.0}) {
    std::vector<int> expected;
    for (int id = 0; id < 4; ++id) {
      std::vector<float> times;
      for (const auto& [identity, time_s] : crops) {
        if (identity == id) times.push_back(time_s);
      }
      const auto [lo, hi] = std::minmax_element(times.begin(), times.end());
      if (times.size() >= 2 && *hi - *lo >= min_span_s) expected.push_back(id);
    }
    EXPECT_EQ(MetricLearningIdentities(samples, min_span_s), expected) << min_span_s;
  }
  EXPECT_EQ(MetricLearningIdentities(samples, 0.0), (std::vector<int>{0, 1, 3}));  // 2 has one crop
  EXPECT_EQ(MetricLearningIdentities(samples, 4.0), (std::vector<int>{0, 1, 3}));  // 1 spans 4 s
  EXPECT_EQ(MetricLearningIdentities(samples, 4.5), (std::vector<int>{0, 3}));
  EXPECT_EQ(MetricLearningIdentities(samples, 10.0), (std::vector<int>{0, 3}));
  EXPECT_EQ(MetricLearningIdentities(samples, 10.5), (std::vector<int>{0}));
  EXPECT_TRUE(MetricLearningIdentities(samples, 31.0).empty());
}

TEST(CropEncoder, AFewStepsLowerTheLoss) {
  for (bool branch : {false, true}) {
    torch::manual_seed(2);
    CropEncoderNet net(Tiny(branch));
    // Four "kits" as flat colours; the number (and without the branch, role) heads learn them.
    torch::Tensor images = torch::zeros({8, 3, kNetworkInputHeight, kNetworkInputWidth});
    torch::Tensor jersey = torch::zeros({8, 3, kJerseyInputHeight, kJerseyInputWidth});
    // With the branch, only the jersey input tells the crops apart: the jn heads must read it.
    for (int i = 0; i < 8; ++i) {
      (branch ? jersey : images)[i][i % 3].fill_(0.25f * (1 + i % 4));
    }
    torch::Tensor role = torch::tensor({0, 1, 2, 3, 0, 1, 2, 3}, torch::kInt64);
    torch::Tensor number = torch::tensor({5, 17, 23, 99, 5, 17, 23, 99}, torch::kInt64);
    torch::optim::Adam opt(net->parameters(), 1e-2);
    double first = 0, last = 0;
    for (int step = 0; step < 30; ++step) {
      opt.zero_grad();
      auto out = net->forward(images, branch ? jersey : torch::Tensor());
      auto loss = torch::nn::functional::cross_entropy(out.at(kNumberField), number);
      if (!branch) loss = loss + torch::nn::functional::cross_entropy(out.at(kRoleField), role);
      loss.backward();
      opt.step();
      (step == 0 ? first : last) = loss.item<double>();
    }
    EXPECT_LT(last, 0.5 * first) << (branch ? "with" : "without") << " jersey branch";
  }
}

// A recipe that trains only the number reader of `from` on jersey scenes (tiny).
// `from` empty: no from_package key; `scenes` replaces keys of data.jersey_scenes.
fs::path ReaderRecipe(const fs::path& dir, const fs::path& match, const std::string& from,
                      const std::string& network_extra = "", const std::map<std::string, std::string>& scenes = {},
                      const std::string& data_extra = "") {
  std::map<std::string, std::string> scene_keys = {
      {"seeds", "'3000'"},        {"val_seeds", "'5900'"},      {"scenes_per_stadium", "2"},
      {"people_per_scene", "6"},  {"crops_per_batch", "6"},     {"image_sizes", "[[640, 360]]"}};
  for (const auto& [key, value] : scenes) scene_keys[key] = value;
  std::string scene_yaml;
  for (const auto& [key, value] : scene_keys) scene_yaml += (scene_yaml.empty() ? "" : ", ") + key + ": " + value;
  const fs::path path = dir / "reader.yaml";
  std::ofstream(path) << "model: crop_encoder\n"
                      << "train_matches: [" << match.string() << "]\n"
                      << "val_matches: [" << match.string() << "]\n"
                      << "training: {steps: 4, steps_per_epoch: 2, threads: 1, loader_workers: 1, learning_rate: 0.01}\n"
                      << "data: {frame_step: 5, val_frame_step: 10, identities_per_batch: 4, crops_per_identity: 2,\n"
                      << "       legible_per_batch: 2, background_per_batch: 2, loader_threads: 1," << data_extra << (data_extra.empty() ? "" : ",") << "\n"
                      << "       jersey_scenes: {" << scene_yaml << "}}\n"
                      << "network: {" << (from.empty() ? "" : "from_package: '" + from + "'") << network_extra << "}\n";
  return path;
}

registry::TrainingContext ReaderContext(const fs::path& dir, const fs::path& recipe) {
  registry::TrainingContext ctx;
  ctx.model = "crop_encoder";
  ctx.model_store = dir / "store";
  ctx.recipe = recipe;
  ctx.run_dir = dir / "run";
  ctx.overwrite = true;
  return ctx;
}

TEST(CropEncoder, ReaderTrainsAloneFromAPackage) {
  const fs::path dir = testing::FreshTempDir("crop_encoder_reader");
  const fs::path match = dir / "m";
  sim::WriteSyntheticMatch(sim::testing::TinyMatchConfig(), 1000, 1.0, match, {});
  registry::ModelStore store(dir / "store");
  const std::string from = store.Add(TinyPackage(dir / "pkg", {}, /*jersey_branch=*/true));
  const registry::TrainedWeights w =
      TrainCropEncoder(ReaderContext(dir, ReaderRecipe(dir, match, from.substr(0, 8), ", train_only: jersey_reader")));
  ASSERT_TRUE(w.finished);
  EXPECT_EQ(w.metrics.at("from_package"), from);
  EXPECT_EQ(w.metrics.at("train_only"), "jersey_reader");
  EXPECT_EQ(w.architecture, Tiny(true).ToJson());

  // The trained network next to the package it started from, on crops of the match.
  registry::ModelManifest m = store.Get(from);
  registry::WritePackage(dir / "trained", w.weights_safetensors, &m);
  CropEncoder before(store.PackageDir(from)), after(dir / "trained");
  std::vector<cv::Mat> crops;
  for (int i = 0; i < 6; ++i) {
    cv::Mat crop(kCropHeight, kCropWidth, CV_8UC3);
    cv::randu(crop, 0, 255);
    crops.push_back(crop);
  }
  const CropFeatures a = before.Encode(crops), b = after.Encode(crops);
  for (const auto& [field, width] : CropFieldWidths()) {
    const bool jn = field.rfind("jn.", 0) == 0;
    EXPECT_EQ(a.fields.at(field) == b.fields.at(field), !jn) << field;
  }
}

TEST(CropEncoder, ReaderRecipeErrorsNameTheField) {
  const fs::path dir = testing::FreshTempDir("crop_encoder_reader_errors");
  registry::ModelStore store(dir / "store");
  const std::string branchless = store.Add(TinyPackage(dir / "pkg", {}, /*jersey_branch=*/false));
  const fs::path match = dir / "m";  // never read: the network section is refused first
  sim::WriteSyntheticMatch(sim::testing::TinyMatchConfig(), 1000, 0.2, match, {});
  auto error_of = [&](const std::string& from, const std::string& extra,
                      const std::map<std::string, std::string>& scenes = {}, const std::string& data = "") {
    try {
      TrainCropEncoder(ReaderContext(dir, ReaderRecipe(dir, match, from, extra, scenes, data)));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of(branchless, ", train_only: body"), ::testing::HasSubstr("network.train_only"));
  EXPECT_THAT(error_of(branchless, ", train_only: jersey_reader"), ::testing::HasSubstr("no jersey branch"));
  EXPECT_THAT(error_of("feedbeef", ""), ::testing::HasSubstr("network.from_package"));
  EXPECT_THAT(error_of(branchless, ", channels: [4, 8, 8, 8]"), ::testing::HasSubstr("channels"));
  EXPECT_THAT(error_of("", "train_only: jersey_reader"), ::testing::HasSubstr("needs network.from_package"));
  EXPECT_THAT(error_of(branchless, "", {{"people_per_scene", "0"}}), ::testing::HasSubstr("data.jersey_scenes"));
  EXPECT_THAT(error_of(branchless, "", {{"seeds", "'9000'"}}), ::testing::HasSubstr("held-out seed"));
  EXPECT_THAT(error_of(branchless, "", {{"val_seeds", "'3000'"}}), ::testing::HasSubstr("train seed"));
  EXPECT_THAT(error_of(branchless, "", {{"image_sizes", "[[640]]"}}), ::testing::HasSubstr("image_sizes"));
  EXPECT_THAT(error_of(branchless, "", {{"image_sizes", "[[0, 360]]"}}), ::testing::HasSubstr("data.jersey_scenes"));
  EXPECT_THAT(error_of(branchless, "", {}, " number_label_legibility: none"),
              ::testing::HasSubstr("data.number_label_legibility"));
  EXPECT_THAT(error_of(branchless, "", {}, " number_label_legibility: visible"),
              ::testing::HasSubstr("expected partial or legible"));
}

// Which crops teach the number heads: legible ones by default, partial ones as well when
// asked; never a crop without a number or whose number is not shown.
TEST(CropEncoder, NumberLabelsFollowTheLegibilityAsked) {
  CropSample legible, partial, hidden, referee;
  legible.jersey = partial.jersey = hidden.jersey = 23;
  legible.legibility = static_cast<int>(io::Legibility::kLegible);
  partial.legibility = static_cast<int>(io::Legibility::kPartial);
  hidden.legibility = static_cast<int>(io::Legibility::kNone);
  referee.jersey = -1;
  referee.legibility = static_cast<int>(io::Legibility::kLegible);
  for (io::Legibility level : {io::Legibility::kLegible, io::Legibility::kPartial}) {
    EXPECT_EQ(NumberLabel(legible, level), 23);
    EXPECT_EQ(NumberLabel(partial, level), level == io::Legibility::kPartial ? 23 : -1);
    EXPECT_EQ(NumberLabel(hidden, level), -1);
    EXPECT_EQ(NumberLabel(referee, level), -1);
  }
  EXPECT_EQ(CropDataOptions{}.number_label_legibility, io::Legibility::kLegible);
}

}  // namespace
}  // namespace ipt::crop_encoder
