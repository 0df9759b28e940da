#include <fmt/format.h>

#include <filesystem>
#include <spdlog/spdlog.h>

#include "ipt/cli/commands.h"
#include "ipt/cli/validators.h"
#include "ipt/eval/match_evaluation.h"
#include "ipt/eval/perturb.h"
#include "ipt/eval/ptfe.h"
#include "ipt/eval/track_evaluation.h"
#include "ipt/eval/tracking_metrics.h"
#include "ipt/nn/threads.h"
#include "ipt/pipeline/run.h"
#include "ipt/pipeline/identity_evaluation.h"
#include "ipt/pipeline/jersey_evaluation.h"
#include "ipt/pipeline/tracker_evaluation.h"
#include "ipt/registry/model_package.h"
#include "ipt/store/artifact_store.h"
#include "ipt/util/limits.h"
#include "ipt/util/progress.h"

namespace ipt::cli {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> Paths(const std::vector<std::string>& names) {
  return std::vector<fs::path>(names.begin(), names.end());
}

void AddTracks(CLI::App* eval) {
  struct Args {
    std::vector<std::string> gt, pred;
    std::string space = "image", similarity;
    double tolerance = 0;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand("tracks", "HOTA, CLEAR and Identity metrics of tracking files, exactly as TrackEval.");
  cmd->add_option("--gt", args->gt, "ground-truth file (repeat for several sequences)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--pred", args->pred, "predicted file, one per --gt, same order")->required()->check(CLI::ExistingFile);
  cmd->add_option("--space", args->space, "image: frame,id,x,y,w,h,conf,... (pixels); pitch: frame,id,x,z,... (metres)")
      ->check(CLI::IsMember({"image", "pitch"}));
  cmd->add_option("--similarity", args->similarity, "iou (image) | linear | gaussian (pitch); default iou for image, linear for pitch")
      ->check(CLI::IsMember({"iou", "linear", "gaussian"}));
  cmd->add_option("--tolerance", args->tolerance, "T in metres for pitch kernels (default 2 linear, 5 gaussian)")
      ->check(NonNegative());
  cmd->add_flag("--json", args->json, "one JSON object: metric names -> fractions (per sequence + COMBINED when several)");
  cmd->callback([args]() {
    eval::SimilarityOptions similarity;
    similarity.space = eval::ParseSpace(args->space);
    similarity.kind = args->similarity;
    similarity.tolerance_m = args->tolerance;
    auto results = eval::EvaluateTrackFiles(Paths(args->gt), Paths(args->pred), similarity);
    fmt::print("{}", args->json ? eval::FormatTrackingJson(results) : eval::FormatTrackingTable(results));
  });
}

void AddGsr(CLI::App* eval) {
  struct Args {
    std::vector<std::string> gt, pred;
    bool no_attributes = false, json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand("gsr", "GS-HOTA of SoccerNet Game State Reconstruction files (Labels-GameState.json vs predictions).");
  cmd->add_option("--gt", args->gt, "Labels-GameState.json (repeat for several sequences)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--pred", args->pred, "predictions JSON, one per --gt")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--no-attributes", args->no_attributes, "plain HOTA on the localization similarity (IdSim = 1)");
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    auto results = eval::EvaluateGsrFiles(Paths(args->gt), Paths(args->pred), !args->no_attributes);
    fmt::print("{}", args->json ? eval::FormatTrackingJson(results) : eval::FormatGsHotaSummary(results));
  });
}

void AddMatch(CLI::App* eval) {
  struct Args {
    std::string gt, pred, html, export_gsr;
    std::vector<std::string> compare, stills;
    bool json = false;
    eval::PtfeOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "match", "PTFE on one match: detection, tracking, GS-HOTA, category, jersey and identity accuracy\n"
               "of OUT_DIR/tracks.csv against MATCH_DIR/annotations.csv.");
  cmd->add_option("--gt", args->gt, "match directory with annotations.csv")->required()->check(CLI::ExistingDirectory);
  auto* pred = cmd->add_option("--pred", args->pred, "pipeline output directory holding tracks.csv")->check(CLI::ExistingDirectory);
  auto* compare = cmd->add_option("--compare", args->compare, "two output directories A B: side by side with deltas (B - A)")
                      ->expected(2)->check(CLI::ExistingDirectory);
  pred->excludes(compare);
  cmd->add_option("--html", args->html, "also write a self-contained HTML report here (never over an input)");
  cmd->add_option("--stills", args->stills,
                  "still frames (e.g. the PNGs of `ipt render --stills`) the HTML report shows and links; each\n"
                  "is linked by its path relative to the report, so keep them beside it");
  cmd->add_option("--export-gsr", args->export_gsr,
                  "also write SoccerNet GSR JSON (Labels-GameState.json, predictions.json) into this directory\n"
                  "(absent, empty, or one ipt wrote: it is replaced)");
  cmd->add_option("--detection-radius", args->options.detection_radius_m, "detection match radius, metres")->check(Positive());
  cmd->add_option("--tolerance", args->options.tracking_tolerance_m, "T of the linear similarity for tracking metrics, metres")->check(Positive());
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    eval::MatchEvaluationOptions options;
    options.stills = Paths(args->stills);
    options.match_dir = args->gt;
    if (!args->pred.empty()) options.output_dirs = {args->pred};
    else options.output_dirs = Paths(args->compare);
    options.html = args->html;
    options.export_gsr = args->export_gsr;
    options.ptfe = args->options;
    fmt::print("{}", eval::FormatMatchOutput(eval::RunMatchEvaluation(options), args->json));
  });
}

