#include "ipt/cascade/executor.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <random>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/hash.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/util/resources.h"

extern char** environ;

namespace ipt::cascade {
namespace fs = std::filesystem;

namespace {

// The marker's record of a command: one length-prefixed argument per line, so that
// different argv lists ("a b" vs "a", "b") never give the same record.
std::string CommandRecord(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += fmt::format("{}:{}\n", a.size(), a);
  return out;
}

// Runs argv with stdout and stderr written to `log`; returns the exit code.
// Throws ipt::Error when the log cannot be opened or the program cannot start.
int RunProcess(const std::vector<std::string>& argv, const fs::path& log) {
  IPT_CHECK(!argv.empty(), "empty command");
  // Opened here, not in the child, so that a failure is reported as what it is.
  // O_NOFOLLOW: a symlink planted in the state directory is not written through.
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) IPT_THROW("cannot open the log {}: {}", log.string(), std::error_code(errno, std::generic_category()).message());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fd);
  if (rc != 0) IPT_THROW("cannot run {}: {}", Echo(argv[0]), std::error_code(rc, std::generic_category()).message());
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

constexpr std::string_view kRunPrefix = "run ";

// A fresh id for one completed run of a step: downstream markers record it, so a
// step that runs again makes everything after it run again.
std::string NewRunId() {
  std::random_device rd;
  return Sha256().Field(std::to_string(std::chrono::system_clock::now().time_since_epoch().count()))
      .Field(std::to_string(rd())).Field(std::to_string(rd())).Hex().substr(0, 16);
}

// What a step's result depends on: its command, the content of the files every step
// reads (the collection), and the runs of the steps it comes after.
std::string StepRecord(const Step& step, const std::vector<std::string>& argv, const ExecutorOptions& options,
                       const std::string& upstream_runs) {
  std::string record = CommandRecord(argv);
  std::vector<fs::path> inputs = options.input_files;
  if (options.step_input_files) {
    for (const auto& file : options.step_input_files(step)) inputs.push_back(file);
  }
  for (const auto& file : inputs) {
    std::error_code ec;
    record += fmt::format("input {} {}\n", file.string(),
                          fs::is_regular_file(file, ec) ? Sha256OfFile(file) : std::string("missing"));
  }
  return record + "after " + upstream_runs + "\n";
}

// Runs one step (or skips it when its marker records the same command, inputs and
// upstream runs). Never throws: an exception escaping a worker thread would
// terminate the process, so whatever goes wrong becomes a failed outcome carrying
// the reason.
StepOutcome RunStep(const Step& step, const CommandFn& command_of, const ExecutorOptions& options,
                    const std::string& upstream_runs, StepOutcome result) {
  Stopwatch watch;
  try {
    const std::vector<std::string> argv = command_of(step);
    const fs::path marker = options.state_dir / (StepFileName(step.id) + ".done");
    const std::string record = StepRecord(step, argv, options, upstream_runs);
    std::string previous;
    std::error_code ec;
    if (fs::is_regular_file(fs::symlink_status(marker, ec))) previous = ReadFile(marker);
    const size_t run_at = previous.rfind(kRunPrefix);
    if (run_at != std::string::npos && previous.substr(0, run_at) == record) {
      result.status = StepOutcome::Status::kSkipped;
      result.run_id = previous.substr(run_at + kRunPrefix.size());
      if (!result.run_id.empty() && result.run_id.back() == '\n') result.run_id.pop_back();
    } else {
      result.exit_code = RunProcess(argv, result.log);
      result.status = result.exit_code == 0 ? StepOutcome::Status::kDone : StepOutcome::Status::kFailed;
      if (result.exit_code == 0) {
        result.run_id = NewRunId();
        try {
          WriteFileAtomic(marker, record + std::string(kRunPrefix) + result.run_id + "\n");
        } catch (const fs::filesystem_error& e) {
          IPT_THROW("cannot write the marker {}: {}", marker.string(), e.code().message());
        }
      }
    }
  } catch (const Error& e) {
    result.status = StepOutcome::Status::kFailed;
    result.error = e.message();
  } catch (const std::exception& e) {
    result.status = StepOutcome::Status::kFailed;
    result.error = e.what();
  } catch (...) {
    result.status = StepOutcome::Status::kFailed;
    result.error = "unknown exception";
  }
  result.seconds = watch.Seconds();
  return result;
}

}  // namespace

std::vector<std::string> StepCommand(const Plan& plan, const Step& s, const ScriptOptions& o) {
  // Values as --option=VALUE: a value starting with '-' is never taken for an option.
  std::string changed_list;
  for (const auto& c : plan.changed) changed_list += (changed_list.empty() ? "" : ",") + c;
  std::vector<std::string> argv = {o.ipt, "cascade", "step", "--step=" + s.id, "--changed=" + changed_list,
                                   "--models=" + o.models, "--matches=" + o.matches,
                                   "--eval-matches=" + (o.eval_matches.empty() ? o.matches : o.eval_matches),
                                   "--outputs=" + o.outputs, "--state=" + o.state, "--recipes=" + o.recipes,
                                   "--store=" + o.store, "--cache=" + o.cache};
  return argv;
}

void ExecutorOptions::Check() const {
  IPT_CHECK(jobs >= 1 && jobs <= limits::kMaxThreads, "jobs must be in 1..{}, got {}", limits::kMaxThreads, jobs);
}

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
  std::error_code ec;
  fs::create_directories(options.state_dir / "logs", ec);
  IPT_CHECK(!ec, "cannot create the state directory {}: {}", (options.state_dir / "logs").string(), ec.message());
  CheckInside(options.state_dir / "logs", options.state_dir, "the log directory");  // not a symlink out
  const size_t n = plan.steps.size();
  std::vector<StepOutcome> outcomes(n);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) {
    index[plan.steps[i].id] = i;
    outcomes[i].id = plan.steps[i].id;
    outcomes[i].log = options.state_dir / "logs" / (StepFileName(plan.steps[i].id) + ".log");
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
      std::string upstream_runs;
      for (const auto& d : plan.steps[i].after) upstream_runs += (upstream_runs.empty() ? "" : ",") + outcomes[index.at(d)].run_id;
      auto work = [&, i, upstream_runs, initial = outcomes[i]]() {
        StepOutcome result = RunStep(plan.steps[i], command_of, options, upstream_runs, initial);
        std::lock_guard<std::mutex> guard(mu);
        outcomes[i] = std::move(result);
        finished[i] = 1;
        --running;
        failed |= outcomes[i].status == StepOutcome::Status::kFailed;
        ++completed;
        if (progress) {
          try {
            progress(completed, static_cast<int64_t>(n));
          } catch (...) {
            // A progress display must not take the run down with it.
          }
        }
        cv.notify_all();
      };
      try {
        threads.emplace_back(work);
      } catch (const std::system_error& e) {
        outcomes[i].status = StepOutcome::Status::kFailed;
        outcomes[i].error = std::string("cannot start a thread: ") + e.what();
        finished[i] = 1;
        --running;
        failed = true;
      }
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
