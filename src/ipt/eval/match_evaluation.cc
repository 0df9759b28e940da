#include "ipt/eval/match_evaluation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "ipt/eval/html_report.h"
#include "ipt/eval/output_dir.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace fs = std::filesystem;
namespace {

constexpr const char* kReportTitle = "PTFE: ";

// A run's predictions, bounded by the match's frames.
std::vector<PipelineRow> LoadRun(const fs::path& output_dir, const io::MatchInfo& match) {
  return ReadTracksCsv(output_dir / kTracksCsvName, match.frame_count);
}

void Append(std::vector<fs::path>* all, const std::vector<fs::path>& more) {
  all->insert(all->end(), more.begin(), more.end());
}

void WriteHtml(const fs::path& path, const std::string& title, const std::vector<PtfeReport>& reports,
               const std::vector<fs::path>& stills = {}) {
  // Links relative to the page's directory, so that the page and its stills move together.
  std::vector<std::string> links;
  const fs::path page_dir = fs::absolute(path).parent_path();
  for (const auto& still : stills) links.push_back(fs::relative(fs::absolute(still), page_dir).generic_string());
  WriteFileAtomic(path, RenderHtmlReport(title, reports, links));
  spdlog::info("wrote {}", path.string());
}

}  // namespace

MatchGroundTruth LoadMatchGroundTruth(const fs::path& match_dir) {
  MatchGroundTruth gt;
  gt.match = io::ReadMatchYaml(match_dir / io::kMatchYamlName);
  const fs::path csv = match_dir / io::kAnnotationsCsvName;
  if (!fs::exists(csv)) throw InputError(csv.string(), 0, "", "ground truth missing: the match has no annotations.csv");
  gt.annotations = io::ReadAnnotationsCsv(csv, gt.match.frame_count);
  io::CheckAnnotationsAgainstRoster(gt.annotations, gt.match, csv);
  return gt;
}

std::vector<fs::path> GroundTruthInputs(const fs::path& match_dir) {
  return {match_dir, match_dir / io::kMatchYamlName, match_dir / io::kAnnotationsCsvName};
}

std::vector<fs::path> MatchEvaluationInputs(const fs::path& match_dir, const fs::path& output_dir) {
  std::vector<fs::path> inputs = GroundTruthInputs(match_dir);
  Append(&inputs, {output_dir, output_dir / kTracksCsvName});
  return inputs;
}

std::string DirectoryLabel(const fs::path& dir) {
  const fs::path normal = dir.lexically_normal();
  std::string label = normal.filename().string();
  if (label.empty()) label = normal.parent_path().filename().string();
  return label;
}

PtfeReport EvaluateMatchDirectory(const fs::path& match_dir, const fs::path& output_dir, const PtfeOptions& options,
                                  const std::string& name) {
  const MatchGroundTruth gt = LoadMatchGroundTruth(match_dir);
  return EvaluateMatch(name, gt.match, gt.annotations, LoadRun(output_dir, gt.match), options);
}

void ExportMatchGsr(const fs::path& match_dir, const fs::path& output_dir, const fs::path& gsr_dir,
                    std::string_view what) {
  CheckOutputNotInput(gsr_dir, MatchEvaluationInputs(match_dir, output_dir), what);
  CheckReplaceableOutputDir(gsr_dir, /*force=*/true, what);
  const MatchGroundTruth gt = LoadMatchGroundTruth(match_dir);
  ExportSoccerNetGsr(gt.match, gt.annotations, LoadRun(output_dir, gt.match), gsr_dir, what);
  spdlog::info("wrote SoccerNet GSR files to {}", gsr_dir.string());
}

void MatchEvaluationOptions::Check() const {
  IPT_CHECK(!match_dir.empty(), "give the match directory (--gt)");
  IPT_CHECK(output_dirs.size() == 1 || output_dirs.size() == 2,
            "give one output directory (--pred) or two to compare (--compare A B), got {}", output_dirs.size());
  IPT_CHECK(export_gsr.empty() || output_dirs.size() == 1, "--export-gsr needs --pred (one run)");
  ptfe.Check();
  IPT_CHECK(stills.empty() || !html.empty(), "stills are linked from the HTML report: give --html too");
  for (const auto& still : stills) {
    std::error_code ec;
    IPT_CHECK(fs::is_regular_file(still, ec), "--stills {}: no such image file", still.string());
  }
}

