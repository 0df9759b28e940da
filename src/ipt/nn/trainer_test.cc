// The training loop: schedule against its formula, a tiny regression task that
// learns, checkpoint + resume equal to an uninterrupted run, and the loader's order.
#include "ipt/nn/trainer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "ipt/nn/model_trainer.h"
#include "ipt/nn/parallel.h"
#include "ipt/nn/prefetch_loader.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::nn {
namespace {
namespace fs = std::filesystem;

TEST(Schedule, WarmupThenCosineAsWrittenOut) {
  TrainOptions o;
  o.steps = 101;
  o.learning_rate = 1e-2;
  o.warmup_fraction = 0.1;     // ceil(10.1) = 11 warm-up steps
  o.final_lr_fraction = 0.05;
  for (int64_t s = 0; s < 11; ++s) EXPECT_NEAR(ScheduledLearningRate(o, s), 1e-2 * (s + 1) / 11.0, 1e-15);
  const double floor = 5e-4;
  for (int64_t s = 11; s < 101; ++s) {
    const double t = (s - 11) / 89.0;
    EXPECT_NEAR(ScheduledLearningRate(o, s), floor + (1e-2 - floor) * 0.5 * (1 + std::cos(M_PI * t)), 1e-15) << s;
  }
  EXPECT_NEAR(ScheduledLearningRate(o, 100), floor, 1e-15);  // ends at the floor
}

TEST(Options, CheckAndJson) {
  TrainOptions o;
  EXPECT_NO_THROW(o.Check());
  o.checkpoint_interval_s = 600;  // the issue: at least every 5 minutes
  EXPECT_THROW(o.Check(), Error);
  EXPECT_THROW(TrainOptions::FromJson({{"stepz", 3}}, "recipe.yaml"), InputError);
  EXPECT_THROW(TrainOptions::FromJson({{"steps", "many"}}, "recipe.yaml"), InputError);
  EXPECT_THROW(TrainOptions::FromJson({{"learning_rate", -1.0}}, "recipe.yaml"), InputError);
  TrainOptions back = TrainOptions::FromJson(TrainOptions{}.ToJson(), "x");
  EXPECT_EQ(back.ToJson(), TrainOptions{}.ToJson());
}

// y = A x + b on fixed random data; batch k is a function of k.
class LinearTask : public TrainingTask {
 public:
  LinearTask() {
    torch::manual_seed(123);  // before the layer: every task starts from the same weights
    net_ = torch::nn::Linear(8, 2);
    a_ = torch::randn({2, 8});
  }
  torch::nn::Module& model() override { return *net_; }
  StepResult Step(int64_t step) override {
    auto gen = torch::make_generator<torch::CPUGeneratorImpl>(1000 + step);
    torch::Tensor x = torch::randn({16, 8}, gen);
    torch::Tensor y = torch::matmul(x, a_.t()) + 0.5;
    StepResult r;
    r.loss = torch::mse_loss(net_(x), y);
    r.parts["mse"] = r.loss.item<double>();
    r.samples = 16;
    return r;
  }
  std::map<std::string, double> Validate() override {
    auto gen = torch::make_generator<torch::CPUGeneratorImpl>(7);
    torch::Tensor x = torch::randn({64, 8}, gen);
    double mse = torch::mse_loss(net_(x), torch::matmul(x, a_.t()) + 0.5).item<double>();
    return {{"neg_mse", -mse}};
  }
  std::string score_name() const override { return "neg_mse"; }
  torch::nn::Linear net_{nullptr};

