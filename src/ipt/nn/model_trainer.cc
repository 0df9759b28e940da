#include "ipt/nn/model_trainer.h"

#include "ipt/nn/tensor_file.h"
#include "ipt/util/check.h"

namespace ipt::nn {

void CheckRunDirectory(const registry::TrainingContext& ctx, const TrainRecipe& recipe, const std::string& model) {
  IPT_CHECK(!ctx.run_dir.empty(), "{} training needs a run directory (--run-dir)", model);
  if (ctx.resume) CheckResumable(ctx.run_dir, recipe.training, RecipeIdentity(recipe));
}

void StartTorch(const TrainOptions& options) {
  SetTorchThreads(options.threads);
  torch::manual_seed(options.seed);
}

registry::TrainedWeights TrainTask(TrainingTask& task, const registry::TrainingContext& ctx,
                                   const TrainRecipe& recipe, const std::string& unit, TrainingOutcome* outcome) {
  IPT_ASSERT(outcome != nullptr);
  *outcome = RunTraining(task, recipe.training, ctx.run_dir, ctx.resume, ctx.overwrite,
                         ProgressObserver(ctx.progress, unit), RecipeIdentity(recipe));
  registry::TrainedWeights w;
  w.finished = outcome->finished;
  if (!w.finished) return w;
  w.training_matches = recipe.train_matches;
  w.metrics = OutcomeMetrics(*outcome, recipe.path);
  return w;
}

std::string BestWeightsSafetensors(torch::nn::Module& module, const TrainingOutcome& outcome) {
  LoadModule(module, outcome.best_weights);
  return io::SerializeSafetensors(ModuleToSafetensors(module));
}

}  // namespace ipt::nn
