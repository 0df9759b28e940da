#include "ipt/pipeline/cascade_step.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "ipt/cascade/step.h"
#include "ipt/eval/match_evaluation.h"
#include "ipt/io/match_dir.h"
#include "ipt/pipeline/run.h"
#include "ipt/registry/collection.h"
#include "ipt/store/artifact_store.h"
#include "ipt/store/precompute.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/paths.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

void CascadeStepOptions::Check() const {
  IPT_CHECK(!step.empty(), "name the step (--step)");
  IPT_CHECK(!changed.empty(), "name the changed models (--changed)");
  IPT_CHECK(!models.empty() && !matches.empty() && !outputs.empty() && !state.empty() && !recipes.empty(),
            "the cascade step needs --models, --matches, --outputs, --state and --recipes");
  IPT_CHECK(threads >= 1, "threads must be >= 1, got {}", threads);
}

namespace {

std::vector<fs::path> MatchesIn(const fs::path& dir) {
  std::vector<fs::path> matches = io::FindMatchDirs(dir);
  std::sort(matches.begin(), matches.end());
  IPT_CHECK(!matches.empty(), "{}: no match directory in it", dir.string());
  return matches;
}

std::string ReadRef(const fs::path& state, const std::string& model) {
  const fs::path file = cascade::StepRefFile(state, model);
  std::error_code ec;
  IPT_CHECK(fs::is_regular_file(file, ec), "{}: no ref of the retrained {} (its train step has not run here)",
            file.string(), model);
  constexpr uintmax_t kMaxRefFileBytes = 256;  // a ref and a newline
  IPT_CHECK(fs::file_size(file, ec) <= kMaxRefFileBytes, "{}: not a ref file (over {} bytes)", file.string(),
            kMaxRefFileBytes);
  std::string ref = ReadFile(file);
  while (!ref.empty() && (ref.back() == '\n' || ref.back() == '\r')) ref.pop_back();
  IPT_CHECK(registry::IsModelRef(ref), "{}: not a model ref (64 lowercase hex digits)", file.string());
  return ref;
}

// `dir` under the state directory, created, and not leading out of it (a planted symlink).
fs::path StateDir(const fs::path& state, const fs::path& dir) {
  fs::create_directories(dir);
  CheckInside(dir, state, "a cascade state directory");
  return dir;
}

// `ipt run` on every evaluation match into OUTPUTS/KIND/NAME, then PTFE over them.
std::vector<eval::PtfeReport> Evaluate(const CascadeStepOptions& o, const std::string& kind, const fs::path& collection) {
  const fs::path eval_root = o.eval_matches.empty() ? o.matches : o.eval_matches;
  const fs::path out_root = o.outputs / kind;
  fs::create_directories(out_root);
  const auto matches = MatchesIn(eval_root);
  RunOptions run;
  run.models_yaml = collection;
  run.model_store = o.model_store;
  run.cache = o.cache;
  run.threads = o.threads;
  // The tracking evaluation reads jerseys by the vote: models 4 and 5 are not in its collection.
  if (kind == "tracking") run.jersey = "vote";
  for (size_t i = 0; i < matches.size(); ++i) {
    const fs::path out = out_root / matches[i].filename();
    CheckInside(out, out_root, "a pipeline output");
    const RunReport r = Run(matches[i], out, run);
    spdlog::info("{}: frame layer {}, track layer {}; {} tracks", matches[i].filename().string(),
                 r.layers.at("frame").hit ? "hit" : "computed", r.layers.at("track").hit ? "hit" : "computed", r.tracks);
    if (o.progress) o.progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(matches.size()), "matches run");
  }
  eval::DatasetEvaluationOptions evaluation;
  evaluation.gt_root = eval_root;
  evaluation.pred_root = out_root;
  evaluation.html = out_root / "report.html";
  auto reports = eval::RunDatasetEvaluation(evaluation);
  WriteFileAtomic(out_root / "ptfe.json", eval::ToJson(reports).dump(2) + "\n");
  spdlog::info("PTFE of {} matches:\n{}", matches.size(), eval::FormatReports({reports.back()}));
  return reports;
}

}  // namespace

