#include "ipt/cascade/plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>

#include "ipt/cascade/executor.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::cascade {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Removes dependencies reachable through another dependency of the same step.
void TransitiveReduction(std::vector<Step>* steps) {
  std::map<std::string, const Step*> by_id;
  for (const auto& s : *steps) by_id[s.id] = &s;
  std::function<bool(const std::string&, const std::string&)> reaches = [&](const std::string& from, const std::string& to) {
    for (const auto& d : by_id.at(from)->after) {
      if (d == to || reaches(d, to)) return true;
    }
    return false;
  };
  std::vector<std::vector<std::string>> reduced;
  for (const auto& s : *steps) {
    std::vector<std::string> keep;
    for (const auto& d : s.after) {
      bool implied = false;
      for (const auto& other : s.after) implied |= other != d && reaches(other, d);
      if (!implied && !Contains(keep, d)) keep.push_back(d);
    }
    reduced.push_back(keep);
  }
  for (size_t i = 0; i < steps->size(); ++i) (*steps)[i].after = reduced[i];
}

// Sentinels standing for the script's variables in StepCommand's arguments.
constexpr const char* kIptVar = "\x01IPT\x01";
constexpr const char* kModelsVar = "\x01" "MODELS" "\x01";
constexpr const char* kMatchesVar = "\x01" "MATCHES" "\x01";
constexpr const char* kOutputsVar = "\x01" "OUTPUTS" "\x01";
constexpr const char* kEvalMatchesVar = "\x01" "EVAL_MATCHES" "\x01";
constexpr const char* kStateVar = "\x01" "STATE" "\x01";
constexpr const char* kRecipesVar = "\x01" "RECIPES" "\x01";
constexpr const char* kStoreVar = "\x01" "STORE" "\x01";
constexpr const char* kCacheVar = "\x01" "CACHE" "\x01";

