// One step of a retraining cascade, run for real (`ipt cascade step`, which the cascade's
// executor and emitted scripts call once per step; cascade/plan.h makes the plan):
//
//   precompute:L        fill layer L for the training and evaluation matches
//   train:M             `ipt train M` with the recipe RECIPES/M.yaml (the trainer's defaults
//                       when there is none) on the training matches; its new ref goes to STATE/refs/M.ref
//   evaluate:tracking   `ipt run` (jersey by the vote) on every evaluation match into
//                       OUTPUTS/tracking/NAME, then PTFE: OUTPUTS/tracking/ptfe.json, report.html
//   evaluate:pipeline   the same with every model into OUTPUTS/pipeline; the collection it
//                       ran (validated) is written to STATE/models.yaml, to promote
//
// Each step reads the collection cascade::StepCollection makes from the input collection
// and the refs of the trainings before it, written to STATE/collections/STEP.yaml.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ipt/eval/ptfe.h"
#include "ipt/registry/training.h"

namespace ipt::pipeline {

struct CascadeStepOptions {
  std::string step;                        // a step id of the plan ("train:tracker")
  std::vector<std::string> changed;        // the changed models (the plan)
  std::filesystem::path models;            // the input collection (the changed models' new refs)
  std::filesystem::path matches;           // directory of training matches
  std::filesystem::path eval_matches;      // directory of evaluation matches ("" = matches)
  std::filesystem::path outputs;           // pipeline outputs of the evaluations
  std::filesystem::path state;             // collections, refs, training runs
  std::filesystem::path recipes = "configs/train";  // MODEL.yaml recipes (a directory)
  std::filesystem::path model_store;       // "" = registry::DefaultModelStoreRoot()
  std::filesystem::path cache;             // "" = store::DefaultArtifactStoreRoot()
  int threads = 2;                         // LibTorch threads of runs (training: the recipe's)
  // Progress of long work inside the step (training steps, matches).
  std::function<void(int64_t done, int64_t total, const std::string& status)> progress;
  void Check() const;
};

struct CascadeStepResult {
  std::string ref;                          // train: the new package
  int hits = 0, computed = 0;               // precompute: layer entries
  std::vector<eval::PtfeReport> reports;    // evaluate: per match and COMBINED
};

// Runs the step; ipt::Error on bad input (unknown step, a missing ref of an earlier
// training, a collection that does not validate, a failing trainer).
CascadeStepResult RunCascadeStep(const CascadeStepOptions& options,
                                 const registry::TrainerRegistry& trainers = registry::TrainerRegistry::Global());

}  // namespace ipt::pipeline