 private:
  torch::Tensor a_;
};

TrainOptions TinyOptions() {
  TrainOptions o;
  o.steps = 200;
  o.steps_per_epoch = 50;
  o.learning_rate = 2e-2;
  o.threads = 1;
  return o;
}

TEST(Training, LearnsAndWritesCurves) {
  const fs::path dir = testing::FreshTempDir("trainer_learns");
  LinearTask task;
  const double before = task.Validate().at("neg_mse");
  TrainingOutcome out = RunTraining(task, TinyOptions(), dir / "run", false);
  EXPECT_TRUE(out.finished);
  EXPECT_EQ(out.steps_done, TinyOptions().steps);
  EXPECT_GT(out.best_metrics.at("neg_mse"), before * 0.1);  // error fell by 10x at least
  for (const char* f : {"checkpoint.pt", "state.json", "best.safetensors", "curves.csv", "curves.png"}) {
    EXPECT_TRUE(fs::exists(dir / "run" / f)) << f;
  }
  // The best weights load back and reproduce the best score.
  LinearTask reloaded;
  LoadModule(*reloaded.net_, out.best_weights);
  EXPECT_NEAR(reloaded.Validate().at("neg_mse"), out.best_metrics.at("neg_mse"), 1e-6);
  // A second run into the same directory needs --resume or overwrite.
  LinearTask again;
  EXPECT_THROW(RunTraining(again, TinyOptions(), dir / "run", false), Error);
}

TEST(Training, ReportsProgressAndRecordsTheOutcome) {
  EXPECT_FALSE(ProgressObserver(nullptr, "samples"));  // no callback, no observer
  const fs::path dir = testing::FreshTempDir("trainer_progress");
  LinearTask task;
  std::vector<std::string> lines;
  int64_t last_step = 0, steps = 0;
  const TrainObserver observer = ProgressObserver(
      [&](int64_t step, int64_t n, const std::string& status) {
        last_step = step;
        steps = n;
        lines.push_back(status);
      },
      "samples");
  const TrainingOutcome out = RunTraining(task, TinyOptions(), dir / "run", false, false, observer);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(steps, TinyOptions().steps);
  EXPECT_EQ(last_step, TinyOptions().steps);
  EXPECT_NE(lines.back().find(" samples/s | lr "), std::string::npos) << lines.back();
  EXPECT_EQ(lines.back().rfind("loss ", 0), 0u) << lines.back();
  const nlohmann::json metrics = OutcomeMetrics(out, "configs/train/x.yaml");
  EXPECT_EQ(metrics.at("best_step").get<int64_t>(), out.best_step);
  EXPECT_EQ(metrics.at("steps").get<int64_t>(), out.steps_done);
  EXPECT_DOUBLE_EQ(metrics.at("validation").at("neg_mse").get<double>(), out.best_metrics.at("neg_mse"));
  EXPECT_DOUBLE_EQ(metrics.at("train_minutes").get<double>(), out.train_seconds / 60.0);
  EXPECT_EQ(metrics.at("recipe").get<std::string>(), "configs/train/x.yaml");
}

TEST(Training, RecordsTheRecipeRelativeToTheWorkingDirectoryWhenInside) {
  EXPECT_EQ(RecordedRecipePath("/work/main/configs/train/x.yaml", "/work/main"), "configs/train/x.yaml");
  EXPECT_EQ(RecordedRecipePath("/work/main/./configs/../configs/x.yaml", "/work/main/"), "configs/x.yaml");
  EXPECT_EQ(RecordedRecipePath("/work/main/configs/x.yaml", "/work"), "main/configs/x.yaml");
  EXPECT_EQ(RecordedRecipePath("/elsewhere/x.yaml", "/work/main"), "/elsewhere/x.yaml");  // outside: as given
  EXPECT_EQ(RecordedRecipePath("/work/mainly/x.yaml", "/work/main"), "/work/mainly/x.yaml");  // a prefix is not inside
  EXPECT_EQ(RecordedRecipePath("configs/train/x.yaml", "/work/main"), "configs/train/x.yaml");  // relative: as given
  EXPECT_EQ(RecordedRecipePath("", "/work/main"), "");  // the trainer's defaults, no file
  // OutcomeMetrics applies it with the process's working directory.
  const std::string inside = (fs::current_path() / "configs" / "train" / "x.yaml").string();
  EXPECT_EQ(OutcomeMetrics(TrainingOutcome{}, inside).at("recipe").get<std::string>(), "configs/train/x.yaml");
}

// The steps every model's trainer shares (model_trainer.h), with the linear task.
TEST(ModelTrainer, ChecksTheRunDirectoryTrainsAndRecordsTheRun) {
  const fs::path dir = testing::FreshTempDir("model_trainer");
  TrainRecipe recipe;
  recipe.path = "configs/train/linear.yaml";
  recipe.train_matches = {"data/train/seed-1000"};
  recipe.val_matches = {"data/val/seed-5000"};
  recipe.training = TinyOptions();
  registry::TrainingContext ctx;
  EXPECT_THROW(CheckRunDirectory(ctx, recipe, "linear"), Error);  // no --run-dir
  ctx.run_dir = dir / "run";
  ctx.resume = true;
  EXPECT_THROW(CheckRunDirectory(ctx, recipe, "linear"), Error);  // nothing to resume
  ctx.resume = false;
  CheckRunDirectory(ctx, recipe, "linear");
  int64_t reports = 0;
  std::string last;
  ctx.progress = [&](int64_t, int64_t, const std::string& status) {
    ++reports;
    last = status;
  };
  StartTorch(recipe.training);
  LinearTask task;
  TrainingOutcome outcome;
  const registry::TrainedWeights w = TrainTask(task, ctx, recipe, "points", &outcome);
  ASSERT_TRUE(w.finished);
  EXPECT_GT(reports, 0);
  EXPECT_NE(last.find(" points/s | "), std::string::npos) << last;
  EXPECT_EQ(w.training_matches, recipe.train_matches);
  EXPECT_EQ(w.metrics, OutcomeMetrics(outcome, recipe.path));
  // The kept weights, serialized, are the best step's: they score its validation.
  LinearTask reloaded;
  LoadModuleFromSafetensors(*reloaded.net_, io::ParseSafetensors(BestWeightsSafetensors(*task.net_, outcome), "best"), "best");
  EXPECT_NEAR(reloaded.Validate().at("neg_mse"), outcome.best_metrics.at("neg_mse"), 1e-6);
  // A resume with other options (more steps) is refused before any data would load.
  ctx.resume = true;
  recipe.training.steps += 50;
  EXPECT_THROW(CheckRunDirectory(ctx, recipe, "linear"), Error);
  // A run stopped by max_minutes is not finished and records nothing.
  ctx.resume = false;
  ctx.run_dir = dir / "stopped";
  recipe.training = TinyOptions();
  recipe.training.max_minutes = 1e-9;
  LinearTask stopped;
  const registry::TrainedWeights none = TrainTask(stopped, ctx, recipe, "points", &outcome);
  EXPECT_FALSE(none.finished);
  EXPECT_FALSE(outcome.finished);
  EXPECT_TRUE(none.training_matches.empty());
  EXPECT_TRUE(none.metrics.is_null() || none.metrics.empty());
}

TEST(Training, ResumeEqualsUninterrupted) {
  const fs::path dir = testing::FreshTempDir("trainer_resume");
  LinearTask straight;
  RunTraining(straight, TinyOptions(), dir / "a", false);

  // Stopped by its time limit after the first step (mid-epoch), then resumed by a new task.
  TrainOptions first = TinyOptions();
  first.max_minutes = 1e-9;  // stops after the first step
  const nlohmann::json recipe = {{"data", "frame_step: 3\n"}, {"train_matches", {"data/train/seed-1000"}}};
  LinearTask part;
  TrainingOutcome stopped = RunTraining(part, first, dir / "b", false, false, nullptr, recipe);
  EXPECT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.steps_done, 1);
  // Another recipe (data section, matches) refuses to resume, and leaves the run as it was.
  nlohmann::json other_recipe = recipe;
  other_recipe["train_matches"].push_back("data/train/seed-1001");
  LinearTask refused;
  EXPECT_NE(testing::MessageOf<Error>([&] { RunTraining(refused, TinyOptions(), dir / "b", true, false, nullptr, other_recipe); })
                .find("recipe"),
            std::string::npos);
  // The same check before any data is loaded (what the trainers call first).
  EXPECT_THROW(CheckResumable(dir / "b", TinyOptions(), other_recipe), Error);
  EXPECT_THROW(CheckResumable(dir / "none", TinyOptions(), recipe), Error);
  EXPECT_NO_THROW(CheckResumable(dir / "b", TinyOptions(), recipe));
  LinearTask resumed;
  TrainingOutcome done = RunTraining(resumed, TinyOptions(), dir / "b", true, false, nullptr, recipe);
  EXPECT_TRUE(done.finished);
  EXPECT_TRUE(torch::allclose(straight.net_->weight, resumed.net_->weight, 0, 1e-6));
  EXPECT_TRUE(torch::allclose(straight.net_->bias, resumed.net_->bias, 0, 1e-6));

