#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipt/cli/commands.h"
#include "ipt/eval/html_report.h"
#include "ipt/eval/perturb.h"
#include "ipt/eval/ptfe.h"
#include "ipt/eval/similarity.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/eval/track_files.h"
#include "ipt/io/match.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/progress.h"
#include "ipt/util/resources.h"

namespace ipt::cli {
namespace fs = std::filesystem;
namespace {

// Sequence name of a tracking file: its directory for ".../NAME/gt.txt", else its stem.
std::string SequenceName(const fs::path& gt) {
  std::string stem = gt.stem().string();
  if ((stem == "gt" || stem == "groundtruth") && gt.has_parent_path()) return gt.parent_path().filename().string();
  return stem;
}

void PrintTrackingTable(const std::vector<eval::TrackingResult>& results) {
  const char* keys[] = {"HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "MOTA", "MOTP", "IDF1", "IDP", "IDR"};
  const char* counts[] = {"IDSW", "CLR_TP", "CLR_FP", "CLR_FN", "MT", "PT", "ML", "Frag"};
  std::string out = fmt::format("{:<20}", "sequence");
  for (const char* k : keys) out += fmt::format("{:>8}", k);
  for (const char* k : counts) out += fmt::format("{:>8}", k);
  out += "\n";
  for (const auto& r : results) {
    nlohmann::json j = eval::ToJson(r);
    out += fmt::format("{:<20}", r.name.substr(0, 19));
    for (const char* k : keys) out += fmt::format("{:>8.2f}", 100 * j[k].get<double>());
    for (const char* k : counts) out += fmt::format("{:>8.0f}", j[k].get<double>());
    out += "\n";
  }
  fmt::print("{}(metric values in %, counts as numbers)\n", out);
}

void PrintJson(const std::vector<eval::TrackingResult>& results) {
  if (results.size() == 1) {
    fmt::print("{}\n", eval::ToJson(results[0]).dump(2));
    return;
  }
  nlohmann::json all;
  for (const auto& r : results) all[r.name] = eval::ToJson(r);
  fmt::print("{}\n", all.dump(2));
}

eval::PtfeReport EvaluateOne(const fs::path& gt_dir, const fs::path& pred_dir, const eval::PtfeOptions& options,
                             const std::string& name) {
  io::MatchInfo match = io::ReadMatchYaml(gt_dir / "match.yaml");
  fs::path csv = gt_dir / "annotations.csv";
  if (!fs::exists(csv)) throw InputError(csv.string(), 0, "", "ground truth missing: the match has no annotations.csv");
  auto gt = io::ReadAnnotationsCsv(csv, match.frame_count);
  io::CheckAnnotationsAgainstRoster(gt, match, csv);
  auto pred = eval::ReadTracksCsv(pred_dir / "tracks.csv", match.frame_count);
  return eval::EvaluateMatch(name, match, gt, pred, options);
}

void WriteText(const std::string& path, const std::string& text) {
  WriteFileAtomic(path, text);
  spdlog::info("wrote {}", path);
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
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "one JSON object: metric names -> fractions (per sequence + COMBINED when several)");
  cmd->callback([args]() {
    IPT_CHECK(args->gt.size() == args->pred.size(), "give one --pred per --gt ({} vs {})", args->gt.size(), args->pred.size());
    eval::Space space = eval::ParseSpace(args->space);
    std::string kind = args->similarity.empty() ? (space == eval::Space::kImage ? "iou" : "linear") : args->similarity;
    IPT_CHECK((kind == "iou") == (space == eval::Space::kImage), "--similarity {} does not fit --space {}", kind, args->space);
    eval::SimilarityFn similarity;
    if (kind == "iou") {
      similarity = eval::MakeBoxIou();
    } else {
      eval::PointKernel kernel = eval::ParsePointKernel(kind);
      similarity = eval::MakePointSimilarity(kernel, args->tolerance > 0 ? args->tolerance : eval::DefaultTolerance(kernel));
    }
    Stopwatch watch;
    std::vector<eval::TrackingResult> results;
    for (size_t k = 0; k < args->gt.size(); ++k) {
      auto gt = eval::ReadTrackFile(args->gt[k], space, true);
      auto pred = eval::ReadTrackFile(args->pred[k], space, false);
      std::string name = SequenceName(args->gt[k]);
      for (const auto& r : results) {
        if (r.name == name) name += fmt::format("#{}", k + 1);
      }
      eval::Sequence seq = eval::BuildSequence(name, gt, pred, args->gt[k], args->pred[k]);
      gt = {};  // the sequence holds its own copy: free the rows before evaluating
      pred = {};
      results.push_back(eval::EvaluateSequence(seq, similarity));
      spdlog::debug("{}: {} frames, {} gt / {} predicted detections", name, seq.num_timesteps(), seq.num_gt_dets,
                    seq.num_pred_dets);
    }
    if (results.size() > 1) results.push_back(eval::CombineSequences(results));
    spdlog::debug("evaluated in {:.2f} s, peak memory {:.0f} MiB", watch.Seconds(), PeakRssBytes() / 1048576.0);
    if (args->json) PrintJson(results); else PrintTrackingTable(results);
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
    IPT_CHECK(args->gt.size() == args->pred.size(), "give one --pred per --gt");
    std::vector<eval::TrackingResult> results;
    for (size_t k = 0; k < args->gt.size(); ++k) {
      auto gt = eval::ReadGsrGroundTruth(args->gt[k]);
      auto pred = eval::ReadGsrPredictions(args->pred[k]);
      std::string name = fs::path(args->gt[k]).parent_path().filename().string();
      if (name.empty()) name = fmt::format("sequence{}", k + 1);
      eval::Sequence seq = eval::BuildGsrSequence(name, gt, pred, !args->no_attributes, args->gt[k], args->pred[k]);
      results.push_back(eval::EvaluateSequence(seq, eval::GsHotaSimilarity(!args->no_attributes)));
    }
    if (results.size() > 1) results.push_back(eval::CombineSequences(results));
    if (args->json) {
      PrintJson(results);
      return;
    }
    for (const auto& r : results) {
      fmt::print("{:<20} GS-HOTA {:6.2f}%  DetA {:6.2f}%  AssA {:6.2f}%  LocA {:6.2f}%\n", r.name,
                 100 * eval::HotaResult::Mean(r.hota.hota), 100 * eval::HotaResult::Mean(r.hota.det_a),
                 100 * eval::HotaResult::Mean(r.hota.ass_a), 100 * eval::HotaResult::Mean(r.hota.loc_a));
    }
  });
}

void AddMatch(CLI::App* eval) {
  struct Args {
    std::string gt, pred, html, export_gsr;
    std::vector<std::string> compare;
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
  cmd->add_option("--html", args->html, "also write a self-contained HTML report here");
  cmd->add_option("--export-gsr", args->export_gsr, "also write SoccerNet GSR JSON (Labels-GameState.json, predictions.json) into this directory");
  cmd->add_option("--detection-radius", args->options.detection_radius_m, "detection match radius, metres")->check(CLI::PositiveNumber);
  cmd->add_option("--tolerance", args->options.tracking_tolerance_m, "T of the linear similarity for tracking metrics, metres")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    IPT_CHECK(!args->pred.empty() || args->compare.size() == 2, "give --pred OUT_DIR or --compare A B");
    std::vector<eval::PtfeReport> reports;
    if (!args->pred.empty()) {
      reports.push_back(EvaluateOne(args->gt, args->pred, args->options, fs::path(args->gt).filename().string()));
    } else {
      for (const auto& dir : args->compare) {
        std::string label = fs::path(dir).lexically_normal().filename().string();
        if (label.empty()) label = fs::path(dir).lexically_normal().parent_path().filename().string();
        reports.push_back(EvaluateOne(args->gt, dir, args->options, label));
      }
    }
    if (args->json) {
      nlohmann::json j;
      if (reports.size() == 1) j = eval::ToJson(reports[0]);
      else for (const auto& r : reports) j[r.name] = eval::ToJson(r);
      fmt::print("{}\n", j.dump(2));
    } else if (reports.size() == 2) {
      fmt::print("{}", eval::FormatComparison(reports[0], reports[1], reports[0].name, reports[1].name));
    } else {
      fmt::print("{}", eval::FormatReports(reports));
    }
    if (!args->html.empty()) WriteText(args->html, eval::RenderHtmlReport("PTFE: " + fs::path(args->gt).filename().string(), reports));
    if (!args->export_gsr.empty()) {
      IPT_CHECK(!args->pred.empty(), "--export-gsr needs --pred");
      io::MatchInfo match = io::ReadMatchYaml(fs::path(args->gt) / "match.yaml");
      auto gt_rows = io::ReadAnnotationsCsv(fs::path(args->gt) / "annotations.csv", match.frame_count);
      auto pred_rows = eval::ReadTracksCsv(fs::path(args->pred) / "tracks.csv", match.frame_count);
      eval::ExportSoccerNetGsr(match, gt_rows, pred_rows, args->export_gsr);
      spdlog::info("wrote SoccerNet GSR files to {}", args->export_gsr);
    }
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
  cmd->add_option("--html", args->html, "also write a self-contained HTML report here");
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->callback([args]() {
    std::vector<fs::path> matches;
    for (const auto& e : fs::directory_iterator(args->gt_root)) {
      if (e.is_directory() && fs::exists(e.path() / "annotations.csv")) matches.push_back(e.path());
    }
    std::sort(matches.begin(), matches.end());
    IPT_CHECK(!matches.empty(), "{} holds no match directory with annotations.csv", args->gt_root);
    std::vector<eval::PtfeReport> reports;
    ProgressBar bar("evaluating", "matches");
    for (const auto& m : matches) {
      fs::path pred = fs::path(args->pred_root) / m.filename();
      if (!fs::exists(pred / "tracks.csv")) throw InputError((pred / "tracks.csv").string(), 0, "", "missing output for this match");
      reports.push_back(EvaluateOne(m, pred, args->options, m.filename().string()));
      bar.Update(static_cast<int64_t>(reports.size()), static_cast<int64_t>(matches.size()));
    }
    bar.Finish();
    reports.push_back(eval::CombineReports(reports));
    if (args->json) {
      nlohmann::json j;
      for (const auto& r : reports) j[r.name] = eval::ToJson(r);
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("{}", eval::FormatReports(reports));
    }
    if (!args->html.empty()) WriteText(args->html, eval::RenderHtmlReport("PTFE: " + args->gt_root, reports));
  });
}

void AddPerturb(CLI::App* eval) {
  struct Args {
    std::string gt, out;
    uint64_t seed = 1;
    eval::PerturbOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand(
      "perturb", "Write OUT_DIR/tracks.csv from a match's ground truth with controlled errors: a known\n"
                 "baseline to read PTFE reports against (not a tracker).");
  cmd->add_option("--gt", args->gt, "match directory with annotations.csv")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", args->out, "output directory")->required();
  cmd->add_option("--seed", args->seed, "random seed");
  auto& o = args->options;
  cmd->add_option("--noise", o.position_noise_m, "position noise sigma per axis, metres");
  cmd->add_option("--miss-rate", o.miss_rate, "fraction of detections dropped");
  cmd->add_option("--fp-rate", o.false_positive_rate, "false detections per true detection");
  cmd->add_option("--switches-per-minute", o.id_switches_per_minute, "track id changes per person per minute");
  cmd->add_option("--category-error", o.category_error_rate, "per track: wrong category");
  cmd->add_option("--jersey-unknown", o.jersey_unknown_rate, "per track: no jersey");
  cmd->add_option("--jersey-error", o.jersey_error_rate, "per track: wrong jersey");
  cmd->callback([args]() {
    io::MatchInfo match = io::ReadMatchYaml(fs::path(args->gt) / "match.yaml");
    auto gt = io::ReadAnnotationsCsv(fs::path(args->gt) / "annotations.csv", match.frame_count);
    args->options.fps = match.fps;
    auto rows = eval::PerturbGroundTruth(gt, args->options, args->seed);
    fs::create_directories(args->out);
    eval::WriteTracksCsv(rows, fs::path(args->out) / "tracks.csv");
    spdlog::info("wrote {} ({} rows)", (fs::path(args->out) / "tracks.csv").string(), rows.size());
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
}

}  // namespace ipt::cli