CascadeStepResult RunCascadeStep(const CascadeStepOptions& o, const registry::TrainerRegistry& trainers) {
  o.Check();
  // The outputs (state, pipeline outputs) are never inputs, also when a script calls a step.
  std::vector<fs::path> inputs = {o.models, o.matches, o.recipes};
  if (!o.eval_matches.empty()) inputs.push_back(o.eval_matches);
  CheckOutputNotInput(o.state, inputs, "--state");
  CheckOutputNotInput(o.outputs, inputs, "--outputs");
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  const cascade::Plan plan = cascade::PlanCascade(graph, std::set<std::string>(o.changed.begin(), o.changed.end()));
  const cascade::Step& step = cascade::FindStep(plan, o.step);
  const registry::ModelCollection input = registry::ReadCollection(o.models);
  const registry::ModelCollection collection = cascade::StepCollection(
      plan, graph, step.id, input, [&](const std::string& model) { return ReadRef(o.state, model); });
  const fs::path collection_file = cascade::StepCollectionFile(o.state, step.id);
  StateDir(o.state, collection_file.parent_path());
  registry::WriteCollection(collection, collection_file);
  std::string refs;
  for (const auto& [model, ref] : collection.refs) refs += fmt::format(" {}={}", model, registry::ShortRef(ref));
  spdlog::info("{}: collection {} ({})", step.id, collection_file.string(), refs.empty() ? " none" : refs);

  std::error_code ec;
  const fs::path model_store = o.model_store.empty() ? registry::DefaultModelStoreRoot() : o.model_store;
  const fs::path cache = o.cache.empty() ? store::DefaultArtifactStoreRoot() : o.cache;
  CascadeStepResult result;
  if (step.kind == "precompute") {
    std::vector<fs::path> matches = MatchesIn(o.matches);
    if (!o.eval_matches.empty() && o.eval_matches != o.matches) {
      for (const auto& m : MatchesIn(o.eval_matches)) matches.push_back(m);
    }
    registry::ModelStore store(model_store);
    store::ArtifactStore artifacts(cache);
    store::PrecomputeOptions options;
    options.model_store = model_store;
    const auto report = store::Precompute(artifacts, graph, step.target, matches, registry::ResolveRefs(collection, store),
                                          store::ProducerRegistry::Global(), nullptr, options);
    result.hits = report.hits;
    result.computed = report.misses;
    spdlog::info("{} layer: {} hits, {} computed, for {} matches", step.target, report.hits, report.misses, matches.size());
  } else if (step.kind == "train") {
    registry::ModelStore store(model_store);
    registry::TrainingContext ctx;
    IPT_CHECK(fs::is_directory(o.recipes, ec), "--recipes {}: not a directory (of MODEL.yaml training recipes)",
              o.recipes.string());
    if (const fs::path recipe = o.recipes / (step.target + ".yaml"); fs::is_regular_file(recipe, ec)) ctx.recipe = recipe;
    spdlog::info("train {} with the recipe {}", step.target, ctx.recipe.empty() ? "(the trainer's defaults)" : ctx.recipe.string());
    ctx.matches = {o.matches.string()};
    ctx.run_dir = StateDir(o.state, o.state / "runs" / step.target);
    // A training stopped early (the recipe's max_minutes) resumes when this step runs again
    // with the same collection and recipe; anything else trains anew.
    std::string inputs_record = ReadFile(collection_file) + "\nrecipe " + ctx.recipe.string() + "\n";
    if (!ctx.recipe.empty()) inputs_record += ReadFile(ctx.recipe);
    const fs::path record_file = o.state / "runs" / (step.target + ".inputs");
    const bool same_inputs = fs::is_regular_file(record_file, ec) && ReadFile(record_file) == inputs_record;
    ctx.resume = same_inputs && fs::is_regular_file(ctx.run_dir / registry::kCheckpointFileName, ec);
    ctx.overwrite = !ctx.resume;
    WriteFileAtomic(record_file, inputs_record);
    if (ctx.resume) spdlog::info("resuming the training in {}", ctx.run_dir.string());
    ctx.cache = cache;
    ctx.progress = [&o](int64_t s, int64_t n, const std::string& status) {
      if (o.progress) o.progress(s, n, status);
    };
    result.ref = registry::TrainModel(step.target, graph, collection, store, std::move(ctx), trainers);
    IPT_CHECK(!result.ref.empty(), "train {} stopped before its last step (the recipe's max_minutes); run the cascade "
              "again to resume it", step.target);
    const fs::path ref_file = cascade::StepRefFile(o.state, step.target);
    StateDir(o.state, ref_file.parent_path());
    WriteFileAtomic(ref_file, result.ref + "\n");
    spdlog::info("trained {} -> {} ({})", step.target, registry::ShortRef(result.ref), ref_file.string());
  } else {
    if (step.target == "pipeline") {
      // A failed evaluation leaves no collection to promote (not an earlier cascade's either).
      fs::remove(cascade::FinalCollectionFile(o.state), ec);
      const auto violations = registry::ValidateCollection(collection, graph, registry::ModelStore(model_store));
      std::string what;
      for (const auto& v : violations) what += "; " + v.message;
      IPT_CHECK(violations.empty(), "{}: the cascade's collection does not validate{}", collection_file.string(), what);
    }
    result.reports = Evaluate(o, step.target, collection_file);
    if (step.target == "pipeline") {
      registry::WriteCollection(collection, cascade::FinalCollectionFile(o.state));
      spdlog::info("the cascade's collection: {} (validates; promote its refs with `ipt models promote`)",
                   cascade::FinalCollectionFile(o.state).string());
    }
  }
  return result;
}

}  // namespace ipt::pipeline
