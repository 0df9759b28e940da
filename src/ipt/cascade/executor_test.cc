#include "ipt/cascade/executor.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ipt/cascade/script_test_util.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::cascade {
namespace {
namespace fs = std::filesystem;

fs::path Temp(const std::string& name) { return ipt::testing::FreshTempDir("cascade_" + name); }

// Each step appends "start <id> <ns>" / "end <id> <ns>" to a journal: real processes,
// so that order and overlap can be checked afterwards.
CommandFn Journaling(const fs::path& journal, const std::string& failing = "") {
  return [journal, failing](const Step& s) {
    std::string body = "echo start " + s.id + " $(date +%s%N) >> " + journal.string() + "; sleep 0.3; " +
                       "echo end " + s.id + " $(date +%s%N) >> " + journal.string() + (s.id == failing ? "; exit 3" : "");
    return std::vector<std::string>{"sh", "-c", body};
  };
}

std::map<std::string, std::pair<long long, long long>> ReadJournal(const fs::path& journal) {
  std::map<std::string, std::pair<long long, long long>> times;
  std::ifstream in(journal);
  std::string what, id;
  long long ns;
  while (in >> what >> id >> ns) (what == "start" ? times[id].first : times[id].second) = ns;
  return times;
}

TEST(Executor, DependencyOrderParallelismAndResume) {
  fs::path dir = Temp("run");
  Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  ExecutorOptions o;
  o.jobs = 3;
  o.state_dir = dir / "state";
  auto outcomes = RunPlan(plan, Journaling(dir / "journal"), o);
  for (const auto& x : outcomes) EXPECT_EQ(x.status, StepOutcome::Status::kDone) << x.id;
  auto t = ReadJournal(dir / "journal");
  ASSERT_EQ(t.size(), plan.steps.size());
  for (const auto& s : plan.steps) {
    for (const auto& d : s.after) EXPECT_GE(t[s.id].first, t[d].second) << s.id << " started before " << d << " ended";
  }
  // The JN classifier trains beside the tracking evaluation: their runs overlap.
  EXPECT_LT(t["train:jn_classifier"].first, t["evaluate:tracking"].second);
  EXPECT_LT(t["evaluate:tracking"].first, t["train:jn_classifier"].second);
  EXPECT_TRUE(fs::exists(o.state_dir / "logs" / "train_tracker.log"));
  // A second run skips everything.
  fs::remove(dir / "journal");
  outcomes = RunPlan(plan, Journaling(dir / "journal"), o);
  for (const auto& x : outcomes) EXPECT_EQ(x.status, StepOutcome::Status::kSkipped) << x.id;
  EXPECT_FALSE(fs::exists(dir / "journal"));
}

TEST(Executor, FailureStopsDependentsAndKeepsTheLog) {
  fs::path dir = Temp("fail");
  Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  ExecutorOptions o;
  o.state_dir = dir / "state";
  auto outcomes = RunPlan(plan, Journaling(dir / "journal", "train:tracker"), o);
  std::map<std::string, StepOutcome::Status> status;
  for (const auto& x : outcomes) status[x.id] = x.status;
  EXPECT_EQ(status["precompute:frame"], StepOutcome::Status::kDone);
  EXPECT_EQ(status["train:tracker"], StepOutcome::Status::kFailed);
  EXPECT_EQ(status["precompute:track"], StepOutcome::Status::kNotRun);
  EXPECT_EQ(status["evaluate:pipeline"], StepOutcome::Status::kNotRun);
  // Resuming after a fix reruns only what did not finish.
  outcomes = RunPlan(plan, Journaling(dir / "journal"), o);
  for (const auto& x : outcomes) {
    EXPECT_EQ(x.status, x.id == "precompute:frame" ? StepOutcome::Status::kSkipped : StepOutcome::Status::kDone) << x.id;
  }
}

// The executor and the emitted script call the same commands: both run against a
// fake ipt (hostile names included) and record identical argv lists.
TEST(Executor, CommandsMatchTheEmittedScript) {
  fs::path dir = Temp("script");
  const ScriptOptions o = testing::HostileScriptOptions(dir);
  Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  WriteFileAtomic(dir / "cascade.sh", EmitScript(plan, o));
  ASSERT_EQ(testing::RunBash(dir / "cascade.sh", dir), 0) << ReadFile(dir / "script.out");
  const auto from_script = testing::RecordedCalls(dir / "record");
  EXPECT_EQ(from_script.size(), plan.steps.size());

  fs::remove_all(dir / "record");
  fs::create_directories(dir / "record");
  ExecutorOptions e;
  e.state_dir = dir / "state";
  auto outcomes = RunPlan(plan, [&o, &plan](const Step& s) { return StepCommand(plan, s, o); }, e);
  for (const auto& x : outcomes) EXPECT_EQ(x.status, StepOutcome::Status::kDone) << x.id << ": " << x.error;
  EXPECT_EQ(testing::RecordedCalls(dir / "record"), from_script);
  EXPECT_EQ(testing::InjectedFiles(dir), std::vector<std::string>{});
}

// A worker that throws (the command lookup, the log, the marker) fails its step
// with the reason instead of terminating the process; nothing new starts after it.
TEST(Executor, WorkerExceptionsFailTheStep) {
  fs::path dir = Temp("throw");
  Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  ExecutorOptions o;
  o.state_dir = dir / "state";
  CommandFn journaling = Journaling(dir / "journal");
  auto outcomes = RunPlan(
      plan,
      [&](const Step& s) {
        if (s.id == "train:tracker") throw std::runtime_error("no command for train:tracker");
        return journaling(s);
      },
      o);
  std::map<std::string, StepOutcome> by_id;
  for (const auto& x : outcomes) by_id[x.id] = x;
  EXPECT_EQ(by_id["precompute:frame"].status, StepOutcome::Status::kDone);
  EXPECT_EQ(by_id["train:tracker"].status, StepOutcome::Status::kFailed);
  EXPECT_NE(by_id["train:tracker"].error.find("no command for train:tracker"), std::string::npos);
  EXPECT_EQ(by_id["precompute:track"].status, StepOutcome::Status::kNotRun);
  EXPECT_EQ(by_id["evaluate:pipeline"].status, StepOutcome::Status::kNotRun);
}

TEST(Executor, UnwritableLogOrMarkerFailsTheStep) {
  fs::path dir = Temp("unwritable");
  Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"tracker"});
  ExecutorOptions o;
  o.state_dir = dir / "state";
  // The first step's log path is a directory: the log cannot be opened.
  fs::create_directories(o.state_dir / "logs" / "precompute_track.log");
  auto outcomes = RunPlan(plan, Journaling(dir / "journal"), o);
  EXPECT_EQ(outcomes[0].id, "precompute:track");
  EXPECT_EQ(outcomes[0].status, StepOutcome::Status::kFailed);
  EXPECT_NE(outcomes[0].error.find("precompute_track.log"), std::string::npos) << outcomes[0].error;
  for (size_t i = 1; i < outcomes.size(); ++i) EXPECT_EQ(outcomes[i].status, StepOutcome::Status::kNotRun) << outcomes[i].id;
  EXPECT_FALSE(fs::exists(dir / "journal"));  // the command never ran without its log
  // The marker cannot be written (a non-empty directory stands where it goes).
  fs::remove_all(o.state_dir);
  fs::create_directories(o.state_dir / "precompute_track.done" / "x");
  outcomes = RunPlan(plan, Journaling(dir / "journal"), o);
  EXPECT_EQ(outcomes[0].status, StepOutcome::Status::kFailed);
  EXPECT_NE(outcomes[0].error.find("precompute_track.done"), std::string::npos) << outcomes[0].error;
  EXPECT_EQ(outcomes[1].status, StepOutcome::Status::kNotRun);
}

}  // namespace
}  // namespace ipt::cascade

