// PTFE: the whole-pipeline evaluation of one match (or many), the table a
// reviewer reads when a model changes.
//
//  - Detection: precision / recall / F1 with one-to-one (Hungarian) matches within
//    detection_radius_m per frame; median and 95th-percentile localization error.
//  - Tracking: HOTA, DetA, AssA, IDF1, MOTA, IDSW... on pitch points (linear kernel,
//    T = tracking_tolerance_m), TrackEval-exact (tracking_metrics.h).
//  - GS-HOTA: IPT categories mapped to SoccerNet role/team (team A = left), jerseys.
//  - Category accuracy per matched detection (with a confusion matrix) and per
//    ground-truth track; jersey accuracy per ground-truth track (the number the
//    pipeline gives the predicted track that covers that person in most frames);
//    identity accuracy: the fraction of ground-truth detections whose matched
//    prediction carries the right roster player_id; and its ceiling when team-mates are
//    told apart only by the numbers shown (identity_ceiling.h).
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ipt/eval/pipeline_output.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/eval/tracking_metrics.h"
#include "ipt/io/annotations.h"

namespace ipt::eval {

struct PtfeOptions {
  double detection_radius_m = 1.0;    // a detection matches a person within this distance
  double tracking_tolerance_m = 2.0;  // T of the linear similarity for the tracking metrics
  // A person whose number is labelled legible (annotations.csv `legibility` 2) in at least
  // this many frames can be read: "Jersey acc. (legible)" counts only them.
  int min_legible_frames = 5;
  void Check() const;                 // distances > 0 and finite, min_legible_frames >= 1
};

// The localization error percentiles PtfeReport gives (numpy's linear interpolation).
constexpr double kLocErrorMedianQuantile = 0.5;
constexpr double kLocErrorP95Quantile = 0.95;

struct JerseyTrack {
  int person_id = 0;
  int gt_jersey = 0;
  int64_t covering_track = -1;     // predicted track matched to the person most often; -1 none
  std::optional<int> predicted;    // that track's jersey (most frequent value), if any
  int track_length = 0;            // rows of the covering track
  int legible_frames = 0;          // ground-truth rows of the person whose number is legible
  bool readable = false;           // legible_frames >= PtfeOptions::min_legible_frames
  bool correct = false;
};

struct PtfeReport {
  std::string name;
  int frames = 0;
  // Detection.
  int64_t det_tp = 0, det_fp = 0, det_fn = 0;
  std::vector<double> loc_errors_m;  // distance of every matched pair
  double precision = 0, recall = 0, f1 = 0, loc_median_m = 0, loc_p95_m = 0;
  // Tracking and game state.
  TrackingResult tracking, gs_hota;
  // Categories: rows = ground truth, columns = prediction (last column: none given).
  std::array<std::array<int64_t, io::kNumCategories + 1>, io::kNumCategories> confusion{};
  int64_t category_tracks_correct = 0, category_tracks_total = 0;
  double category_accuracy_detections = 0, category_accuracy_tracks = 0;
  // Jerseys.
  std::vector<JerseyTrack> jersey_tracks;
  double jersey_accuracy = 0;           // all people with a jersey
  double jersey_accuracy_readable = 0;  // people with `readable` numbers; NaN when none
  double jersey_unknown_unread = 0;     // people never legible: share given no jersey; NaN when none
  // Identities.
  int64_t identity_correct = 0, identity_total = 0;
  double identity_accuracy = 0;
  // The same over the rows of players a substitution of match.yaml takes off or brings on;
  // NaN when there are none.
  int64_t substituted_identity_correct = 0, substituted_identity_total = 0;
  double identity_accuracy_substituted = 0;
  // Of the ground-truth rows matched to a named row, the share named right: split by
  // whether the name is sure or the identity resolver's best guess
  // (PipelineRow::player_guessed); NaN when there are none.
  int64_t identity_sure_named = 0, identity_sure_right = 0, identity_guess_named = 0, identity_guess_right = 0;
  double identity_precision_sure = 0, identity_precision_guessed = 0;
  // The identity accuracy no namer passes (in expectation) when team-mates are told apart
  // only by the numbers the video shows (identity_ceiling.h), over the matches whose
  // annotations label legibility; NaN when none does.
  double identity_ceiling_rows = 0;     // expected rows the best namer names right
  int64_t identity_ceiling_total = 0;   // rows of the matches with legibility labels
  double identity_ceiling = 0;
  std::vector<std::vector<int>> identity_interchangeable;  // one match's groups (empty when combined)

  void Finalize();  // derived fields from the counts
};

PtfeReport EvaluateMatch(const std::string& name, const io::MatchInfo& match,
                         const std::vector<io::Annotation>& ground_truth,
                         const std::vector<PipelineRow>& predictions, const PtfeOptions& options = {});

// Sums counts, pools errors and tracks, combines the tracking metrics as TrackEval.
PtfeReport CombineReports(const std::vector<PtfeReport>& reports, const std::string& name = "COMBINED");

// IPT labels as SoccerNet GSR attributes: team A (and its goalkeeper) plays "left",
// team B "right"; referees have role "referee"; no category gives role "other";
// jerseys become strings.
GsrPerson ToGsrPerson(std::optional<io::Category> category, std::optional<int> jersey);

// A run's rows written to `path` as SoccerNet GSR predictions (WriteGsrPredictions'
// format), one row at a time (a 90-minute run has 3 million): pitch coordinates moved to
// SoccerNet's centre-spot origin, frame f named image "1" + f as 9 digits (as
// ExportSoccerNetGsr writes them).
void WriteGsrPredictions(const io::MatchInfo& match, const std::vector<PipelineRow>& rows,
                         const std::filesystem::path& path);

// Writes DIR/Labels-GameState.json (the match's ground truth) and DIR/predictions.json
// (a run's tracks.csv), pitch coordinates moved to SoccerNet's centre-spot origin and
// frame f named image "1" + f as 9 digits. DIR is an output directory (output_dir.h):
// written whole with the output marker; a non-empty DIR ipt did not write is refused.
// `what` names DIR in messages.
void ExportSoccerNetGsr(const io::MatchInfo& match, const std::vector<io::Annotation>& ground_truth,
                        const std::vector<PipelineRow>& predictions, const std::filesystem::path& dir,
                        std::string_view what = "GSR export directory");

// A headline metric: what the tables, the comparison and the HTML page show.
struct HeadlineMetric {
  const char* key;
  const char* label;
  bool fraction;           // shown as a percentage
  bool higher_is_better;
  double (*get)(const PtfeReport&);
};
const std::vector<HeadlineMetric>& HeadlineMetrics();
// "97.45%" for fractions, "9" for counts, "0.353" for metres.
std::string FormatValue(const HeadlineMetric& metric, double value);

nlohmann::json ToJson(const PtfeReport& report);
// {name: ToJson(report), ...} (a later report of the same name replaces an earlier one).
nlohmann::json ToJson(const std::vector<PtfeReport>& reports);
// Readable table, one column per report.
std::string FormatReports(const std::vector<PtfeReport>& reports);
// Two runs side by side with deltas (B - A); improvements marked '+', regressions '-'.
std::string FormatComparison(const PtfeReport& a, const PtfeReport& b, const std::string& label_a,
                             const std::string& label_b);

}  // namespace ipt::eval