  // Changed options refuse to resume.
  TrainOptions other = TinyOptions();
  other.learning_rate = 1e-3;
  LinearTask wrong;
  EXPECT_THROW(RunTraining(wrong, other, dir / "b", true), Error);
  EXPECT_THROW(RunTraining(wrong, TinyOptions(), dir / "none", true), Error);
}

// Two independent linear layers; each part's validation score is scripted per
// step so that the parts peak at different steps. Validate() snapshots the weights.
class TwoPartTask : public TrainingTask {
 public:
  TwoPartTask() {
    torch::manual_seed(5);
    net_ = torch::nn::Sequential();
    net_->push_back("a", torch::nn::Linear(4, 1));
    net_->push_back("b", torch::nn::Linear(4, 1));
  }
  torch::nn::Module& model() override { return *net_; }
  StepResult Step(int64_t step) override {
    last_step_ = step;
    auto gen = torch::make_generator<torch::CPUGeneratorImpl>(50 + step);
    torch::Tensor x = torch::randn({8, 4}, gen);
    StepResult r;
    r.loss = (net_[0]->as<torch::nn::Linear>()->forward(x) - 1).pow(2).mean() +
             (net_[1]->as<torch::nn::Linear>()->forward(x) + 1).pow(2).mean();
    r.samples = 8;
    return r;
  }
  // Each part scores by the step its weights come from (a snapshot taken at that
  // step's validation), so the joined weights' validation is observable too.
  std::map<std::string, double> Validate() override {
    const io::SafetensorsFile now = ModuleToSafetensors(*net_);
    const int64_t step_a = StepOf(now, "a."), step_b = StepOf(now, "b.");
    if (step_a < 0 && step_b < 0) snapshots[last_step_ + 1] = now;
    const int64_t a = step_a < 0 ? last_step_ + 1 : step_a, b = step_b < 0 ? last_step_ + 1 : step_b;
    static const std::map<int64_t, double> kA = {{1, 0.9}, {2, 0.5}, {3, 0.7}, {4, 0.6}};
    static const std::map<int64_t, double> kB = {{1, 0.1}, {2, 0.2}, {3, 0.8}, {4, 0.3}};
    // coupled: b's score also depends on a's weights (parts that are not independent).
    const double b_score = kB.at(b) + (coupled ? 0.01 * static_cast<double>(a) : 0.0);
    return {{"a_score", kA.at(a)}, {"b_score", b_score}, {"b_extra", 10.0 * static_cast<double>(b)},
            {"sum", kA.at(a) + b_score}};
  }
  // The step of the snapshot whose tensors named `prefix`* equal `now`'s; -1 if none.
  int64_t StepOf(const io::SafetensorsFile& now, const std::string& prefix) const {
    for (const auto& [step, snapshot] : snapshots) {
      bool same = true;
      for (const auto& t : now.tensors) {
        if (t.name.rfind(prefix, 0) == 0) same &= snapshot.Find(t.name)->bytes == t.bytes;
      }
      if (same) return step;
    }
    return -1;
  }
  std::string score_name() const override { return "sum"; }
  std::vector<ModelPart> independent_parts() const override { return parts; }