namespace ipt::cascade {
namespace {
// `--jobs 70000` used to start up to that many threads; the count is bounded.
TEST(Executor, JobsAreBounded) {
  ExecutorOptions o;
  o.jobs = 70000;
  EXPECT_NE(ipt::testing::MessageOf<Error>([&] { o.Check(); }).find("jobs must be in 1..256"), std::string::npos);
  o.jobs = 0;
  EXPECT_THROW(o.Check(), Error);
  o.jobs = 4;
  EXPECT_NO_THROW(o.Check());
}
}  // namespace
}  // namespace ipt::cascade

namespace ipt::cascade {
namespace {
namespace fs = std::filesystem;

// Resuming trusts a marker only for the same command, the same collection content
// and the same upstream runs: a new collection under the same path, or an upstream
// step that ran again, makes the steps after it run again.
TEST(Executor, ResumeFollowsTheCollectionAndUpstreamRuns) {
  fs::path dir = ipt::testing::FreshTempDir("executor_resume");
  ExecutorOptions o;
  o.state_dir = dir / "state";
  o.input_files = {dir / "models.yaml"};
  std::ofstream(dir / "models.yaml") << "v1\n";
  const Plan crop = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  auto statuses = [&](const Plan& plan) {
    std::map<std::string, StepOutcome::Status> out;
    for (const auto& x : RunPlan(plan, [](const Step&) { return std::vector<std::string>{"true"}; }, o)) {
      out[x.id] = x.status;
    }
    return out;
  };
  for (const auto& [id, s] : statuses(crop)) EXPECT_EQ(s, StepOutcome::Status::kDone) << id;
  for (const auto& [id, s] : statuses(crop)) EXPECT_EQ(s, StepOutcome::Status::kSkipped) << id;
  std::ofstream(dir / "models.yaml") << "v2: a new crop encoder promoted\n";
  for (const auto& [id, s] : statuses(crop)) EXPECT_EQ(s, StepOutcome::Status::kDone) << id;
  // The detector's plan adds train:crop_encoder first; it runs, so everything after it runs.
  auto detector = statuses(PlanCascade(registry::ModelGraph::PathA(), {"detector"}));
  for (const auto& [id, s] : detector) EXPECT_EQ(s, StepOutcome::Status::kDone) << id;
}

// A step's own inputs (a training step's recipe): a changed recipe re-runs that training
// and what comes after it, nothing before or beside it.
TEST(Executor, AChangedRecipeRerunsItsTrainingAndWhatFollows) {
  fs::path dir = ipt::testing::FreshTempDir("executor_recipe");
  ExecutorOptions o;
  o.state_dir = dir / "state";
  o.step_input_files = [&](const Step& s) {
    return s.kind == "train" ? std::vector<fs::path>{dir / (s.target + ".yaml")} : std::vector<fs::path>{};
  };
  std::ofstream(dir / "jn_classifier.yaml") << "steps: 400\n";
  const Plan crop = PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  auto statuses = [&] {
    std::map<std::string, StepOutcome::Status> out;
    for (const auto& x : RunPlan(crop, [](const Step&) { return std::vector<std::string>{"true"}; }, o)) out[x.id] = x.status;
    return out;
  };
  statuses();
  for (const auto& [id, s] : statuses()) EXPECT_EQ(s, StepOutcome::Status::kSkipped) << id;
  std::ofstream(dir / "jn_classifier.yaml") << "steps: 1500\n";
  const std::set<std::string> rerun = {"train:jn_classifier", "evaluate:pipeline"};
  for (const auto& [id, s] : statuses()) {
    EXPECT_EQ(s, rerun.count(id) ? StepOutcome::Status::kDone : StepOutcome::Status::kSkipped) << id;
  }
  std::ofstream(dir / "tracker.yaml") << "a recipe where there was none\n";
  for (const auto& [id, s] : statuses()) {
    EXPECT_EQ(s, id == "precompute:frame" ? StepOutcome::Status::kSkipped : StepOutcome::Status::kDone) << id;
  }
}

// A symlink planted where a log goes is not written through.
TEST(Executor, LogSymlinkIsNotFollowed) {
  fs::path dir = ipt::testing::FreshTempDir("executor_symlink");
  std::ofstream(dir / "victim.txt") << "precious";
  fs::create_directories(dir / "state" / "logs");
  fs::create_symlink(dir / "victim.txt", dir / "state" / "logs" / "precompute_frame.log");
  ExecutorOptions o;
  o.state_dir = dir / "state";
  auto outcomes = RunPlan(PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"}),
                          [](const Step&) { return std::vector<std::string>{"true"}; }, o);
  EXPECT_EQ(outcomes[0].id, "precompute:frame");
  EXPECT_EQ(outcomes[0].status, StepOutcome::Status::kFailed);
  EXPECT_EQ(ReadFile(dir / "victim.txt"), "precious");
}

}  // namespace
}  // namespace ipt::cascade
