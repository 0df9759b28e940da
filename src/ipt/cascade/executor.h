// Runs a cascade plan on this machine: steps in dependency order, independent
// steps in parallel (up to `jobs`), each step's output in its own log file, and
// resumable — a step is skipped when its marker records the same command, the same
// content of the files every step reads (the collection) and the same runs of the
// steps before it; so a step that runs again makes every step after it run again.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ipt/cascade/plan.h"
#include "ipt/util/progress.h"

namespace ipt::cascade {

// The argv of a step of `plan` (the same commands EmitScript writes): `ipt cascade step
// --step=ID` with the plan's changed models and the options. Option values are passed
// as --option=VALUE, so that a value starting with '-' stays a value.
std::vector<std::string> StepCommand(const Plan& plan, const Step& step, const ScriptOptions& options);

struct ExecutorOptions {
  int jobs = 2;                                        // steps running at once
  std::filesystem::path state_dir = "cascade-state";   // <step>.done markers and logs/
  // Files every step reads (the collection): a change of their content re-runs steps.
  std::vector<std::filesystem::path> input_files;
  // Files one step reads (a training step's recipe): a change of their content re-runs
  // that step and, through the run ids, every step after it. Absent files count too.
  std::function<std::vector<std::filesystem::path>(const Step&)> step_input_files;
  void Check() const;
};

struct StepOutcome {
  std::string id;
  enum class Status { kDone, kSkipped, kFailed, kNotRun } status = Status::kNotRun;
  double seconds = 0;
  int exit_code = 0;
  std::filesystem::path log;
  std::string error;  // why a step failed without an exit code (log or marker unwritable, ...)
  std::string run_id;  // id of the completed run (new when it ran, the marker's when skipped)
};
const char* StatusName(StepOutcome::Status status);

using CommandFn = std::function<std::vector<std::string>(const Step&)>;

// Returns one outcome per step, in plan order. After a failure no new step starts;
// steps that depend on a failed one are kNotRun. Whatever goes wrong inside a step
// (the command lookup throws, its log or marker cannot be written, the program
// cannot start) fails that step with `error` set; it never ends the process.
std::vector<StepOutcome> RunPlan(const Plan& plan, const CommandFn& command_of, const ExecutorOptions& options,
                                 const ProgressFn& progress = nullptr);

}  // namespace ipt::cascade
