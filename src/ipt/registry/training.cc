#include "ipt/registry/training.h"

#include <unistd.h>

#include <ctime>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

#include "ipt_git_commit.h"  // IPT_GIT_COMMIT, written at build time (git_commit.cmake)

namespace ipt::registry {
namespace fs = std::filesystem;

TrainerRegistry& TrainerRegistry::Global() {
  static TrainerRegistry registry;
  return registry;
}

void TrainerRegistry::Register(const std::string& model, Trainer trainer) { trainers_[model] = std::move(trainer); }

const Trainer* TrainerRegistry::Find(const std::string& model) const {
  auto it = trainers_.find(model);
  return it == trainers_.end() ? nullptr : &it->second;
}

std::string TrainModel(const std::string& model, const ModelGraph& graph, const ModelCollection& collection,
                       ModelStore& store, TrainingContext ctx, const TrainerRegistry& trainers) {
  const ModelSpec& spec = graph.Model(model);
  const Trainer* trainer = trainers.Find(model);
  IPT_CHECK(trainer != nullptr, "no trainer for '{}' exists yet: the model arrives with its own issue", model);
  ctx.model = model;
  ctx.model_store = store.root();
  for (const Edge* e : graph.EdgesInto(model)) {
    auto it = collection.refs.find(e->upstream);
    if (it == collection.refs.end()) {
      IPT_CHECK(e->optional, "{} needs {}, which the collection does not name", model, e->upstream);
      continue;
    }
    ctx.upstream_refs[e->upstream] = store.Resolve(it->second);
  }
  TrainedWeights trained = (*trainer)(ctx);
  if (!trained.finished) return "";
  ModelManifest m;
  m.name = model;
  m.kind = spec.kind;
  m.architecture = trained.architecture;
  m.inputs = spec.inputs;
  m.outputs = spec.outputs;
  m.trained_with = ctx.upstream_refs;
  m.training_matches = trained.training_matches.empty() ? ctx.matches : trained.training_matches;
  m.training_artifacts = ctx.artifacts;
  m.metrics = trained.metrics;
  m.code_version = IPT_GIT_COMMIT;
  std::time_t t = std::time(nullptr);
  char created[32];
  std::strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  m.created = created;
  const fs::path staging = store.root() / (".staging-" + model + "-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  WritePackage(staging, trained.weights_safetensors, &m);
  std::string ref = store.Add(staging);
  fs::remove_all(staging);
  return ref;
}

}  // namespace ipt::registry
