// The model lifecycle end to end with a tiny real LibTorch trainer: train a model
// against a collection, check the package records the collection's upstream refs,
// and promote it.
#include <gtest/gtest.h>
#include <unistd.h>

#include "ipt/nn/tensor_file.h"
#include "ipt/registry/training.h"
#include "ipt/util/check.h"

namespace ipt::nn {
namespace {
namespace fs = std::filesystem;
using registry::ModelGraph;

std::string DummyWeights(float v) {
  torch::nn::Linear lin(1, 1);
  {
    torch::NoGradGuard g;
    lin->weight.fill_(v);
  }
  return io::SerializeSafetensors(ModuleToSafetensors(*lin));
}

// A small jersey-number head trained for a few real steps on random features.
registry::TrainedWeights TrainTinyJn(const registry::TrainingContext& ctx) {
  torch::manual_seed(1);
  torch::nn::Linear head(133, 101);
  torch::optim::Adam opt(head->parameters(), 1e-2);
  torch::Tensor x = torch::randn({64, 133}), y = torch::randint(0, 101, {64});
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(head->forward(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  registry::TrainedWeights w;
  w.weights_safetensors = io::SerializeSafetensors(ModuleToSafetensors(*head, {{"ipt.model", ctx.model}}));
  w.architecture = {{"type", "linear_head"}, {"in", 133}, {"classes", 101}};
  w.metrics = {{"loss_first", first}, {"loss_last", last}};
  return w;
}

registry::TrainingContext Context(std::vector<std::string> matches) {
  registry::TrainingContext ctx;
  ctx.matches = std::move(matches);
  return ctx;
}

TEST(Training, TrainedPackageRecordsProvenanceAndPromotes) {
  const fs::path work = fs::temp_directory_path() / ("ipt_training_" + std::to_string(::getpid()));
  fs::remove_all(work);
  ModelGraph graph = ModelGraph::PathA();
  registry::ModelStore store(work / "store");
  registry::ModelCollection collection;
  // Fixture packages for the other models, each trained with the ones before it.
  float seed = 1;
  for (const auto& name : graph.TopologicalOrder()) {
    registry::ModelManifest m;
    m.name = name;
    m.kind = graph.Model(name).kind;
    m.inputs = graph.Model(name).inputs;
    m.outputs = graph.Model(name).outputs;
    for (const auto* e : graph.EdgesInto(name)) m.trained_with[e->upstream] = collection.refs.at(e->upstream);
    registry::WritePackage(work / name, DummyWeights(seed++), &m);
    collection.refs[name] = store.Add(work / name);
  }
  registry::WriteCollection(collection, work / "models.yaml");

  registry::TrainerRegistry trainers;
  EXPECT_THROW(registry::TrainModel("jn_classifier", graph, collection, store, {}, trainers), Error);  // none yet
  trainers.Register("jn_classifier", TrainTinyJn);
  std::string ref = registry::TrainModel("jn_classifier", graph, collection, store, Context({"match-a"}), trainers);
  registry::ModelManifest m = store.Get(ref);
  EXPECT_EQ(m.trained_with.at("crop_encoder"), collection.refs.at("crop_encoder"));
  EXPECT_EQ(m.trained_with.at("tracker"), collection.refs.at("tracker"));
  EXPECT_EQ(m.training_matches, std::vector<std::string>{"match-a"});
  EXPECT_LT(m.metrics["loss_last"].get<double>(), m.metrics["loss_first"].get<double>());  // it learned
  EXPECT_FALSE(m.code_version.empty());
  // The weights load back into the same architecture.
  torch::nn::Linear head(133, 101);
  LoadModule(*head, store.PackageDir(ref) / "weights.safetensors");
  // Trained against the collection, it promotes.
  auto result = registry::Promote(work / "models.yaml", {{"jn_classifier", ref}}, graph, store);
  EXPECT_TRUE(result.promoted);
  // A trainer that reads its matches from its recipe reports them; the package records them.
  trainers.Register("identity_resolver", [](const registry::TrainingContext& ctx) {
    registry::TrainedWeights w = TrainTinyJn(ctx);
    w.training_matches = {"data/train-jn/seed-1040", "data/train-jn/seed-1041"};
    return w;
  });
  const std::string resolver = registry::TrainModel("identity_resolver", graph, collection, store, Context({}), trainers);
  EXPECT_EQ(store.Get(resolver).training_matches,
            (std::vector<std::string>{"data/train-jn/seed-1040", "data/train-jn/seed-1041"}));
}

}  // namespace
}  // namespace ipt::nn
