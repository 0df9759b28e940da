// What every model's trainer does around its own data and network, in this order:
//
//   const TrainRecipe recipe = LoadTrainRecipe(ctx);
//   CheckRunDirectory(ctx, recipe, "jn classifier");  // before loading data (minutes, for some)
//   ... load the data ...
//   StartTorch(recipe.training);                      // before the task builds its network
//   MyTask task(...);
//   TrainingOutcome outcome;
//   registry::TrainedWeights w = TrainTask(task, ctx, recipe, "tracks", &outcome);
//   if (!w.finished) return w;                        // stopped by max_minutes: resume later
//   w.weights_safetensors = BestWeightsSafetensors(*task.net(), outcome);
//   w.architecture = ...;                             // the model's own
#pragma once

#include <torch/torch.h>

#include <string>

#include "ipt/nn/recipe.h"
#include "ipt/nn/trainer.h"
#include "ipt/registry/training.h"

namespace ipt::nn {

// Throws unless ctx names a run directory, and, for a resume, unless that directory holds
// a run this recipe may continue. `model` names the model in the message ("gnn tracker").
void CheckRunDirectory(const registry::TrainingContext& ctx, const TrainRecipe& recipe, const std::string& model);

// LibTorch's threads and the seed of the weights' initialisation, from the recipe.
void StartTorch(const TrainOptions& options);

// Runs the training loop in ctx.run_dir (resuming or overwriting as ctx says) with `ipt
// train`'s progress line counting `unit`s per second, and returns the package's record of
// the run: `finished`, and when finished the training matches and OutcomeMetrics. The
// trainer adds the weights and architecture; `outcome` (not null) holds the loop's result.
registry::TrainedWeights TrainTask(TrainingTask& task, const registry::TrainingContext& ctx,
                                   const TrainRecipe& recipe, const std::string& unit, TrainingOutcome* outcome);

// Loads the run's kept weights into `module` and serializes them (safetensors bytes).
std::string BestWeightsSafetensors(torch::nn::Module& module, const TrainingOutcome& outcome);

}  // namespace ipt::nn
