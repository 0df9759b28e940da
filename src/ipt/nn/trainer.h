// The training loop every IPT model uses: AdamW, linear warm-up + cosine decay,
// global gradient-norm clipping, validation every epoch keeping the best
// weights, curves as CSV + PNG, and checkpoints that a resumed run continues
// exactly (same step, same schedule position, same batches: batch k is a pure
// function of k, see prefetch_loader.h).
//
// A run directory holds:
//   checkpoint.pt     model + optimizer + run state (LibTorch archive; one atomic write)
//   state.json        a readable copy of the run state: step, epoch sums, best, curve rows, options
//   best.safetensors  weights of the best validation score so far (per independent
//                     part, when the task declares parts: see ModelPart)
//   curves.csv        one row per epoch: step, lr, train losses, validation metrics
//   curves.png        the same, drawn
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ipt::nn {

struct TrainOptions {
  int64_t steps = 3000;              // optimizer steps in all
  int64_t steps_per_epoch = 250;     // validation, best weights and a curve row every epoch
  double learning_rate = 2e-3;       // AdamW peak learning rate
  double weight_decay = 1e-4;        // AdamW decoupled weight decay
  double warmup_fraction = 0.03;     // linear warm-up over this fraction of the steps
  double final_lr_fraction = 0.02;   // the cosine decays to this fraction of the peak
  double grad_clip_norm = 5.0;       // global L2 norm of the gradients; 0 = no clipping
  uint64_t seed = 1;                 // weights' initialisation and every batch
  int threads = 2;                   // LibTorch CPU threads (Debian's LibTorch uses 1 unless told)
  int loader_workers = 2;            // threads preparing batches ahead
  std::string device = "cpu";        // cpu | cuda
  double checkpoint_interval_s = 240;  // a checkpoint at least this often (and at the end)
  double max_minutes = 0;            // stop with a checkpoint after this long (resume later); 0 = no limit
  void Check() const;

  // Reads the keys above from `config` (unknown keys are errors naming `source`).
  static TrainOptions FromJson(const nlohmann::json& config, const std::string& source);
  nlohmann::json ToJson() const;
};

// The learning rate at `step` (0-based): linear warm-up from 0 to the peak over
// ceil(warmup_fraction * steps) steps, then cosine from the peak to
// final_lr_fraction * peak at the last step.
double ScheduledLearningRate(const TrainOptions& options, int64_t step);

struct StepResult {
  torch::Tensor loss;                    // scalar to minimise (the loop calls backward)
  std::map<std::string, double> parts;   // named loss terms, logged per epoch
  int64_t samples = 0;                   // samples in the batch, for samples/s
};

// A part of a model whose outputs depend on its own tensors only: no parameter,
// buffer or input feature shared with another part (e.g. the crop encoder's body
// network and its separate jersey reader). A task that declares parts gets each
// part kept at its own best validation step, so a reader that peaks early does
// not hold the rest of the network back, nor the reverse. The loop checks that the
// parts cover every tensor exactly once, and at the end that the joined weights
// score what each part scored at its own step (else the parts were not independent).
struct ModelPart {
  std::string name;                   // "body", "jersey"
  std::string score_name;             // validation metric to maximise for this part
  std::vector<std::string> prefixes;  // its tensors' names start with one of these;
                                      // empty: every tensor no other part claims
  std::vector<std::string> metrics;   // validation metrics its weights decide
};

// What a model's trainer supplies to the loop.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual torch::nn::Module& model() = 0;
  // Forward pass and loss on the batch of `step` (model in train mode).
  virtual StepResult Step(int64_t step) = 0;
  // Validation metrics (model in eval mode, no gradients).
  virtual std::map<std::string, double> Validate() = 0;
  // The validation metric to maximise when keeping the best weights.
  virtual std::string score_name() const = 0;
  // Independent parts kept at their own best steps; none (the default): the whole
  // model is kept at the best score_name().
  virtual std::vector<ModelPart> independent_parts() const { return {}; }
};

struct TrainStatus {
  int64_t step = 0, steps = 0;
  double loss = 0;           // mean of the last steps
  double samples_per_s = 0;
  double learning_rate = 0;
  double seconds = 0;        // training time so far, resumed runs included
  std::string last_validation;  // "score 0.93 (best 0.95 at step 1200)"
};
using TrainObserver = std::function<void(const TrainStatus&)>;

struct TrainingOutcome {
  bool finished = false;                 // false: stopped by max_minutes; resume later
  int64_t steps_done = 0;
  double train_seconds = 0;              // resumed runs included
  int64_t best_step = -1;                // with parts: the last step any part improved
  std::map<std::string, double> best_metrics;  // with parts: the joined weights' validation
                                               // (checked against each part's own step),
                                               // plus "best_step.<part>"
  std::filesystem::path best_weights;    // run_dir/best.safetensors
};

// The step a run in `run_dir` would resume at (0 without a checkpoint): tasks
// start their batch sequence there.
int64_t ResumeStep(const std::filesystem::path& run_dir);

// Trains task.model() with `options` in `run_dir`. Without `resume`, run_dir
// must be new or empty (or an earlier run's, with `overwrite`); with `resume` it
// must hold a checkpoint of a run with the same options (threads, workers,
// device and max_minutes may differ) and the same `recipe` (what else decides the
// batches and the network: nn::RecipeIdentity; null when there is none).
// Throws unless run_dir holds a checkpoint that a run with `options` and `recipe` may
// resume (the check RunTraining makes): trainers call it before loading their data.
void CheckResumable(const std::filesystem::path& run_dir, const TrainOptions& options,
                    const nlohmann::json& recipe = nullptr);

TrainingOutcome RunTraining(TrainingTask& task, const TrainOptions& options, const std::filesystem::path& run_dir,
                            bool resume, bool overwrite = false, const TrainObserver& observer = nullptr,
                            const nlohmann::json& recipe = nullptr);

// What `ipt train` shows of a run: one progress line per report, "loss L | R <unit>/s | lr X
// | <last validation>". Null when `progress` is (no observer).
using ProgressCallback = std::function<void(int64_t step, int64_t steps, const std::string& status)>;
TrainObserver ProgressObserver(ProgressCallback progress, std::string unit);

// What every package records of its training run: validation at the kept step, that step,
// steps done, minutes trained (resumed runs included) and the recipe's path: relative to
// the working directory when it lies inside it, however it was spelled (a cascade given
// `--recipes /abs/checkout/configs/train` records configs/train/MODEL.yaml, as a training
// given the relative path does), else as given.
nlohmann::json OutcomeMetrics(const TrainingOutcome& outcome, const std::string& recipe_path);

// `path` as OutcomeMetrics records it: relative to `base` when it lies inside it
// (lexically, after normalising both), else unchanged.
std::string RecordedRecipePath(const std::string& path, const std::filesystem::path& base);

}  // namespace ipt::nn