// `value` as one bash word that bash takes literally: bare when it holds only
// characters no shell treats specially, else in single quotes, inside which
// nothing is special; a single quote itself is written '\'' (close, escaped
// quote, reopen).
std::string ShellQuote(std::string_view value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || (c != '\0' && std::strchr("_-+=.,:/@%", c) != nullptr);
  });
  if (plain) return std::string(value);
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One argument of StepCommand as script text: literal parts quoted, sentinels
// replaced by the double-quoted variable ("$MODELS"), e.g. --models="$MODELS".
std::string ScriptWord(const std::string& arg) {
  static const std::pair<std::string, std::string> kVars[] = {
      {kIptVar, "\"$IPT\""},         {kModelsVar, "\"$MODELS\""},
      {kMatchesVar, "\"$MATCHES\""}, {kEvalMatchesVar, "\"$EVAL_MATCHES\""},
      {kOutputsVar, "\"$OUTPUTS\""}, {kStateVar, "\"$STATE\""},
      {kRecipesVar, "\"$RECIPES\""}, {kStoreVar, "\"$STORE\""},
      {kCacheVar, "\"$CACHE\""}};
  std::string out;
  size_t pos = 0;
  while (pos < arg.size()) {
    size_t next = std::string::npos;
    const std::pair<std::string, std::string>* var = nullptr;
    for (const auto& v : kVars) {
      const size_t at = arg.find(v.first, pos);
      if (at < next) next = at, var = &v;
    }
    if (next > pos) out += ShellQuote(arg.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (!var) break;
    out += var->second;
    pos = next + var->first.size();
  }
  return out.empty() ? "''" : out;
}

// Text for a comment line: a newline would end the comment and start a command.
std::string CommentText(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

Plan PlanCascade(const registry::ModelGraph& graph, const std::set<std::string>& changed) {
  IPT_CHECK(!changed.empty(), "name at least one changed model");
  Plan plan;
  for (const auto& name : graph.TopologicalOrder()) {
    if (changed.count(name)) plan.changed.push_back(name);
  }
  for (const auto& c : changed) graph.Model(c);  // unknown names are errors
  plan.retrain = graph.Descendants(changed);
  auto touched = [&](const std::string& model) { return changed.count(model) || Contains(plan.retrain, model); };
  for (const auto& layer : graph.layers()) {
    bool regenerate = layer.input && Contains(plan.regenerate, *layer.input);
    for (const auto& producer : graph.Producers(layer.name)) regenerate |= touched(producer);
    if (regenerate) plan.regenerate.push_back(layer.name);
  }
  // Steps in execution order: walk the models in dependency order and emit each
  // layer's precompute right after its last producer.
  std::vector<Step> steps;
  auto add_precompute = [&](const registry::LayerSpec& layer) {
    Step s{"precompute:" + layer.name, "precompute", layer.name, {}};
    for (const auto& p : graph.Producers(layer.name)) {
      if (Contains(plan.retrain, p)) s.after.push_back("train:" + p);
    }
    if (layer.input && Contains(plan.regenerate, *layer.input)) s.after.push_back("precompute:" + *layer.input);
    steps.push_back(s);
  };
  std::set<std::string> emitted_layers;
  auto emit_ready_layers = [&](const std::set<std::string>& done_models) {
    for (const auto& layer : graph.layers()) {
      if (!Contains(plan.regenerate, layer.name) || emitted_layers.count(layer.name)) continue;
      bool ready = !layer.input || emitted_layers.count(*layer.input) || !Contains(plan.regenerate, *layer.input);
      for (const auto& p : graph.Producers(layer.name)) ready &= !Contains(plan.retrain, p) || done_models.count(p);
      if (ready) {
        add_precompute(layer);
        emitted_layers.insert(layer.name);
      }
    }
  };
  std::set<std::string> done;
  emit_ready_layers(done);
  for (const auto& model : plan.retrain) {
    Step s{"train:" + model, "train", model, {}};
    for (const auto* e : graph.EdgesInto(model)) {
      if (Contains(plan.retrain, e->upstream)) s.after.push_back("train:" + e->upstream);
    }
    for (const auto& layer : graph.Model(model).consumes_layers) {
      if (Contains(plan.regenerate, layer)) s.after.push_back("precompute:" + layer);
    }
    steps.push_back(s);
    done.insert(model);
    emit_ready_layers(done);
  }
  if (!plan.regenerate.empty()) {
    Step s{"evaluate:tracking", "evaluate", "tracking", {}};
    for (const auto& l : plan.regenerate) s.after.push_back("precompute:" + l);
    steps.push_back(s);
  }
  Step final{"evaluate:pipeline", "evaluate", "pipeline", {}};
  for (const auto& s : steps) final.after.push_back(s.id);
  steps.push_back(final);
  TransitiveReduction(&steps);
  plan.steps = std::move(steps);
  return plan;
}

std::vector<std::vector<std::string>> Plan::Waves() const {
  std::map<std::string, int> level;
  int max_level = 0;
  for (const auto& s : steps) {  // steps are in execution order
    int l = 0;
    for (const auto& d : s.after) l = std::max(l, level.at(d) + 1);
    level[s.id] = l;
    max_level = std::max(max_level, l);
  }
  std::vector<std::vector<std::string>> waves(steps.empty() ? 0 : max_level + 1);
  for (const auto& s : steps) waves[level[s.id]].push_back(s.id);
  return waves;
}

nlohmann::json ToJson(const Plan& plan) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : plan.steps) {
    steps.push_back({{"id", s.id}, {"kind", s.kind}, {"target", s.target}, {"after", s.after}});
  }
  return {{"changed", plan.changed}, {"regenerate", plan.regenerate}, {"retrain", plan.retrain}, {"steps", steps}};
}

std::string FormatPlan(const Plan& plan) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out.empty() ? std::string("nothing") : out;
  };
  std::string out = fmt::format("changed:    {}\nregenerate: {}\nretrain:    {}\n\nsteps (a wave's steps run in parallel):\n",
                                list(plan.changed), list(plan.regenerate), list(plan.retrain));
  int wave = 1;
  for (const auto& ids : plan.Waves()) {
    for (const auto& id : ids) {
      const Step* s = nullptr;
      for (const auto& x : plan.steps) {
        if (x.id == id) s = &x;
      }
      out += fmt::format("  {}. {:<26}{}\n", wave, id, s->after.empty() ? "" : "after " + list(s->after));
    }
    ++wave;
  }
  return out;
}