void AddDataset(CLI::App* eval) {
  struct Args {
    std::string gt_root, pred_root, html;
    bool json = false;
    eval::PtfeOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "dataset", "PTFE over many matches: every GT_ROOT/NAME with annotations.csv against PRED_ROOT/NAME/tracks.csv,\n"
                 "per match and COMBINED.");
  cmd->add_option("--gt-root", args->gt_root, "directory of match directories")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--pred-root", args->pred_root, "directory of output directories, same names")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--html", args->html, "also write a self-contained HTML report here (never over an input)");
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    eval::DatasetEvaluationOptions options;
    options.gt_root = args->gt_root;
    options.pred_root = args->pred_root;
    options.html = args->html;
    options.ptfe = args->options;
    ProgressBar bar("evaluating", "matches");
    auto reports = eval::RunDatasetEvaluation(options, bar.Callback());
    bar.Finish();
    fmt::print("{}", eval::FormatDatasetOutput(reports, args->json));
  });
}

void AddPerturb(CLI::App* eval) {
  struct Args {
    std::string gt, out;
    eval::PerturbedBaselineOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "perturb", "Write OUT_DIR/tracks.csv from a match's ground truth with controlled errors: a known\n"
                 "baseline to read PTFE reports against (not a tracker).");
  cmd->add_option("--gt", args->gt, "match directory with annotations.csv")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", args->out, "output directory (absent, empty, or one ipt wrote: it is replaced)")->required();
  cmd->add_option("--seed", args->options.seed, "random seed")->check(Seed());
  auto& o = args->options.perturb;
  cmd->add_option("--noise", o.position_noise_m, "position noise sigma per axis, metres")
      ->check(Within(0, eval::PerturbOptions::kMaxPositionNoiseM));
  cmd->add_option("--miss-rate", o.miss_rate, "fraction of detections dropped")->check(Within(0, 1));
  cmd->add_option("--fp-rate", o.false_positive_rate, "false detections per true detection")->check(Within(0, 1));
  cmd->add_option("--switches-per-minute", o.id_switches_per_minute, "track id changes per person per minute")
      ->check(Within(0, eval::PerturbOptions::kMaxSwitchesPerMinute));
  cmd->add_option("--category-error", o.category_error_rate, "per track: wrong category")->check(Within(0, 1));
  cmd->add_option("--jersey-unknown", o.jersey_unknown_rate, "per track: no jersey")->check(Within(0, 1));
  cmd->add_option("--jersey-error", o.jersey_error_rate, "per track: wrong jersey")->check(Within(0, 1));
  cmd->callback([args]() {
    args->options.match_dir = args->gt;
    args->options.output_dir = args->out;
    eval::WritePerturbedBaseline(args->options);
  });
}