  std::vector<ModelPart> parts = {{"a", "a_score", {"a."}, {}}, {"b", "b_score", {}, {"b_extra"}}};
  std::map<int64_t, io::SafetensorsFile> snapshots;
  bool coupled = false;

 private:
  torch::nn::Sequential net_{nullptr};
  int64_t last_step_ = -1;
};

TrainOptions PartOptions() {
  TrainOptions o;
  o.steps = 4;
  o.steps_per_epoch = 1;
  o.learning_rate = 0.1;
  o.warmup_fraction = 0;
  o.threads = 1;
  return o;
}

void ExpectTensorsFrom(const io::SafetensorsFile& kept, const io::SafetensorsFile& at_step,
                       const std::string& prefix) {
  int compared = 0;
  for (const auto& t : kept.tensors) {
    if (t.name.rfind(prefix, 0) != 0) continue;
    ASSERT_NE(at_step.Find(t.name), nullptr) << t.name;
    EXPECT_EQ(t.bytes, at_step.Find(t.name)->bytes) << t.name;
    ++compared;
  }
  EXPECT_GT(compared, 0) << prefix;
}

TEST(Training, KeepsEachIndependentPartAtItsOwnBestStep) {
  const fs::path dir = testing::FreshTempDir("trainer_parts");
  TwoPartTask straight;
  TrainingOutcome out = RunTraining(straight, PartOptions(), dir / "a", false);
  ASSERT_TRUE(out.finished);
  // The steps differ in weights, so picking the right snapshot is observable.
  ASSERT_NE(straight.snapshots.at(1).Find("a.weight")->bytes, straight.snapshots.at(3).Find("a.weight")->bytes);
  const io::SafetensorsFile best = io::ReadSafetensors(out.best_weights);
  ExpectTensorsFrom(best, straight.snapshots.at(1), "a.");  // a peaks at step 1
  ExpectTensorsFrom(best, straight.snapshots.at(3), "b.");  // b peaks at step 3
  EXPECT_EQ(out.best_metrics.at("best_step.a"), 1);
  EXPECT_EQ(out.best_metrics.at("best_step.b"), 3);
  // The metrics are the joined weights' own validation: each part's of its step.
  EXPECT_EQ(out.best_metrics.at("a_score"), 0.9);
  EXPECT_EQ(out.best_metrics.at("b_score"), 0.8);
  EXPECT_EQ(out.best_metrics.at("b_extra"), 30.0);
  EXPECT_EQ(out.best_step, 3);

  // Stopped after step 1 (a's best) and resumed by a new task: a's weights from
  // before the interruption are still the ones kept.
  TrainOptions first = PartOptions();
  first.max_minutes = 1e-9;
  TwoPartTask part;
  ASSERT_FALSE(RunTraining(part, first, dir / "b", false).finished);
  TwoPartTask resumed;
  resumed.snapshots = straight.snapshots;  // the same steps (an exact resume), to score by
  TrainingOutcome done = RunTraining(resumed, PartOptions(), dir / "b", true);
  ASSERT_TRUE(done.finished);
  const io::SafetensorsFile best_resumed = io::ReadSafetensors(done.best_weights);
  ExpectTensorsFrom(best_resumed, straight.snapshots.at(1), "a.");
  ExpectTensorsFrom(best_resumed, straight.snapshots.at(3), "b.");
  EXPECT_EQ(done.best_metrics, out.best_metrics);

  // Parts that are not independent fail the joined weights' check at the end.
  TwoPartTask coupled;
  coupled.coupled = true;
  EXPECT_NE(testing::MessageOf<Error>([&] { RunTraining(coupled, PartOptions(), dir / "c", false); })
                .find("not independent"),
            std::string::npos);
}

