#include "ipt/cascade/executor.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/resources.h"

extern char** environ;

namespace ipt::cascade {
namespace fs = std::filesystem;

namespace {

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string FileName(const std::string& step_id) {
  std::string name = step_id;
  for (char& c : name) {
    if (c == ':' || c == '/') c = '_';
  }
  return name;
}

// Runs argv with stdout and stderr appended to `log`; returns the exit code.
int RunProcess(const std::vector<std::string>& argv, const fs::path& log) {
  IPT_CHECK(!argv.empty(), "empty command");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return 127;  // command not found / not executable
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::vector<std::string> StepCommand(const Step& s, const ScriptOptions& o) {
  if (s.kind == "train") return {o.ipt, "train", s.target, "--models", o.models, "--matches", o.matches};
  if (s.kind == "precompute") return {o.ipt, "precompute", "--models", o.models, "--level", s.target, "--matches", o.matches};
  return {o.ipt, "eval", "dataset", "--gt-root", o.matches, "--pred-root", o.outputs, "--json"};
}

void ExecutorOptions::Check() const { IPT_CHECK(jobs >= 1, "jobs must be >= 1"); }

const char* StatusName(StepOutcome::Status s) {
  switch (s) {
    case StepOutcome::Status::kDone: return "done";
    case StepOutcome::Status::kSkipped: return "skipped (done before)";
    case StepOutcome::Status::kFailed: return "FAILED";
    case StepOutcome::Status::kNotRun: return "not run";
  }
  return "?";
}

std::vector<StepOutcome> RunPlan(const Plan& plan, const CommandFn& command_of, const ExecutorOptions& options,
                                 const ProgressFn& progress) {
  options.Check();
  fs::create_directories(options.state_dir / "logs");
  const size_t n = plan.steps.size();
  std::vector<StepOutcome> outcomes(n);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) {
    index[plan.steps[i].id] = i;
    outcomes[i].id = plan.steps[i].id;
    outcomes[i].log = options.state_dir / "logs" / (FileName(plan.steps[i].id) + ".log");
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<char> started(n, 0), finished(n, 0);
  int running = 0;
  bool failed = false;
  int64_t completed = 0;
  std::vector<std::thread> threads;

  auto ready = [&](size_t i) {
    for (const auto& d : plan.steps[i].after) {
      const auto& o = outcomes[index.at(d)];
      if (!finished[index.at(d)] || (o.status != StepOutcome::Status::kDone && o.status != StepOutcome::Status::kSkipped)) return false;
    }
    return true;
  };
  std::unique_lock<std::mutex> lock(mu);
  while (true) {
    bool launched = false;
    for (size_t i = 0; i < n && !failed && running < options.jobs; ++i) {
      if (started[i] || !ready(i)) continue;
      started[i] = 1;
      ++running;
      launched = true;
      threads.emplace_back([&, i]() {
        const Step& step = plan.steps[i];
        const std::vector<std::string> argv = command_of(step);
        const fs::path marker = options.state_dir / (FileName(step.id) + ".done");
        StepOutcome result = outcomes[i];
        Stopwatch watch;
        // Resumable: a marker recording the same command means this step is done.
        if (fs::exists(marker) && ReadFile(marker) == Join(argv) + "\n") {
          result.status = StepOutcome::Status::kSkipped;
        } else {
          result.exit_code = RunProcess(argv, result.log);
          result.status = result.exit_code == 0 ? StepOutcome::Status::kDone : StepOutcome::Status::kFailed;
          if (result.exit_code == 0) WriteFileAtomic(marker, Join(argv) + "\n");
        }
        result.seconds = watch.Seconds();
        std::lock_guard<std::mutex> guard(mu);
        outcomes[i] = result;
        finished[i] = 1;
        --running;
        failed |= result.status == StepOutcome::Status::kFailed;
        ++completed;
        if (progress) progress(completed, static_cast<int64_t>(n));
        cv.notify_all();
      });
    }
    bool any_pending = false;
    for (size_t i = 0; i < n; ++i) any_pending |= !started[i] && !failed && ready(i);
    if (running == 0 && !any_pending && !launched) break;
    if (!launched) cv.wait(lock);
  }
  lock.unlock();
  for (auto& t : threads) t.join();
  return outcomes;
}

}  // namespace ipt::cascade
