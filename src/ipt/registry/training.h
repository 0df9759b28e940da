// Training a model of the graph inside the lifecycle: a registered trainer
// produces weights and an architecture config; TrainModel records provenance
// (the collection's refs of every upstream model), builds the package, and adds
// it to the model store. `ipt train MODEL` is this call; the cascade runs it.
// Trainers are registered by the model modules (and by tests, with tiny real
// LibTorch networks); a model without a registered trainer cannot be trained.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/registry/collection.h"

namespace ipt::registry {

// What `ipt train MODEL` hands a trainer. The recipe (configs/train/MODEL.yaml)
// holds the model's data, network and training settings; the fields below
// override it where set.
struct TrainingContext {
  std::string model;
  std::map<std::string, std::string> upstream_refs;  // model -> ref, from the collection
  std::filesystem::path model_store;                 // where upstream packages live
  std::filesystem::path cache;                       // precompute store for trainers reading layers ("" = default)
  std::vector<std::string> matches;                  // training match directories (trainer fills from the recipe)
  std::vector<std::string> validation_matches;       // validation match directories
  std::vector<std::string> artifacts;                // precompute keys used
  std::filesystem::path recipe;                      // YAML recipe; empty = the trainer's defaults
  std::filesystem::path run_dir;                     // checkpoints, curves, best weights
  bool resume = false;                               // continue the run in run_dir
  bool overwrite = false;                            // replace an earlier run in run_dir
  int threads = 0;                                   // > 0: overrides the recipe
  std::string device;                                // non-empty: overrides the recipe
  double max_minutes = -1;                           // >= 0: overrides the recipe
  std::function<void(int64_t step, int64_t steps, const std::string& status)> progress;
};

// The checkpoint a training run keeps in its run directory (nn/trainer.h writes it;
// `--resume` continues from it).
inline constexpr const char* kCheckpointFileName = "checkpoint.pt";

struct TrainedWeights {
  std::string weights_safetensors;                 // serialized safetensors file
  nlohmann::json architecture = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();
  // The match directories trained on (the recipe's, expanded); the package records them
  // (training_data.matches), else the context's.
  std::vector<std::string> training_matches;
  bool finished = true;  // false: stopped early (max_minutes); nothing is packaged, resume later
};

using Trainer = std::function<TrainedWeights(const TrainingContext&)>;

class TrainerRegistry {
 public:
  static TrainerRegistry& Global();
  void Register(const std::string& model, Trainer trainer);
  const Trainer* Find(const std::string& model) const;

 private:
  std::map<std::string, Trainer> trainers_;
};

// Trains `model` with the registered trainer and adds the package to the store;
// returns its ref. Throws when no trainer is registered or an upstream model the
// model needs is missing from the collection.
// `context` supplies the run settings (recipe, run_dir, resume, ...); its model,
// upstream_refs and model_store are filled here. Returns "" when the trainer
// stopped early (nothing packaged).
std::string TrainModel(const std::string& model, const ModelGraph& graph, const ModelCollection& collection,
                       ModelStore& store, TrainingContext context,
                       const TrainerRegistry& trainers = TrainerRegistry::Global());

// A package made without training: the stored package `base` (a ref or unique prefix) with
// some of its architecture options changed. Each change names an existing number, boolean or
// string by its dotted path in the architecture ("resolving.max_handover_seconds") and keeps
// its type (an integer stays an integer). Weights, provenance (trained_with), schemas and
// training data stay the base's; metrics gain "derived_from" (the base's ref) and
// "derived_changes" (path -> value, with those of the base when it was derived too). The new
// package is written aside, handed to `check` (e.g. loading it, which checks the options),
// then added to the store; returns its ref. A path absent from the package is added in its
// section when `known_options` (the architecture-shaped options its model knows, with their
// defaults) holds it: an option the model gained after the package was made, read at its
// default until then; the value takes the default's type. Throws ipt::Error naming the path
// when it is missing or not such a value, when a value changes type, or when nothing changes.
std::string DerivePackage(ModelStore& store, const std::string& base, const std::map<std::string, nlohmann::json>& changes,
                          const std::function<void(const std::filesystem::path& package_dir)>& check = nullptr,
                          const std::function<nlohmann::json(const ModelManifest&)>& known_options = nullptr);

// The commit this build was made from, as packages record it (`code_version`): taken at
// build time (git_commit.cmake), "-dirty" when tracked files differed from it,
// "-unknown-state" when git could not tell, "unknown" outside a git work tree of its own.
const char* CodeVersion();

}  // namespace ipt::registry