void AddTracker(CLI::App* eval) {
  struct Args {
    std::vector<std::string> matches, trackers = {"online", "gnn"};
    std::string models = "models.yaml", store = registry::DefaultModelStoreRoot().string(),
                cache = store::DefaultArtifactStoreRoot().string(), out, detections = "detector", json_out, attributes;
    pipeline::GroundTruthDetectionOptions gt;
    int threads = 2;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "tracker", "Trackers compared on the same detections of matches with ground truth: each runs the rest of\n"
                 "`ipt run` (OUT/<tracker>/<match>/) and PTFE scores it. Detections: the detector's (the frame\n"
                 "layer from the store) or the ground truth's with noise and drops (crops and crop encoder at\n"
                 "those points; not stored). Prints HOTA, DetA, AssA, IDF1, ID switches, category per track and\n"
                 "the tracker's ms per frame, per match and COMBINED.");
  cmd->add_option("MATCH", args->matches, "match directories with annotations.csv")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--trackers", args->trackers,
                  "online, gnn (the collection's GNN tracker), collection, tracker refs in --store, or truth (the\n"
                  "ground truth's association of the same detections, false ones left out: how far association can go)")
      ->delimiter(',');
  cmd->add_option("--models", args->models, "collection naming the detector, crop_encoder and tracker")->check(CLI::ExistingFile);
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_option("--cache", args->cache, "precompute store ($IPT_CACHE, default ./cache)");
  cmd->add_option("--out", args->out, "output directory (one subdirectory per tracker and match)")->required();
  cmd->add_option("--detections", args->detections, "detector or gt (ground truth with --gt-noise and --gt-drop)")
      ->check(CLI::IsMember({"detector", "gt"}));
  cmd->add_option("--gt-noise", args->gt.noise_m, "ground-truth detections: noise sigma per axis, metres")->check(Within(0, 10));
  cmd->add_option("--gt-drop", args->gt.drop_probability, "ground-truth detections: share dropped")->check(Within(0, 0.99));
  cmd->add_option("--gt-seed", args->gt.seed, "ground-truth detections: random seed")->check(Seed());
  cmd->add_option("--attributes", args->attributes,
                  "YAML of per-track category/jersey/smoothing options (any subset of configs/track_attributes.yaml;\n"
                  "category_from_tracker: true scores the GNN's category head)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    nn::SetTorchThreads(args->threads);
    pipeline::TrackerEvaluationOptions o;
    if (!args->attributes.empty()) o.attributes = pipeline::ReadTrackAttributesOptions(args->attributes);
    o.models_yaml = args->models;
    o.model_store = args->store;
    o.cache = args->cache;
    o.out = args->out;
    o.trackers = args->trackers;
    o.ground_truth_detections = args->detections == "gt";
    o.ground_truth = args->gt;
    o.threads = args->threads;
    o.progress = [](const std::string& what) { spdlog::info("{}", what); };
    std::vector<std::filesystem::path> matches(args->matches.begin(), args->matches.end());
    const auto results = pipeline::EvaluateTrackers(matches, o);
    fmt::print("{}", pipeline::FormatTrackerEvaluation(results, args->json));
  });
}

