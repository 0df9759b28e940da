// The retraining cascade, derived from the model graph: when some models change,
// which precompute layers must be regenerated, which models retrained (in
// dependency order), which steps may run in parallel, and the final evaluation.
//
// Rules (registry/model_graph.h declares the graph):
//  - retrain: every model downstream of a changed one (the changed ones are given);
//  - regenerate layer L: a producer of L changed or is retrained, or L's input
//    layer is regenerated;
//  - train M after: retrained upstream models and the regenerated layers M reads;
//  - precompute L after: its retrained producers and its regenerated input layer;
//  - evaluate:tracking (PTFE on the regenerated layers) after every precompute
//    step: models that only consume layers (e.g. the JN classifier) train beside it;
//  - evaluate:pipeline after everything.
// Dependencies implied by others are dropped (transitive reduction).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ipt/registry/model_graph.h"

namespace ipt::cascade {

struct Step {
  std::string id;      // "train:tracker", "precompute:frame", "evaluate:pipeline"
  std::string kind;    // "precompute" | "train" | "evaluate"
  std::string target;  // model, layer, or evaluation name
  std::vector<std::string> after;  // step ids
};

struct Plan {
  std::vector<std::string> changed;
  std::vector<std::string> regenerate;  // layers, in declaration order
  std::vector<std::string> retrain;     // models, in dependency order
  std::vector<Step> steps;              // in a valid execution order
  // Groups of steps that can run at the same time (each after all earlier groups).
  std::vector<std::vector<std::string>> Waves() const;
};

Plan PlanCascade(const registry::ModelGraph& graph, const std::set<std::string>& changed);

nlohmann::json ToJson(const Plan& plan);
std::string FormatPlan(const Plan& plan);

// Each step is one call `ipt cascade step --step=ID ...` (pipeline/cascade_step.h), the
// same from the executor and from an emitted script.
struct ScriptOptions {
  std::string ipt = "ipt";              // the ipt executable
  std::string models = "models.yaml";   // the input collection (naming the changed models' new refs)
  std::string matches = "matches";      // directory of training match directories
  std::string eval_matches;             // directory of matches the evaluations score ("" = matches)
  std::string outputs = "outputs";      // directory of pipeline outputs (OUTPUTS/tracking, OUTPUTS/pipeline)
  std::string state = "cascade-state";  // the steps' collections, new refs, training runs
  std::string recipes = "configs/train";  // directory of MODEL.yaml recipes (the trainer's defaults where absent)
  std::string store = "models";         // model store (the steps' --store)
  std::string cache = "cache";          // precompute store (the steps' --cache)
  std::string logs = "cascade-logs";    // one log file per step (scripts; the executor: STATE/logs)
};
// A bash script running the plan wave by wave (steps of a wave in parallel),
// stopping at the first failure, keeping every step's log. Every value (paths,
// the ipt executable) is single-quoted for the shell, so a path holding `$(...)`,
// backticks, quotes or newlines reaches ipt verbatim and never runs; each may be
// overridden from the environment (IPT, MODELS, MATCHES, EVAL_MATCHES, OUTPUTS, STATE,
// RECIPES, STORE, CACHE, LOGS); EVAL_MATCHES defaults to $MATCHES when eval_matches is empty.
std::string EmitScript(const Plan& plan, const ScriptOptions& options);
// Writes EmitScript's text to `path` (atomically, executable). Refuses a path that
// is one of the script's inputs (the collection, the matches, the outputs, ipt).
void WriteScript(const Plan& plan, const ScriptOptions& options, const std::filesystem::path& path);

// A step's id as a file name (its marker, log and collection): ':' and '/' become '_'.
std::string StepFileName(const std::string& step_id);

}  // namespace ipt::cascade
