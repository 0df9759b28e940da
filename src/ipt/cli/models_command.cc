#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <sstream>

#include "ipt/cascade/executor.h"
#include "ipt/cascade/plan.h"
#include "ipt/cascade/step.h"
#include "ipt/util/progress.h"
#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/eval/ptfe.h"
#include "ipt/io/match_dir.h"
#include "ipt/nn/threads.h"
#include "ipt/pipeline/cascade_step.h"
#include "ipt/pipeline/models.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/training.h"
#include "ipt/store/artifact_store.h"
#include "ipt/store/precompute.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::cli {
namespace {

std::set<std::string> SplitNames(const std::vector<std::string>& values) {
  std::set<std::string> out;
  for (const auto& v : values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty()) out.insert(item);
    }
  }
  return out;
}

// This executable's path, for the steps a cascade runs (else "ipt" from PATH).
std::string SelfExecutable() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ipt") : self.string();
}

void PrintViolations(const std::vector<registry::Violation>& violations) {
  for (const auto& v : violations) fmt::print("  ✗ {}\n", v.message);
}

}  // namespace

void AddModelsCommand(CLI::App& app) {
  auto store_root = std::make_shared<std::string>(registry::DefaultModelStoreRoot().string());
  CLI::App* models = app.add_subcommand("models", "Model packages, the model store and models.yaml collections.");
  models->require_subcommand(1);
  models->add_option("--store", *store_root, "model store directory ($IPT_MODEL_STORE, default ./models)");

  CLI::App* list = models->add_subcommand(
      "list", "List the packages in the store. Entries that fail verification (hash, manifest, weights,\n"
              "misplaced) are listed as CORRUPT with the reason after the good ones; the exit status is\n"
              "then 1 (0 when every package verifies).");
  list->callback([store_root]() {
    registry::ModelStore store(*store_root);
    const registry::StoreListing listing = store.List();
    fmt::print("{:<20}{:<14}{:<22}{}\n", "model", "ref", "created", "trained with");
    for (const auto& m : listing.packages) {
      std::string upstream;
      for (const auto& [name, ref] : m.trained_with) upstream += fmt::format("{}{}@{}", upstream.empty() ? "" : ", ", name, registry::ShortRef(ref));
      fmt::print("{:<20}{:<14}{:<22}{}\n", m.name, registry::ShortRef(m.ref), m.created, upstream.empty() ? "-" : upstream);
    }
    for (const auto& bad : listing.bad) {
      fmt::print("{:<20}{:<14}{}\n", "CORRUPT", Echo(registry::ShortRef(bad.dir.filename().string())), bad.reason);
    }
    if (listing.packages.empty() && listing.bad.empty()) fmt::print("(no packages in {})\n", *store_root);
    if (!listing.bad.empty()) {
      throw Error(fmt::format("{} corrupt package(s) in {} (listed above): remove them or add the packages again",
                              listing.bad.size(), *store_root));
    }
  });

  auto ref = std::make_shared<std::string>();
  CLI::App* show = models->add_subcommand("show", "Print a package's manifest (model.json) after verifying its hash.");
  show->add_option("REF", *ref, "ref or unique prefix (>= 4 characters)")->required();
  show->callback([store_root, ref]() { fmt::print("{}\n", registry::ToJson(registry::ModelStore(*store_root).Get(*ref)).dump(2)); });

  auto dir = std::make_shared<std::string>();
  CLI::App* add = models->add_subcommand("add", "Verify a package directory and copy it into the store.");
  add->add_option("DIR", *dir, "package directory (weights.safetensors + model.json)")->required()->check(CLI::ExistingDirectory);
  add->callback([store_root, dir]() {
    std::string r = registry::ModelStore(*store_root).Add(*dir);
    fmt::print("{}\n", r);
    spdlog::info("added {} to {}", registry::ShortRef(r), *store_root);
  });

  struct DeriveArgs {
    std::string base;
    std::vector<std::string> set;
  };
  auto dargs = std::make_shared<DeriveArgs>();
  CLI::App* derive = models->add_subcommand(
      "derive", "A new package from a stored one with some of its recorded options changed, without training:\n"
                "the same weights and provenance, a new ref (printed). Each PATH names an option of the\n"
                "package's architecture (see `ipt models show`), e.g. resolving.max_handover_seconds; the value\n"
                "keeps its type. An option the package predates (its model reads it at its default) may be\n"
                "added: the identity resolver's resolving.* (e.g. resolving.evict_by_name) and the JN\n"
                "classifier's network.spread_selection and network.spread_min_legible_probability. The package is loaded as `ipt run`\n"
                "would before it enters the store. Then\n"
                "`ipt models promote` puts it in a collection.");
  derive->add_option("REF", dargs->base, "ref or unique prefix (>= 4 characters) of the package to start from")->required();
  derive->add_option("--set", dargs->set,
                     "PATH=VALUE (repeatable); VALUE a number, true/false or a string (a string option set to\n"
                     "something that reads as a number or boolean takes JSON quotes: 'PATH=\"5\"')")
      ->required();
  derive->callback([store_root, dargs]() {
    std::map<std::string, nlohmann::json> changes;
    for (const std::string& assignment : dargs->set) {
      const size_t eq = assignment.find('=');
      IPT_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < assignment.size(),
                "--set '{}': expected PATH=VALUE", assignment);
      const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
      IPT_CHECK(!changes.count(path), "--set names '{}' twice", path);
      // A number or true/false as JSON reads it; anything else is a string.
      nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded() || !(value.is_number() || value.is_boolean() || value.is_string())) value = text;
      changes[path] = value;
    }
    registry::ModelStore store(*store_root);
    const std::string ref = registry::DerivePackage(store, dargs->base, changes, pipeline::CheckPackageLoads, pipeline::KnownOptions);
    fmt::print("{}\n", ref);
    spdlog::info("derived {} from {} in {}", registry::ShortRef(ref), dargs->base, *store_root);
  });

  auto collection = std::make_shared<std::string>();
  CLI::App* validate = models->add_subcommand("validate", "Check a collection: provenance and schemas on every edge.");
  validate->add_option("MODELS_YAML", *collection, "collection file")->required()->check(CLI::ExistingFile);
  validate->callback([store_root, collection]() {
    auto violations = registry::ValidateCollection(registry::ReadCollection(*collection), registry::ModelGraph::PathA(),
                                                   registry::ModelStore(*store_root));
    if (violations.empty()) {
      fmt::print("{}: valid\n", *collection);
      return;
    }
    fmt::print("{}: {} violated edge(s)\n", *collection, violations.size());
    PrintViolations(violations);
    IPT_THROW("{} is not a valid collection", *collection);
  });

  struct PromoteArgs {
    std::string collection;
    std::vector<std::string> set;
  };
  auto pargs = std::make_shared<PromoteArgs>();
  CLI::App* promote = models->add_subcommand(
      "promote", "Write a new collection with some refs replaced, only if it validates; otherwise refuse and\n"
                 "list the models that must be retrained.");
  promote->add_option("MODELS_YAML", pargs->collection, "collection file (replaced atomically; never one inside the model store)")->required()->check(CLI::ExistingFile);
  promote->add_option("--set", pargs->set, "MODEL=REF (repeatable)")->required();
  promote->callback([store_root, pargs]() {
    const auto changes = registry::ParseRefAssignments(pargs->set);
    auto result = registry::Promote(pargs->collection, changes, registry::ModelGraph::PathA(),
                                    registry::ModelStore(*store_root));
    if (result.promoted) {
      fmt::print("promoted: {} updated\n", pargs->collection);
      return;
    }
    fmt::print("refused: the new collection breaks {} edge(s)\n", result.violations.size());
    PrintViolations(result.violations);
    std::string retrain;
    for (const auto& m : result.must_retrain) retrain += (retrain.empty() ? "" : ", ") + m;
    fmt::print("retrain first (see `ipt cascade plan --changed {}`): {}\n", changes.begin()->first,
               retrain.empty() ? "-" : retrain);
    IPT_THROW("promotion refused; {} unchanged", pargs->collection);
  });
}

