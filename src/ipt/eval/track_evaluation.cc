#include "ipt/eval/track_evaluation.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "ipt/eval/similarity.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/util/check.h"
#include "ipt/util/resources.h"

namespace ipt::eval {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCombinedName = "COMBINED";

void CheckPairs(const std::vector<fs::path>& gt, const std::vector<fs::path>& pred) {
  IPT_CHECK(!gt.empty(), "give at least one --gt file");
  IPT_CHECK(gt.size() == pred.size(), "give one --pred per --gt ({} vs {})", gt.size(), pred.size());
}

void AppendCombined(std::vector<TrackingResult>* results) {
  if (results->size() > 1) results->push_back(CombineSequences(*results, kCombinedName));
}

}  // namespace

std::string SequenceName(const fs::path& file) {
  const std::string stem = file.stem().string();
  if ((stem == "gt" || stem == "groundtruth") && file.has_parent_path()) return file.parent_path().filename().string();
  return stem;
}

std::string SimilarityOptions::Kind() const {
  if (!kind.empty()) return kind;
  return space == Space::kImage ? "iou" : "linear";
}

void SimilarityOptions::Check() const {
  const std::string k = Kind();
  IPT_CHECK(k == "iou" || k == "linear" || k == "gaussian", "unknown similarity '{}' (iou, linear or gaussian)", k);
  const char* space_name = space == Space::kImage ? "image" : "pitch";
  IPT_CHECK((k == "iou") == (space == Space::kImage), "--similarity {} does not fit --space {}", k, space_name);
  IPT_CHECK(std::isfinite(tolerance_m) && tolerance_m >= 0, "--tolerance must be >= 0 metres, got {}", tolerance_m);
  IPT_CHECK(tolerance_m == 0 || k != "iou", "--tolerance applies to pitch kernels, not to --similarity iou");
}

SimilarityFn MakeSimilarity(const SimilarityOptions& options) {
  options.Check();
  const std::string kind = options.Kind();
  if (kind == "iou") return MakeBoxIou();
  const PointKernel kernel = ParsePointKernel(kind);
  return MakePointSimilarity(kernel, options.tolerance_m > 0 ? options.tolerance_m : DefaultTolerance(kernel));
}

std::vector<TrackingResult> EvaluateTrackFiles(const std::vector<fs::path>& gt, const std::vector<fs::path>& pred,
                                               const SimilarityOptions& similarity_options) {
  CheckPairs(gt, pred);
  const SimilarityFn similarity = MakeSimilarity(similarity_options);
  Stopwatch watch;
  std::vector<TrackingResult> results;
  for (size_t k = 0; k < gt.size(); ++k) {
    std::string name = SequenceName(gt[k]);
    for (const auto& r : results) {
      if (r.name == name) name += fmt::format("#{}", k + 1);
    }
    Sequence seq;
    {  // the sequence holds its own copy: free the rows before evaluating
      const auto gt_rows = ReadTrackFile(gt[k], similarity_options.space, /*is_ground_truth=*/true);
      const auto pred_rows = ReadTrackFile(pred[k], similarity_options.space, /*is_ground_truth=*/false);
      seq = BuildSequence(name, gt_rows, pred_rows, gt[k].string(), pred[k].string());
    }
    results.push_back(EvaluateSequence(seq, similarity));
    spdlog::debug("{}: {} frames, {} gt / {} predicted detections", name, seq.num_timesteps(), seq.num_gt_dets,
                  seq.num_pred_dets);
  }
  AppendCombined(&results);
  spdlog::debug("evaluated in {:.2f} s, peak memory {:.0f} MiB", watch.Seconds(), PeakRssBytes() / 1048576.0);
  return results;
}

std::vector<TrackingResult> EvaluateGsrFiles(const std::vector<fs::path>& gt, const std::vector<fs::path>& pred,
                                             bool use_attributes) {
  CheckPairs(gt, pred);
  std::vector<TrackingResult> results;
  for (size_t k = 0; k < gt.size(); ++k) {
    const GsrGroundTruth labels = ReadGsrGroundTruth(gt[k]);
    const std::vector<GsrPerson> predictions = ReadGsrPredictions(pred[k]);
    std::string name = gt[k].parent_path().filename().string();
    if (name.empty()) name = fmt::format("sequence{}", k + 1);
    const Sequence seq = BuildGsrSequence(name, labels, predictions, use_attributes, gt[k].string(), pred[k].string());
    results.push_back(EvaluateSequence(seq, GsHotaSimilarity(use_attributes)));
  }
  AppendCombined(&results);
  return results;
}

std::string FormatTrackingJson(const std::vector<TrackingResult>& results) {
  IPT_CHECK(!results.empty(), "no result to format");
  if (results.size() == 1) return ToJson(results[0]).dump(2) + "\n";
  nlohmann::json all;
  for (const auto& r : results) all[r.name] = ToJson(r);
  return all.dump(2) + "\n";
}

std::string FormatGsHotaSummary(const std::vector<TrackingResult>& results) {
  std::string out;
  for (const auto& r : results) {
    out += fmt::format("{:<20} GS-HOTA {:6.2f}%  DetA {:6.2f}%  AssA {:6.2f}%  LocA {:6.2f}%\n", r.name,
                       100 * HotaResult::Mean(r.hota.hota), 100 * HotaResult::Mean(r.hota.det_a),
                       100 * HotaResult::Mean(r.hota.ass_a), 100 * HotaResult::Mean(r.hota.loc_a));
  }
  return out;
}

}  // namespace ipt::eval
