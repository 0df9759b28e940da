#include "ipt/cascade/executor.h"

#include <gtest/gtest.h>

#include "ipt/util/test_util.h"
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

namespace ipt::cascade {
namespace {
namespace fs = std::filesystem;

fs::path Temp(const std::string& name) { return testing::FreshTempDir("cascade_" + name); }

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

TEST(Executor, CommandsMatchTheEmittedScript) {
  Plan plan = PlanCascade(registry::ModelGraph::PathA(), {"tracker"});
  ScriptOptions o;
  auto argv = StepCommand(plan.steps[0], o);
  EXPECT_EQ(argv[0], "ipt");
  EXPECT_EQ(argv[1], "precompute");
}

}  // namespace
}  // namespace ipt::cascade