TEST(Training, PartsMustCoverEveryTensorOnce) {
  const fs::path dir = testing::FreshTempDir("trainer_parts_bad");
  TwoPartTask overlapping;
  overlapping.parts = {{"a", "a_score", {"a."}, {}}, {"b", "b_score", {"a.weight", "b."}, {}}};
  EXPECT_NE(testing::MessageOf<Error>([&] { RunTraining(overlapping, PartOptions(), dir / "1", false); })
                .find("claimed by parts"),
            std::string::npos);
  TwoPartTask uncovered;
  uncovered.parts = {{"a", "a_score", {"a."}, {}}, {"b", "b_score", {"b.weight"}, {}}};
  EXPECT_NE(testing::MessageOf<Error>([&] { RunTraining(uncovered, PartOptions(), dir / "2", false); })
                .find("b.bias belongs to no part"),
            std::string::npos);
  TwoPartTask twice;
  twice.parts = {{"a", "a_score", {"a."}, {}}, {"a", "b_score", {}, {}}};
  EXPECT_NE(testing::MessageOf<Error>([&] { RunTraining(twice, PartOptions(), dir / "4", false); })
                .find("two parts are named 'a'"),
            std::string::npos);
  TwoPartTask empty;
  empty.parts = {{"a", "a_score", {}, {}}, {"b", "b_score", {"c."}, {}}};
  EXPECT_NE(testing::MessageOf<Error>([&] { RunTraining(empty, PartOptions(), dir / "3", false); })
                .find("owns no tensor"),
            std::string::npos);
}

TEST(Loader, DeliversStepsInOrderWithAnyWorkers) {
  for (int workers : {1, 3}) {
    PrefetchLoader<int64_t> loader([](int64_t step) { return step * step; }, 5, workers, 4);
    for (int64_t s = 5; s < 40; ++s) EXPECT_EQ(loader.Next(s), s * s);
    EXPECT_THROW(loader.Next(41), Error);  // out of step with the loop
  }
  PrefetchLoader<int> failing([](int64_t step) -> int { IPT_CHECK(step != 2, "bad sample {}", step); return 1; }, 0, 2, 2);
  EXPECT_EQ(failing.Next(0), 1);
  EXPECT_EQ(failing.Next(1), 1);
  EXPECT_THROW(failing.Next(2), Error);
}

TEST(Parallel, RunsEveryIndexOnceAndRethrows) {
  std::vector<std::atomic<int>> hits(50);
  int64_t last_progress = 0;
  std::mutex mu;
  ParallelFor(hits.size(), 3, [&](size_t i) { ++hits[i]; },
              [&](int64_t done, int64_t) { std::lock_guard<std::mutex> l(mu); last_progress = std::max(last_progress, done); });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
  EXPECT_EQ(last_progress, 50);
  EXPECT_THROW(ParallelFor(10, 2, [](size_t i) { IPT_CHECK(i != 7, "bad item {}", i); }), Error);
}

}  // namespace
}  // namespace ipt::nn