void AddJersey(CLI::App* eval) {
  struct Args {
    std::vector<std::string> matches;
    std::vector<int> windows = {10, 25, 100};
    std::string models = "models.yaml", store = registry::DefaultModelStoreRoot().string(),
                cache = store::DefaultArtifactStoreRoot().string(), attributes;
    int threads = 2;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "jersey", "The JN classifier (the collection's jn_classifier) against the vote of legible crops, on the\n"
                "collection's tracks of matches with ground truth: accuracy per track window by window length\n"
                "and by how often the number is legible in it (never / 1-4 / >= 5 crops). A window's truth is the\n"
                "number of its main person when one of its crops shows it legibly, else unknown.");
  cmd->add_option("MATCH", args->matches, "match directories with annotations.csv")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--models", args->models, "collection naming detector, crop_encoder and tracker, and jn_classifier (without one:\n"
                                           "the vote alone is scored)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_option("--cache", args->cache, "precompute store ($IPT_CACHE, default ./cache)");
  cmd->add_option("--windows", args->windows, "window lengths in detections (whole tracks are always scored)")
      ->delimiter(',')
      ->check(CLI::Range(1, limits::kMaxFrames));
  cmd->add_option("--attributes", args->attributes, "YAML of per-track options for the vote (configs/track_attributes.yaml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    nn::SetTorchThreads(args->threads);
    pipeline::JerseyEvaluationOptions o;
    if (!args->attributes.empty()) o.attributes = pipeline::ReadTrackAttributesOptions(args->attributes);
    o.models_yaml = args->models;
    o.model_store = args->store;
    o.cache = args->cache;
    o.window_lengths = args->windows;
    o.threads = args->threads;
    o.progress = [](const std::string& what) { spdlog::info("{}", what); };
    const std::vector<std::filesystem::path> matches(args->matches.begin(), args->matches.end());
    const pipeline::JerseyEvaluation r = pipeline::EvaluateJersey(matches, o);
    fmt::print("{}", args->json ? r.ToJson().dump(2) + "\n" : r.ToText());
  });
}

void AddIdentity(CLI::App* eval) {
  struct Args {
    std::vector<std::string> matches;
    std::string models = "models.yaml", store = registry::DefaultModelStoreRoot().string(),
                cache = store::DefaultArtifactStoreRoot().string(), attributes;
    identity_resolver::TrackCutOptions cut;
    int threads = 2;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "identity", "The identity resolver (the collection's identity_resolver) on matches with ground truth: player ids\n"
                  "of the person tracks by roster look-up and by the resolver, and of the tracks cut into pieces as if\n"
                  "players left the view and came back (each piece alone, and linked by the resolver): detections named\n"
                  "right and wrong, and for the pieces how often a returning player is linked to his earlier piece and\n"
                  "named right.");
  cmd->add_option("MATCH", args->matches, "match directories with annotations.csv")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--models", args->models, "collection naming all five models")->check(CLI::ExistingFile);
  cmd->add_option("--store", args->store, "model store ($IPT_MODEL_STORE, default ./models)");
  cmd->add_option("--cache", args->cache, "precompute store ($IPT_CACHE, default ./cache)");
  cmd->add_option("--attributes", args->attributes, "YAML of per-track options (configs/track_attributes.yaml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cut-seed", args->cut.seed, "random seed of the cuts")->check(Seed());
  cmd->add_option("--threads", args->threads, "LibTorch threads")->check(PositiveUpTo(limits::kMaxThreads));
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    nn::SetTorchThreads(args->threads);
    pipeline::IdentityEvaluationOptions o;
    if (!args->attributes.empty()) o.attributes = pipeline::ReadTrackAttributesOptions(args->attributes);
    o.models_yaml = args->models;
    o.model_store = args->store;
    o.cache = args->cache;
    o.cut = args->cut;
    o.threads = args->threads;
    o.progress = [](const std::string& what) { spdlog::info("{}", what); };
    const std::vector<std::filesystem::path> matches(args->matches.begin(), args->matches.end());
    const pipeline::IdentityEvaluation r = pipeline::EvaluateIdentity(matches, o);
    fmt::print("{}", args->json ? r.ToJson().dump(2) + "\n" : r.ToText());
  });
}

}  // namespace

void AddEvalCommand(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Evaluation: TrackEval-exact tracking metrics, GS-HOTA, and PTFE reports.");
  eval->require_subcommand(1);
  AddTracks(eval);
  AddGsr(eval);
  AddMatch(eval);
  AddDataset(eval);
  AddPerturb(eval);
  AddTracker(eval);
  AddJersey(eval);
  AddIdentity(eval);
}

}  // namespace ipt::cli