void AddTrainAndPrecomputeCommands(CLI::App& app) {
  // The entry points the cascade calls: each model module registers its trainer
  // (pipeline/models.h); a model without one fails with a clear message.
  struct TrainArgs {
    std::string model, models = "models.yaml", recipe, run_dir, device;
    std::string store = registry::DefaultModelStoreRoot().string();
    std::string cache = store::DefaultArtifactStoreRoot().string();
    std::vector<std::string> matches, val_matches;
    bool resume = false, force = false;
    int threads = 0;
    double max_minutes = -1;
  };
  auto t = std::make_shared<TrainArgs>();
  CLI::App* train = app.add_subcommand(
      "train", "Train one model of the graph against a collection: records the collection's upstream refs\n"
               "as its provenance and adds the package to the model store (prints its ref).\n"
               "Checkpoints in --run-dir at least every 4 minutes; --resume continues exactly.");
  train->add_option("MODEL", t->model, "model name")->required();
  train->add_option("--config", t->recipe, "training recipe (default configs/train/MODEL.yaml when it exists)")
      ->check(CLI::ExistingFile);
  train->add_option("--models", t->models, "collection giving the upstream models (may be absent for the detector)");
  train->add_option("--matches", t->matches, "training matches or directories of matches (overrides the recipe)");
  train->add_option("--val-matches", t->val_matches, "validation matches (overrides the recipe)");
  train->add_option("--run-dir", t->run_dir, "checkpoints, curves.csv/png and best weights (default runs/MODEL)");
  train->add_flag("--resume", t->resume, "continue the run in --run-dir from its last checkpoint");
  train->add_flag("--force", t->force, "replace an earlier run in --run-dir");
  train->add_option("--threads", t->threads, "LibTorch threads (overrides the recipe)")->check(PositiveUpTo(limits::kMaxThreads));
  train->add_option("--device", t->device, "cpu or cuda (overrides the recipe)")->check(CLI::IsMember({"cpu", "cuda"}));
  train->add_option("--max-minutes", t->max_minutes, "stop with a checkpoint after this long (resume later)")
      ->check(NonNegative());
  train->add_option("--store", t->store, "model store ($IPT_MODEL_STORE, default ./models)");
  train->add_option("--cache", t->cache,
                    "precompute store for models trained on layers (the tracker reads frame layers; $IPT_CACHE, "
                    "default ./cache)");
  train->callback([t]() {
    registry::ModelStore store(t->store);
    registry::TrainingContext ctx;
    ctx.recipe = t->recipe;
    const std::filesystem::path default_recipe = std::filesystem::path("configs/train") / (t->model + ".yaml");
    if (ctx.recipe.empty() && std::filesystem::exists(default_recipe)) ctx.recipe = default_recipe;
    ctx.matches = t->matches;
    ctx.validation_matches = t->val_matches;
    ctx.run_dir = t->run_dir.empty() ? std::filesystem::path("runs") / t->model : std::filesystem::path(t->run_dir);
    ctx.resume = t->resume;
    ctx.overwrite = t->force;
    ctx.threads = t->threads;
    ctx.device = t->device;
    ctx.max_minutes = t->max_minutes;
    ctx.cache = t->cache;
    ProgressBar bar("train " + t->model, "steps");
    ctx.progress = [&bar](int64_t step, int64_t steps, const std::string& status) {
      bar.SetStatus(status);
      bar.Update(step, steps);
    };
    registry::ModelCollection collection;
    if (std::filesystem::exists(t->models)) collection = registry::ReadCollection(t->models);
    std::string ref =
        registry::TrainModel(t->model, registry::ModelGraph::PathA(), collection, store, std::move(ctx));
    bar.Finish();
    if (ref.empty()) {
      spdlog::warn("{}: stopped before the last step; continue with --resume", t->model);
      return;
    }
    spdlog::info("trained {} -> {} (store {}); promote with `ipt models promote`", t->model,
                 registry::ShortRef(ref), t->store);
    fmt::print("{}\n", ref);
  });
  struct PrecomputeArgs {
    std::string level, models = "models.yaml", matches, store = registry::DefaultModelStoreRoot().string(),
                cache = store::DefaultArtifactStoreRoot().string();
    std::vector<std::string> match_dirs;
  };
  auto p = std::make_shared<PrecomputeArgs>();
  CLI::App* precompute = app.add_subcommand(
      "precompute", "Fill the frame or track precompute layer for matches (content-addressed: present\n"
                    "entries are hits, missing ones are computed by the layer's producing models).");
  std::vector<std::string> layers;
  const registry::ModelGraph graph = registry::ModelGraph::PathA();
  for (const auto& l : graph.layers()) layers.push_back(l.name);
  precompute->add_option("--level", p->level, "precompute layer of the model graph")->required()->check(CLI::IsMember(layers));
  precompute->add_option("--models", p->models, "collection naming the producing models")->check(CLI::ExistingFile);
  precompute->add_option("--matches", p->matches, "directory whose subdirectories are matches")->check(CLI::ExistingDirectory);
  precompute->add_option("MATCH", p->match_dirs, "match directories")->check(CLI::ExistingDirectory);
  precompute->add_option("--store", p->store, "model store ($IPT_MODEL_STORE, default ./models)");
  precompute->add_option("--cache", p->cache, "precompute store ($IPT_CACHE, default ./cache)");
  precompute->callback([p]() {
    std::vector<std::filesystem::path> matches(p->match_dirs.begin(), p->match_dirs.end());
    if (!p->matches.empty()) {
      for (const auto& dir : io::FindMatchDirs(p->matches)) matches.push_back(dir);
    }
    std::sort(matches.begin(), matches.end());
    IPT_CHECK(!matches.empty(), "no match given (MATCH... or --matches DIR)");
    registry::ModelStore models(p->store);
    std::map<std::string, std::string> refs;
    refs = registry::ResolveRefs(registry::ReadCollection(p->models), models);
    store::ArtifactStore cache(p->cache);
    ProgressBar bar("precompute " + p->level, "matches");
    store::PrecomputeOptions options;
    options.model_store = p->store;  // the producers load the collection's packages from here
    auto report = store::Precompute(cache, registry::ModelGraph::PathA(), p->level, matches, refs,
                                    store::ProducerRegistry::Global(), bar.Callback(), options);
    bar.Finish();
    fmt::print("{} layer: {} hits, {} computed, for {} matches\n", p->level, report.hits, report.misses, matches.size());
  });
}

