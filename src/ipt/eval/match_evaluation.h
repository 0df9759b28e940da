// Evaluating match directories: what `ipt eval match` and `ipt eval dataset` do,
// without the command line (which only parses options into the structs below).
//
// A match directory (docs/formats.md) gives the ground truth: match.yaml and
// annotations.csv; an output directory gives a run's OUT_DIR/tracks.csv. These files
// and their directories are the inputs of an evaluation: an output (--html,
// --export-gsr) that resolves to one of them, or holds one, is refused before any work.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/eval/ptfe.h"
#include "ipt/io/annotations.h"
#include "ipt/io/match.h"
#include "ipt/util/progress.h"

namespace ipt::eval {

// The ground truth of a match directory: match.yaml, and annotations.csv checked
// against the roster.
struct MatchGroundTruth {
  io::MatchInfo match;
  std::vector<io::Annotation> annotations;
};
// Throws InputError naming the file when annotations.csv is missing or bad.
MatchGroundTruth LoadMatchGroundTruth(const std::filesystem::path& match_dir);

// What reading a match's ground truth reads: the directory, match.yaml, annotations.csv.
std::vector<std::filesystem::path> GroundTruthInputs(const std::filesystem::path& match_dir);
// What evaluating `output_dir` against `match_dir` reads: GroundTruthInputs plus the
// output directory and its tracks.csv.
std::vector<std::filesystem::path> MatchEvaluationInputs(const std::filesystem::path& match_dir,
                                                         const std::filesystem::path& output_dir);

// The last non-empty component of a directory path ("runs/a/" -> "a"): a report's name.
std::string DirectoryLabel(const std::filesystem::path& dir);

// PTFE of OUTPUT_DIR/tracks.csv against MATCH_DIR's ground truth, named `name`.
PtfeReport EvaluateMatchDirectory(const std::filesystem::path& match_dir, const std::filesystem::path& output_dir,
                                  const PtfeOptions& options, const std::string& name);

// SoccerNet GSR files of a match and one run (ExportSoccerNetGsr) in `gsr_dir`, which
// must not be one of the inputs and is written as an output directory (output_dir.h).
// `what` names it in messages.
void ExportMatchGsr(const std::filesystem::path& match_dir, const std::filesystem::path& output_dir,
                    const std::filesystem::path& gsr_dir, std::string_view what = "--export-gsr");

// `ipt eval match`.
struct MatchEvaluationOptions {
  std::filesystem::path match_dir;                // the ground truth (required)
  std::vector<std::filesystem::path> output_dirs;  // one run, or two runs A B to compare
  std::filesystem::path html;                      // also write the HTML report here ("" = no)
  std::filesystem::path export_gsr;                // also write SoccerNet GSR files here ("" = no; one run only)
  std::vector<std::filesystem::path> stills;       // images the HTML report links (relative to it); needs html
  PtfeOptions ptfe;                                // matching radius and tracking tolerance
  void Check() const;
};
// Refuses outputs that are inputs (and foreign export directories) before any work,
// evaluates each run (named by DirectoryLabel), writes the HTML report and the export.
std::vector<PtfeReport> RunMatchEvaluation(const MatchEvaluationOptions& options);
// What `eval match` prints: JSON (the report, or name -> report for two runs), else
// the two runs side by side with deltas, else the table.
std::string FormatMatchOutput(const std::vector<PtfeReport>& reports, bool json);

// One match of a dataset: GT_ROOT/NAME paired with PRED_ROOT/NAME.
struct DatasetEntry {
  std::string name;
  std::filesystem::path match_dir, output_dir;
};
// Every directory GT_ROOT/NAME holding annotations.csv (symlinks followed), sorted by
// name, paired with PRED_ROOT/NAME. Throws when there is none, or when a match has no
// PRED_ROOT/NAME/tracks.csv (InputError naming that file): nothing is evaluated then.
std::vector<DatasetEntry> DiscoverDataset(const std::filesystem::path& gt_root, const std::filesystem::path& pred_root);

// `ipt eval dataset`.
struct DatasetEvaluationOptions {
  std::filesystem::path gt_root;    // directory of match directories (required)
  std::filesystem::path pred_root;  // directory of output directories, same names (required)
  std::filesystem::path html;       // also write the HTML report here ("" = no)
  PtfeOptions ptfe;
  void Check() const;
};
// One report per match and a last COMBINED one; progress(done, total) after each match.
std::vector<PtfeReport> RunDatasetEvaluation(const DatasetEvaluationOptions& options, const ProgressFn& progress = {});
// What `eval dataset` prints: JSON name -> report, else the table.
std::string FormatDatasetOutput(const std::vector<PtfeReport>& reports, bool json);

}  // namespace ipt::eval