std::vector<PtfeReport> RunMatchEvaluation(const MatchEvaluationOptions& options) {
  options.Check();
  // Every output is checked against every input before any work.
  std::vector<fs::path> inputs;
  for (const auto& dir : options.output_dirs) Append(&inputs, MatchEvaluationInputs(options.match_dir, dir));
  Append(&inputs, options.stills);
  CheckOutputNotInput(options.html, inputs, "--html");
  if (!options.export_gsr.empty()) {
    CheckOutputNotInput(options.export_gsr, inputs, "--export-gsr");
    CheckReplaceableOutputDir(options.export_gsr, /*force=*/true, "--export-gsr");
    IPT_CHECK(options.html.empty() || !IsWithin(options.html, options.export_gsr),
              "--html {} lies inside --export-gsr {}, which is replaced as a whole", options.html.string(),
              options.export_gsr.string());
  }

  const MatchGroundTruth gt = LoadMatchGroundTruth(options.match_dir);
  std::vector<PtfeReport> reports;
  std::vector<PipelineRow> single_run;  // kept for the export
  for (const auto& dir : options.output_dirs) {
    std::vector<PipelineRow> run = LoadRun(dir, gt.match);
    const std::string name = options.output_dirs.size() == 1 ? DirectoryLabel(options.match_dir) : DirectoryLabel(dir);
    reports.push_back(EvaluateMatch(name, gt.match, gt.annotations, run, options.ptfe));
    if (options.output_dirs.size() == 1) single_run = std::move(run);
  }
  if (!options.export_gsr.empty()) {
    ExportSoccerNetGsr(gt.match, gt.annotations, single_run, options.export_gsr, "--export-gsr");
    spdlog::info("wrote SoccerNet GSR files to {}", options.export_gsr.string());
  }
  if (!options.html.empty()) WriteHtml(options.html, kReportTitle + DirectoryLabel(options.match_dir), reports, options.stills);
  return reports;
}

std::string FormatMatchOutput(const std::vector<PtfeReport>& reports, bool json) {
  IPT_CHECK(!reports.empty(), "no report to format");
  if (json) return (reports.size() == 1 ? ToJson(reports[0]) : ToJson(reports)).dump(2) + "\n";
  if (reports.size() == 2) return FormatComparison(reports[0], reports[1], reports[0].name, reports[1].name);
  return FormatReports(reports);
}

std::vector<DatasetEntry> DiscoverDataset(const fs::path& gt_root, const fs::path& pred_root) {
  std::vector<DatasetEntry> entries;
  std::error_code ec;
  for (fs::directory_iterator it(gt_root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory() && fs::exists(it->path() / io::kAnnotationsCsvName)) {
      const std::string name = it->path().filename().string();
      entries.push_back({name, it->path(), pred_root / name});
    }
  }
  if (ec) throw InputError(gt_root.string(), 0, "", "cannot list the directory: " + ec.message());
  IPT_CHECK(!entries.empty(), "{} holds no match directory with annotations.csv", gt_root.string());
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& e : entries) {
    if (!fs::exists(e.output_dir / kTracksCsvName)) {
      throw InputError((e.output_dir / kTracksCsvName).string(), 0, "", "missing output for this match");
    }
  }
  return entries;
}

void DatasetEvaluationOptions::Check() const {
  IPT_CHECK(!gt_root.empty() && !pred_root.empty(), "give --gt-root and --pred-root");
  ptfe.Check();
}

std::vector<PtfeReport> RunDatasetEvaluation(const DatasetEvaluationOptions& options, const ProgressFn& progress) {
  options.Check();
  const std::vector<DatasetEntry> entries = DiscoverDataset(options.gt_root, options.pred_root);
  std::vector<fs::path> inputs = {options.gt_root, options.pred_root};
  for (const auto& e : entries) Append(&inputs, MatchEvaluationInputs(e.match_dir, e.output_dir));
  CheckOutputNotInput(options.html, inputs, "--html");

  std::vector<PtfeReport> reports;
  for (const auto& e : entries) {
    reports.push_back(EvaluateMatchDirectory(e.match_dir, e.output_dir, options.ptfe, e.name));
    if (progress) progress(static_cast<int64_t>(reports.size()), static_cast<int64_t>(entries.size()));
  }
  reports.push_back(CombineReports(reports));
  if (!options.html.empty()) WriteHtml(options.html, kReportTitle + options.gt_root.string(), reports);
  return reports;
}

std::string FormatDatasetOutput(const std::vector<PtfeReport>& reports, bool json) {
  if (json) return ToJson(reports).dump(2) + "\n";
  return FormatReports(reports);
}

}  // namespace ipt::eval