std::string EmitScript(const Plan& plan, const ScriptOptions& o) {
  // Every value is a single-quoted shell word: nothing in a path (`$(...)`,
  // backticks, quotes, newlines) is ever interpreted by bash. Each setting may
  // be overridden from the environment (IPT=... MODELS=... bash cascade.sh).
  std::string out = fmt::format(R"SH(#!/usr/bin/env bash
# Retraining cascade for a change of: {}
# Generated by `ipt cascade plan --emit-script`. Steps of one wave run in parallel;
# the script stops at the first failing step. Logs: $LOGS/<step>.log
set -euo pipefail
[[ -n "${{IPT:-}}" ]] || IPT={}
[[ -n "${{MODELS:-}}" ]] || MODELS={}
[[ -n "${{MATCHES:-}}" ]] || MATCHES={}
[[ -n "${{EVAL_MATCHES:-}}" ]] || EVAL_MATCHES={}
[[ -n "${{OUTPUTS:-}}" ]] || OUTPUTS={}
[[ -n "${{STATE:-}}" ]] || STATE={}
[[ -n "${{RECIPES:-}}" ]] || RECIPES={}
[[ -n "${{STORE:-}}" ]] || STORE={}
[[ -n "${{CACHE:-}}" ]] || CACHE={}
[[ -n "${{LOGS:-}}" ]] || LOGS={}
mkdir -p -- "$LOGS"
run() {{  # run STEP_ID CMD...: runs a step, keeping its log
  local id="$1"; shift
  echo "[$(date +%H:%M:%S)] start $id"
  if "$@" > "$LOGS/${{id//:/_}}.log" 2>&1; then echo "[$(date +%H:%M:%S)] done  $id"; else echo "FAILED $id (log: $LOGS/${{id//:/_}}.log)"; return 1; fi
}}
)SH", CommentText(fmt::format("{}", fmt::join(plan.changed, ", "))), ShellQuote(o.ipt), ShellQuote(o.models),
                                ShellQuote(o.matches),
                                // No evaluation matches of their own: the training matches, also when MATCHES is overridden.
                                o.eval_matches.empty() ? std::string("\"$MATCHES\"") : ShellQuote(o.eval_matches),
                                ShellQuote(o.outputs), ShellQuote(o.state), ShellQuote(o.recipes), ShellQuote(o.store),
                                ShellQuote(o.cache), ShellQuote(o.logs));
  // The steps' arguments with sentinels where the script's variables go.
  ScriptOptions vars;
  vars.ipt = kIptVar;
  vars.models = kModelsVar;
  vars.matches = kMatchesVar;
  vars.outputs = kOutputsVar;
  vars.eval_matches = kEvalMatchesVar;
  vars.state = kStateVar;
  vars.recipes = kRecipesVar;
  vars.store = kStoreVar;
  vars.cache = kCacheVar;
  int wave = 1;
  for (const auto& ids : plan.Waves()) {
    out += fmt::format("\n# wave {}\npids=()\n", wave++);
    for (const auto& id : ids) {
      const Step* s = nullptr;
      for (const auto& x : plan.steps) {
        if (x.id == id) s = &x;
      }
      std::string cmd;
      for (const auto& arg : StepCommand(plan, *s, vars)) cmd += (cmd.empty() ? "" : " ") + ScriptWord(arg);
      out += fmt::format("run {} {} & pids+=($!)\n", ShellQuote(id), cmd);
    }
    // Wait for every step of the wave before stopping, so none is left running behind a failure.
    out += "failed=0\nfor p in \"${pids[@]}\"; do wait \"$p\" || failed=1; done\n"
           "[ \"$failed\" = 0 ] || { echo \"the cascade stopped: see the FAILED step's log\"; exit 1; }\n";
  }
  return out;
}

void WriteScript(const Plan& plan, const ScriptOptions& options, const std::filesystem::path& path) {
  std::vector<std::filesystem::path> inputs = {options.models, options.matches, options.outputs, options.state};
  if (!options.eval_matches.empty()) inputs.push_back(options.eval_matches);
  inputs.push_back(options.recipes);
  if (options.ipt.find('/') != std::string::npos) inputs.push_back(options.ipt);  // else looked up in PATH
  CheckOutputNotInput(path, inputs, "the script");
  WriteFileAtomic(path, EmitScript(plan, options));
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec,
                               std::filesystem::perm_options::add);
}

std::string StepFileName(const std::string& step_id) {
  std::string name = step_id;
  for (char& c : name) {
    if (c == ':' || c == '/') c = '_';
  }
  return name;
}

}  // namespace ipt::cascade
