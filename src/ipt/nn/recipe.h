// Training recipes: configs/train/MODEL.yaml.
//
//   model: detector                 # must name the model being trained
//   type: gnn_tracker               # optional: which kind of model (trackers have several)
//   train_matches: [data/train]     # match directories, or directories of matches
//   val_matches: [data/val]
//   training: {steps: 6000, ...}    # TrainOptions keys (trainer.h)
//   data: {...}                     # the model's own sections, read by its trainer
//   network: {...}
//
// The seed rule: a match directory named seed-N (as `ipt sim --seeds` writes)
// may be a training match only for N in 1000..4999 and a validation match only
// for N in 5000..5999; every other seed is held out for evaluation.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/nn/trainer.h"
#include "ipt/registry/training.h"

namespace ipt::nn {

constexpr int kFirstTrainingSeed = 1000, kLastTrainingSeed = 4999;
constexpr int kFirstValidationSeed = 5000, kLastValidationSeed = 5999;

struct TrainRecipe {
  std::string path;
  std::string type;  // the recipe's `type`, empty when absent
  std::vector<std::string> train_matches, val_matches;  // match directories
  TrainOptions training;
  YAML::Node data, network;  // null when absent
};

// Reads ctx.recipe (or defaults when empty), applies the context's overrides
// (matches, threads, device, max_minutes), expands directories of matches and
// checks the seed rule. Throws InputError naming the file and field.
TrainRecipe LoadTrainRecipe(const registry::TrainingContext& ctx);

// What a resumed run must share with the run it continues besides the training
// options: the data and network sections (as YAML text, without data.loader_threads,
// which only sets how fast data is prepared) and the match lists.
nlohmann::json RecipeIdentity(const TrainRecipe& recipe);

// Throws unless every match named seed-N obeys the seed rule for `role`
// ("train" or "val").
void CheckSeedRule(const std::vector<std::string>& matches, const std::string& role);

}  // namespace ipt::nn