void AddCascadeCommand(CLI::App& app) {
  CLI::App* cascade = app.add_subcommand("cascade", "The retraining cascade derived from the model graph.");
  cascade->require_subcommand(1);
  struct Args {
    std::vector<std::string> changed;
    std::string emit_script;
    bool json = false;
    cascade::ScriptOptions script;
  };
  auto args = std::make_shared<Args>();
  CLI::App* plan = cascade->add_subcommand("plan", "What to regenerate and retrain, in which order, when models change.");
  plan->add_option("--changed", args->changed, "changed model(s): MODEL[,MODEL]")->required();
  plan->add_option("--models", args->script.models, "collection the generated steps use");
  plan->add_option("--matches", args->script.matches, "directory of match directories (for --emit-script)");
  plan->add_option("--outputs", args->script.outputs, "directory of pipeline outputs (for --emit-script)");
  plan->add_option("--eval-matches", args->script.eval_matches, "directory of evaluation matches (for --emit-script; default: --matches)");
  plan->add_option("--state", args->script.state, "state directory of the steps (for --emit-script)");
  plan->add_option("--recipes", args->script.recipes, "directory of training recipes MODEL.yaml (for --emit-script)");
  plan->add_option("--store", args->script.store, "model store the steps use (for --emit-script)");
  plan->add_option("--cache", args->script.cache, "precompute store the steps use (for --emit-script)");
  plan->add_option("--emit-script", args->emit_script,
                   "also write the plan as a bash script here (never over --models, --matches or --outputs)");
  plan->add_flag("--json", args->json, "print one JSON object {changed, regenerate, retrain, steps}");
  plan->callback([args]() {
    auto p = cascade::PlanCascade(registry::ModelGraph::PathA(), SplitNames(args->changed));
    if (args->json) fmt::print("{}\n", cascade::ToJson(p).dump(2));
    else fmt::print("{}", cascade::FormatPlan(p));
    if (!args->emit_script.empty()) {
      cascade::WriteScript(p, args->script, args->emit_script);  // refuses to overwrite its inputs
      spdlog::info("wrote {}", args->emit_script);
    }
  });

  struct RunArgs {
    std::vector<std::string> changed;
    cascade::ScriptOptions commands;
    cascade::ExecutorOptions executor;
  };
  auto run_args = std::make_shared<RunArgs>();
  CLI::App* run = cascade->add_subcommand(
      "run", "Execute a plan here, for real: precompute layers, retrain models with their trainers (recipes\n"
             "from --recipes, default configs/train), run the pipeline on the evaluation matches and score it\n"
             "with PTFE. Dependency order, independent steps in parallel, resumable (finished steps are\n"
             "skipped), one log per step in STATE/logs; the collection to promote is left in STATE/models.yaml.");
  run->add_option("--changed", run_args->changed, "changed model(s): MODEL[,MODEL]")->required();
  run->add_option("--models", run_args->commands.models,
                  "input collection: names the changed models' new refs (the rest as before)")
      ->check(CLI::ExistingFile);
  run->add_option("--matches", run_args->commands.matches, "directory of training matches")->check(CLI::ExistingDirectory);
  run->add_option("--eval-matches", run_args->commands.eval_matches,
                  "directory of matches the evaluations run on and score (default: --matches)")
      ->check(CLI::ExistingDirectory);
  run->add_option("--outputs", run_args->commands.outputs, "pipeline outputs of the evaluations (OUTPUTS/tracking, OUTPUTS/pipeline)");
  run->add_option("--recipes", run_args->commands.recipes,
                  "directory of training recipes MODEL.yaml (it must exist; a model without a recipe in it:\n"
                  "its trainer's defaults)");
  run_args->commands.store = registry::DefaultModelStoreRoot().string();
  run_args->commands.cache = store::DefaultArtifactStoreRoot().string();
  run->add_option("--store", run_args->commands.store, "model store ($IPT_MODEL_STORE, default ./models)");
  run->add_option("--cache", run_args->commands.cache, "precompute store ($IPT_CACHE, default ./cache)");
  run->add_option("--ipt", run_args->commands.ipt, "ipt executable the steps call (default: this one)");
  run->add_option("--jobs", run_args->executor.jobs, "steps running at once")->check(CLI::Range(1, limits::kMaxThreads));
  run->add_option("--state", run_args->executor.state_dir,
                  "state directory: markers of finished steps, logs, the steps' collections, new refs, training runs");
  run->callback([run_args]() {
    auto p = cascade::PlanCascade(registry::ModelGraph::PathA(), SplitNames(run_args->changed));
    auto& c = run_args->commands;
    if (c.ipt == "ipt") c.ipt = SelfExecutable();
    c.state = run_args->executor.state_dir.string();
    // Absolute stores: they are part of every step's command, so of its record.
    c.store = std::filesystem::absolute(c.store).lexically_normal().string();
    c.cache = std::filesystem::absolute(c.cache).lexically_normal().string();
    std::vector<std::filesystem::path> inputs = {c.models, c.matches, c.outputs, c.ipt};
    if (!c.eval_matches.empty()) inputs.push_back(c.eval_matches);
    inputs.push_back(c.recipes);
    CheckOutputNotInput(run_args->executor.state_dir, inputs, "--state");
    CheckOutputNotInput(c.outputs, {c.models, c.matches, c.eval_matches.empty() ? c.matches : c.eval_matches}, "--outputs");
    run_args->executor.input_files = {c.models};  // a new input collection re-runs every step
    // A step's own inputs: a training's recipe, and the match.yaml of every match it reads (a
    // match added or changed re-runs the steps that read it).
    auto match_files = [](const std::string& dir) {
      std::vector<std::filesystem::path> files;
      for (const auto& m : io::FindMatchDirs(dir)) files.push_back(m / io::kMatchYamlName);
      std::sort(files.begin(), files.end());
      return files;
    };
    const auto training = match_files(c.matches);
    const auto evaluation = c.eval_matches.empty() ? training : match_files(c.eval_matches);
    const std::filesystem::path recipes = c.recipes;
    run_args->executor.step_input_files = [=](const cascade::Step& s) {
      std::vector<std::filesystem::path> files;
      if (s.kind == "train") files = {recipes / (s.target + ".yaml")};
      if (s.kind != "evaluate") files.insert(files.end(), training.begin(), training.end());
      if (s.kind != "train") files.insert(files.end(), evaluation.begin(), evaluation.end());
      return files;
    };
    fmt::print("{}\n", cascade::FormatPlan(p));
    ProgressBar bar("cascade", "steps");
    const auto& commands = run_args->commands;
    auto outcomes = cascade::RunPlan(
        p, [&commands, &p](const cascade::Step& s) { return cascade::StepCommand(p, s, commands); },
        run_args->executor, bar.Callback());
    bar.Finish();
    bool ok = true;
    for (const auto& o : outcomes) {
      fmt::print("  {:<28}{:<24}{:>7.1f} s  {}\n", o.id, cascade::StatusName(o.status), o.seconds, o.log.string());
      if (!o.error.empty()) fmt::print("    {}\n", o.error);
      ok &= o.status == cascade::StepOutcome::Status::kDone || o.status == cascade::StepOutcome::Status::kSkipped;
    }
    IPT_CHECK(ok, "the cascade stopped; see the failed step's log, fix, and run again to resume");
    fmt::print("collection to promote: {}\nPTFE: {}/pipeline/ptfe.json, report.html\n",
               cascade::FinalCollectionFile(run_args->executor.state_dir).string(), c.outputs);
  });

  auto step_args = std::make_shared<pipeline::CascadeStepOptions>();
  auto step_changed = std::make_shared<std::vector<std::string>>();
  auto step_paths = std::make_shared<std::array<std::string, 8>>();
  CLI::App* step = cascade->add_subcommand(
      "step", "Run one step of a cascade plan (what `cascade run` and emitted scripts call): precompute:LAYER,\n"
              "train:MODEL, evaluate:tracking or evaluate:pipeline, with the collection that step sees.");
  auto& sp = *step_paths;
  step->add_option("--step", step_args->step, "step id of the plan")->required();
  step->add_option("--changed", *step_changed, "changed model(s) of the plan: MODEL[,MODEL]")->required();
  step->add_option("--models", sp[0], "input collection")->required()->check(CLI::ExistingFile);
  step->add_option("--matches", sp[1], "directory of training matches")->required()->check(CLI::ExistingDirectory);
  step->add_option("--eval-matches", sp[2], "directory of evaluation matches (default: --matches)");
  step->add_option("--outputs", sp[3], "pipeline outputs of the evaluations")->required();
  step->add_option("--state", sp[4], "the cascade's state directory")->required();
  sp[5] = "configs/train";
  step->add_option("--recipes", sp[5], "directory of training recipes MODEL.yaml (a model without one: its trainer's defaults)");
  sp[6] = registry::DefaultModelStoreRoot().string();
  sp[7] = store::DefaultArtifactStoreRoot().string();
  step->add_option("--store", sp[6], "model store ($IPT_MODEL_STORE, default ./models)");
  step->add_option("--cache", sp[7], "precompute store ($IPT_CACHE, default ./cache)");
  step->add_option("--threads", step_args->threads, "LibTorch threads of the pipeline runs")
      ->check(PositiveUpTo(limits::kMaxThreads));
  step->callback([step_args, step_changed, step_paths]() {
    auto& o = *step_args;
    const auto& sp = *step_paths;
    for (const auto& name : SplitNames(*step_changed)) o.changed.push_back(name);
    o.models = sp[0];
    o.matches = sp[1];
    o.eval_matches = sp[2];
    o.outputs = sp[3];
    o.state = sp[4];
    o.recipes = sp[5];
    o.model_store = sp[6];
    o.cache = sp[7];
    nn::SetTorchThreads(o.threads);
    ProgressBar bar(o.step, "");
    o.progress = [&bar](int64_t done, int64_t total, const std::string& status) {
      bar.SetStatus(status);
      bar.Update(done, total);
    };
    const auto result = pipeline::RunCascadeStep(o);
    bar.Finish();
    if (!result.ref.empty()) fmt::print("{}\n", result.ref);
    if (!result.reports.empty()) fmt::print("{}", eval::FormatReports({result.reports.back()}));
  });
}

}  // namespace ipt::cli
