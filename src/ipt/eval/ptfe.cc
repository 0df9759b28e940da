#include "ipt/eval/ptfe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "ipt/eval/assignment.h"
#include "ipt/eval/identity_ceiling.h"
#include "ipt/eval/output_dir.h"
#include "ipt/eval/similarity.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace {

// Detection matching score of a pair within the radius: the number of matches comes
// first (each is worth more than any closeness), then closeness (radius - distance).
constexpr double kMatchBonus = 1000.0;
// SoccerNet GSR image ids of an exported match: "1" followed by the frame as 9 digits
// (SoccerNet's <sequence><frame> form, with sequence 1).
constexpr const char* kGsrImageIdFormat = "1{:09d}";

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Linear interpolation between order statistics (numpy's default).
  double pos = q * (values.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (pos - lo) * (values[hi] - values[lo]);
}

// GS-HOTA identity key of an IPT category and jersey.
std::string GsKey(std::optional<io::Category> category, std::optional<int> jersey) {
  return GsrIdentityKey(ToGsrPerson(category, jersey));
}

template <typename T>
std::optional<T> MostFrequent(const std::map<T, int>& counts) {
  std::optional<T> best;
  int best_count = 0;
  for (const auto& [value, count] : counts) {
    if (count > best_count) best = value, best_count = count;  // ties: the smallest value
  }
  return best;
}

// Ground truth and predictions by frame (index = frame, 1..frames).
struct FrameIndex {
  std::vector<std::vector<const io::Annotation*>> gt;
  std::vector<std::vector<const PipelineRow*>> pred;
};

FrameIndex IndexByFrame(const std::vector<io::Annotation>& gt, const std::vector<PipelineRow>& pred, int frames) {
  FrameIndex index;
  index.gt.resize(frames + 1);
  index.pred.resize(frames + 1);
  for (const auto& a : gt) {
    IPT_CHECK(a.frame >= 1 && a.frame <= frames, "annotation frame {} outside 1..{}", a.frame, frames);
    index.gt[a.frame].push_back(&a);
  }
  for (const auto& p : pred) {
    IPT_CHECK(p.frame >= 1 && p.frame <= frames, "prediction frame {} outside 1..{}", p.frame, frames);
    index.pred[p.frame].push_back(&p);
  }
  return index;
}

// Per predicted track: its rows, and how often it gives each jersey and category.
struct TrackLabels {
  std::map<int64_t, int> length;
  std::map<int64_t, std::map<int, int>> jerseys, categories;
};

TrackLabels CountTrackLabels(const std::vector<PipelineRow>& pred) {
  TrackLabels labels;
  for (const auto& p : pred) {
    ++labels.length[p.track_id];
    if (p.jersey) ++labels.jerseys[p.track_id][*p.jersey];
    if (p.category) ++labels.categories[p.track_id][static_cast<int>(*p.category)];
  }
  return labels;
}

// person -> predicted track -> frames in which the track's detection matched the person.
using Covering = std::map<int, std::map<int64_t, int>>;

// Per frame, the one-to-one matching of predictions to people within `radius_m` that
// maximises the number of matches, then closeness. Fills the detection counts, the
// localization errors, the category confusion and identity counts of `r` (also those of
// the `substituted` people's rows).
Covering MatchDetections(const FrameIndex& index, double radius_m, const std::set<int>& substituted, PtfeReport* r) {
  Covering covering;
  for (size_t f = 1; f < index.gt.size(); ++f) {
    const auto& g = index.gt[f];
    const auto& p = index.pred[f];
    r->identity_total += static_cast<int64_t>(g.size());
    for (const io::Annotation* a : g) r->substituted_identity_total += substituted.count(a->person_id);
    Eigen::MatrixXd score = Eigen::MatrixXd::Zero(g.size(), p.size());
    for (size_t i = 0; i < g.size(); ++i) {
      for (size_t j = 0; j < p.size(); ++j) {
        const double d = std::hypot(g[i]->x_m - p[j]->x_m, g[i]->z_m - p[j]->z_m);
        if (d <= radius_m) score(i, j) = kMatchBonus + (radius_m - d);
      }
    }
    int64_t matched = 0;
    for (auto [i, j] : LinearSumAssignment(score, /*maximize=*/true)) {
      if (score(i, j) <= 0) continue;
      ++matched;
      const io::Annotation& a = *g[i];
      const PipelineRow& q = *p[j];
      r->loc_errors_m.push_back(std::hypot(a.x_m - q.x_m, a.z_m - q.z_m));
      r->confusion[static_cast<int>(a.category)][q.category ? static_cast<int>(*q.category) : io::kNumCategories] += 1;
      const bool named_right = q.player_id && *q.player_id == a.person_id;
      r->identity_correct += named_right;
      r->substituted_identity_correct += named_right && substituted.count(a.person_id);
      if (q.player_id && q.player_guessed) {  // not known: in neither
        (*q.player_guessed ? r->identity_guess_named : r->identity_sure_named) += 1;
        (*q.player_guessed ? r->identity_guess_right : r->identity_sure_right) += named_right;
      }
      ++covering[a.person_id][q.track_id];
    }
    r->det_tp += matched;
    r->det_fn += static_cast<int64_t>(g.size()) - matched;
    r->det_fp += static_cast<int64_t>(p.size()) - matched;
  }
  return covering;
}

// Per ground-truth person: the covering track (matched to the person in most frames)
// and whether its most frequent category and jersey are the person's.
void ScorePersonTracks(const std::vector<io::Annotation>& gt, const Covering& covering, const TrackLabels& labels,
                       const PtfeOptions& options, PtfeReport* r) {
  std::map<int, const io::Annotation*> person;  // first row of each person
  std::map<int, int> legible_frames;
  for (const auto& a : gt) {
    person.emplace(a.person_id, &a);
    legible_frames[a.person_id] += a.legibility == io::Legibility::kLegible;
  }
  for (const auto& [person_id, first] : person) {
    std::optional<int64_t> track;
    if (auto it = covering.find(person_id); it != covering.end()) track = MostFrequent(it->second);
    ++r->category_tracks_total;
    if (track) {
      auto it = labels.categories.find(*track);
      auto category = it == labels.categories.end() ? std::nullopt : MostFrequent(it->second);
      r->category_tracks_correct += category && *category == static_cast<int>(first->category);
    }
    if (!first->jersey) continue;  // referees: no jersey to read
    JerseyTrack jt;
    jt.person_id = person_id;
    jt.gt_jersey = *first->jersey;
    jt.legible_frames = legible_frames[person_id];
    jt.readable = jt.legible_frames >= options.min_legible_frames;
    if (track) {
      jt.covering_track = *track;
      jt.track_length = labels.length.at(*track);
      auto it = labels.jerseys.find(*track);
      jt.predicted = it == labels.jerseys.end() ? std::nullopt : MostFrequent(it->second);
      jt.correct = jt.predicted && *jt.predicted == jt.gt_jersey;
    }
    r->jersey_tracks.push_back(jt);
  }
}

// HOTA / CLEAR / Identity on pitch points (linear kernel, T = tracking_tolerance_m),
// and GS-HOTA (gaussian LocSim times the category/jersey identity key).
void EvaluateTrackingMetrics(const std::string& name, const std::vector<io::Annotation>& gt,
                             const std::vector<PipelineRow>& pred, int frames, const PtfeOptions& options,
                             PtfeReport* r) {
  std::vector<TrackRow> gt_rows, pred_rows;
  for (const auto& a : gt) gt_rows.push_back({a.frame, a.person_id, {a.x_m, a.z_m, 0, 0}, "", 0});
  for (const auto& p : pred) pred_rows.push_back({p.frame, p.track_id, {p.x_m, p.z_m, 0, 0}, "", p.line});
  const Sequence seq = BuildSequence(name, gt_rows, pred_rows, io::kAnnotationsCsvName, kTracksCsvName, frames);
  r->tracking = EvaluateSequence(seq, MakePointSimilarity(PointKernel::kLinear, options.tracking_tolerance_m));
  for (size_t k = 0; k < gt.size(); ++k) gt_rows[k].key = GsKey(gt[k].category, gt[k].jersey);
  for (size_t k = 0; k < pred.size(); ++k) pred_rows[k].key = GsKey(pred[k].category, pred[k].jersey);
  const Sequence gs = BuildSequence(name, gt_rows, pred_rows, io::kAnnotationsCsvName, kTracksCsvName, frames);
  r->gs_hota = EvaluateSequence(gs, GsHotaSimilarity(true));
  r->gs_hota.name = name;
}

}  // namespace

GsrPerson ToGsrPerson(std::optional<io::Category> category, std::optional<int> jersey) {
  GsrPerson p;
  p.role = "other";
  p.team = nullptr;
  if (category) {
    int team = io::CategoryTeam(*category);
    bool goalkeeper = *category == io::Category::kGoalkeeperA || *category == io::Category::kGoalkeeperB;
    p.role = team < 0 ? "referee" : goalkeeper ? "goalkeeper" : "player";
    if (team >= 0) p.team = team == 0 ? "left" : "right";
  }
  p.jersey = jersey ? nlohmann::json(std::to_string(*jersey)) : nlohmann::json(nullptr);
  return p;
}

namespace {
// One person in SoccerNet's frame: image "1" + frame as 9 digits, pitch coordinates from
// the centre spot.
GsrPerson ToGsrPersonAt(const io::MatchInfo& match, int frame, int64_t id, double x, double z,
                        std::optional<io::Category> c, std::optional<int> j) {
  GsrPerson p = ToGsrPerson(c, j);
  IPT_CHECK(frame >= 1 && frame <= match.frame_count, "frame {} outside 1..{}", frame, match.frame_count);
  p.image_id = fmt::format(kGsrImageIdFormat, frame);
  p.track_id = id;
  p.x_m = x - match.pitch.length_m / 2;
  p.y_m = z - match.pitch.width_m / 2;
  return p;
}
}  // namespace

void WriteGsrPredictions(const io::MatchInfo& match, const std::vector<PipelineRow>& rows,
                         const std::filesystem::path& path) {
  WriteGsrPredictions(
      static_cast<int64_t>(rows.size()),
      [&](int64_t i) {
        const PipelineRow& r = rows[i];
        return ToGsrPersonAt(match, r.frame, r.track_id, r.x_m, r.z_m, r.category, r.jersey);
      },
      path);
}

void ExportSoccerNetGsr(const io::MatchInfo& match, const std::vector<io::Annotation>& gt,
                        const std::vector<PipelineRow>& pred, const std::filesystem::path& dir, std::string_view what) {
  CheckReplaceableOutputDir(dir, /*force=*/true, what);  // before any work
  GsrGroundTruth labels;
  for (int f = 1; f <= match.frame_count; ++f) labels.evaluated_images.push_back(fmt::format(kGsrImageIdFormat, f));
  for (const auto& a : gt) {
    labels.people.push_back(ToGsrPersonAt(match, a.frame, a.person_id, a.x_m, a.z_m, a.category, a.jersey));
  }
  for (const auto& r : pred) ToGsrPersonAt(match, r.frame, r.track_id, r.x_m, r.z_m, r.category, r.jersey);  // checked before any work
  WriteOutputDirectory(dir, what, [&](const std::filesystem::path& temp) {
    WriteGsrGroundTruth(match.name, labels, temp / "Labels-GameState.json");
    WriteGsrPredictions(match, pred, temp / "predictions.json");
  });
}

void PtfeOptions::Check() const {
  IPT_CHECK(detection_radius_m > 0 && std::isfinite(detection_radius_m), "detection_radius_m must be > 0, got {}",
            detection_radius_m);
  IPT_CHECK(tracking_tolerance_m > 0 && std::isfinite(tracking_tolerance_m),
            "tracking_tolerance_m must be > 0, got {}", tracking_tolerance_m);
  IPT_CHECK(min_legible_frames >= 1, "min_legible_frames must be >= 1, got {}", min_legible_frames);
}

void PtfeReport::Finalize() {
  precision = det_tp / std::max(1.0, static_cast<double>(det_tp + det_fp));
  recall = det_tp / std::max(1.0, static_cast<double>(det_tp + det_fn));
  f1 = 2.0 * det_tp / std::max(1.0, static_cast<double>(2 * det_tp + det_fp + det_fn));
  loc_median_m = Percentile(loc_errors_m, kLocErrorMedianQuantile);
  loc_p95_m = Percentile(loc_errors_m, kLocErrorP95Quantile);
  int64_t diag = 0, total = 0;
  for (int g = 0; g < io::kNumCategories; ++g) {
    for (int p = 0; p <= io::kNumCategories; ++p) {
      total += confusion[g][p];
      if (g == p) diag += confusion[g][p];
    }
  }
  category_accuracy_detections = diag / std::max(1.0, static_cast<double>(total));
  category_accuracy_tracks = category_tracks_correct / std::max(1.0, static_cast<double>(category_tracks_total));
  int64_t jersey_correct = 0;
  for (const auto& t : jersey_tracks) jersey_correct += t.correct;
  jersey_accuracy = jersey_correct / std::max(1.0, static_cast<double>(jersey_tracks.size()));
  int64_t readable = 0, readable_correct = 0, unread = 0, unread_unknown = 0;
  for (const auto& t : jersey_tracks) {
    readable += t.readable;
    readable_correct += t.readable && t.correct;
    unread += t.legible_frames == 0;
    unread_unknown += t.legible_frames == 0 && !t.predicted;
  }
  // NaN (shown "n/a", JSON null) when no one qualifies: 0 would read as "all wrong".
  jersey_accuracy_readable = readable ? static_cast<double>(readable_correct) / readable : kNaN;
  jersey_unknown_unread = unread ? static_cast<double>(unread_unknown) / unread : kNaN;
  identity_accuracy = identity_correct / std::max(1.0, static_cast<double>(identity_total));
  identity_accuracy_substituted =
      substituted_identity_total ? static_cast<double>(substituted_identity_correct) / substituted_identity_total : kNaN;
  identity_precision_sure = identity_sure_named ? static_cast<double>(identity_sure_right) / identity_sure_named : kNaN;
  identity_precision_guessed =
      identity_guess_named ? static_cast<double>(identity_guess_right) / identity_guess_named : kNaN;
  identity_ceiling = identity_ceiling_total ? identity_ceiling_rows / static_cast<double>(identity_ceiling_total) : kNaN;
}

PtfeReport EvaluateMatch(const std::string& name, const io::MatchInfo& match,
                         const std::vector<io::Annotation>& gt, const std::vector<PipelineRow>& pred,
                         const PtfeOptions& options) {
  options.Check();
  PtfeReport r;
  r.name = name;
  r.frames = match.frame_count;
  const FrameIndex index = IndexByFrame(gt, pred, match.frame_count);
  std::set<int> substituted;  // players going off or coming on
  for (const io::Substitution& s : match.substitutions) {
    substituted.insert(s.player_out);
    if (s.player_in) substituted.insert(*s.player_in);
  }
  const Covering covering = MatchDetections(index, options.detection_radius_m, substituted, &r);
  ScorePersonTracks(gt, covering, CountTrackLabels(pred), options, &r);
  EvaluateTrackingMetrics(name, gt, pred, match.frame_count, options, &r);
  if (const std::optional<IdentityCeiling> ceiling = ComputeIdentityCeiling(match, gt)) {
    r.identity_ceiling_rows = ceiling->nameable_rows;
    r.identity_ceiling_total = ceiling->rows;
    r.identity_interchangeable = ceiling->interchangeable;
  }
  r.Finalize();
  return r;
}

PtfeReport CombineReports(const std::vector<PtfeReport>& reports, const std::string& name) {
  PtfeReport c;
  c.name = name;
  std::vector<TrackingResult> tracking, gs;
  for (const auto& r : reports) {
    c.frames += r.frames;
    c.det_tp += r.det_tp;
    c.det_fp += r.det_fp;
    c.det_fn += r.det_fn;
    c.loc_errors_m.insert(c.loc_errors_m.end(), r.loc_errors_m.begin(), r.loc_errors_m.end());
    for (int g = 0; g < io::kNumCategories; ++g)
      for (int p = 0; p <= io::kNumCategories; ++p) c.confusion[g][p] += r.confusion[g][p];
    c.category_tracks_correct += r.category_tracks_correct;
    c.category_tracks_total += r.category_tracks_total;
    c.jersey_tracks.insert(c.jersey_tracks.end(), r.jersey_tracks.begin(), r.jersey_tracks.end());
    c.identity_correct += r.identity_correct;
    c.identity_total += r.identity_total;
    c.substituted_identity_correct += r.substituted_identity_correct;
    c.substituted_identity_total += r.substituted_identity_total;
    c.identity_sure_named += r.identity_sure_named;
    c.identity_sure_right += r.identity_sure_right;
    c.identity_guess_named += r.identity_guess_named;
    c.identity_guess_right += r.identity_guess_right;
    c.identity_ceiling_rows += r.identity_ceiling_rows;
    c.identity_ceiling_total += r.identity_ceiling_total;
    tracking.push_back(r.tracking);
    gs.push_back(r.gs_hota);
  }
  c.tracking = CombineSequences(tracking, name);
  c.gs_hota = CombineSequences(gs, name);
  c.Finalize();
  return c;
}

const std::vector<HeadlineMetric>& HeadlineMetrics() {
  static const std::vector<HeadlineMetric> kMetrics = {
      {"det_precision", "Detection precision", true, true, [](const PtfeReport& r) { return r.precision; }},
      {"det_recall", "Detection recall", true, true, [](const PtfeReport& r) { return r.recall; }},
      {"det_f1", "Detection F1", true, true, [](const PtfeReport& r) { return r.f1; }},
      {"loc_median_m", "Loc. error median (m)", false, false, [](const PtfeReport& r) { return r.loc_median_m; }},
      {"loc_p95_m", "Loc. error p95 (m)", false, false, [](const PtfeReport& r) { return r.loc_p95_m; }},
      {"HOTA", "HOTA", true, true, [](const PtfeReport& r) { return HotaResult::Mean(r.tracking.hota.hota); }},
      {"DetA", "DetA", true, true, [](const PtfeReport& r) { return HotaResult::Mean(r.tracking.hota.det_a); }},
      {"AssA", "AssA", true, true, [](const PtfeReport& r) { return HotaResult::Mean(r.tracking.hota.ass_a); }},
      {"IDF1", "IDF1", true, true, [](const PtfeReport& r) { return r.tracking.identity.idf1; }},
      {"MOTA", "MOTA", true, true, [](const PtfeReport& r) { return r.tracking.clear.mota; }},
      {"IDSW", "ID switches", false, false, [](const PtfeReport& r) { return r.tracking.clear.idsw; }},
      {"GS-HOTA", "GS-HOTA", true, true, [](const PtfeReport& r) { return HotaResult::Mean(r.gs_hota.hota.hota); }},
      {"category_acc_det", "Category acc. (detections)", true, true, [](const PtfeReport& r) { return r.category_accuracy_detections; }},
      {"category_acc_track", "Category acc. (tracks)", true, true, [](const PtfeReport& r) { return r.category_accuracy_tracks; }},
      {"jersey_acc", "Jersey acc. (tracks)", true, true, [](const PtfeReport& r) { return r.jersey_accuracy; }},
      {"jersey_acc_legible", "Jersey acc. (legible)", true, true,
       [](const PtfeReport& r) { return r.jersey_accuracy_readable; }},
      {"identity_acc", "Identity acc. (detections)", true, true, [](const PtfeReport& r) { return r.identity_accuracy; }},
      {"identity_acc_substituted", "Identity acc. (substituted)", true, true,
       [](const PtfeReport& r) { return r.identity_accuracy_substituted; }},
      {"identity_ceiling", "Identity ceiling (numbers)", true, true, [](const PtfeReport& r) { return r.identity_ceiling; }},
      {"identity_precision_sure", "Identity precision (sure names)", true, true,
       [](const PtfeReport& r) { return r.identity_precision_sure; }},
      {"identity_precision_guessed", "Identity precision (guesses)", true, true,
       [](const PtfeReport& r) { return r.identity_precision_guessed; }},
  };
  return kMetrics;
}

nlohmann::json ToJson(const PtfeReport& r) {
  nlohmann::json j;
  j["name"] = r.name;
  j["frames"] = r.frames;
  // JSON has no NaN: a metric with nothing to measure is null.
  auto number_or_null = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  for (const auto& m : HeadlineMetrics()) j[m.key] = number_or_null(m.get(r));
  j["detection"] = {{"tp", r.det_tp}, {"fp", r.det_fp}, {"fn", r.det_fn}};
  j["tracking"] = ToJson(r.tracking);
  j["gs_hota"] = ToJson(r.gs_hota);
  nlohmann::json confusion = nlohmann::json::object();
  for (int g = 0; g < io::kNumCategories; ++g) {
    nlohmann::json row;
    for (int p = 0; p < io::kNumCategories; ++p) row[io::CategoryName(static_cast<io::Category>(p))] = r.confusion[g][p];
    row["none"] = r.confusion[g][io::kNumCategories];
    confusion[io::CategoryName(static_cast<io::Category>(g))] = row;
  }
  j["category_confusion"] = confusion;
  nlohmann::json tracks = nlohmann::json::array();
  for (const auto& t : r.jersey_tracks) {
    tracks.push_back({{"person_id", t.person_id}, {"gt_jersey", t.gt_jersey}, {"track_id", t.covering_track},
                      {"predicted", t.predicted ? nlohmann::json(*t.predicted) : nlohmann::json(nullptr)},
                      {"track_length", t.track_length}, {"legible_frames", t.legible_frames},
                      {"readable", t.readable}, {"correct", t.correct}});
  }
  j["jersey_tracks"] = tracks;
  // Not a headline metric: a perfect oracle names every jersey, legible or not.
  j["jersey_unknown_unread"] = number_or_null(r.jersey_unknown_unread);
  j["identity"] = {{"correct", r.identity_correct},
                   {"total", r.identity_total},
                   {"substituted_correct", r.substituted_identity_correct},
                   {"substituted_total", r.substituted_identity_total},
                   {"sure_named", r.identity_sure_named},
                   {"sure_right", r.identity_sure_right},
                   {"guess_named", r.identity_guess_named},
                   {"guess_right", r.identity_guess_right},
                   {"ceiling_rows", r.identity_ceiling_rows},
                   {"ceiling_total", r.identity_ceiling_total},
                   {"interchangeable", r.identity_interchangeable}};
  return j;
}

nlohmann::json ToJson(const std::vector<PtfeReport>& reports) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& r : reports) j[r.name] = ToJson(r);
  return j;
}

std::string FormatValue(const HeadlineMetric& m, double v) {
  if (std::isnan(v)) return "n/a";  // nothing to measure (e.g. no readable jersey)
  if (m.fraction) return fmt::format("{:.2f}%", 100 * v);
  if (std::string(m.key) == "IDSW") return fmt::format("{:.0f}", v);
  return fmt::format("{:.3f}", v);
}

std::string FormatReports(const std::vector<PtfeReport>& reports) {
  std::string out = fmt::format("{:<30}", "metric");
  for (const auto& r : reports) out += fmt::format("{:>16}", r.name.substr(0, 15));
  out += "\n";
  for (const auto& m : HeadlineMetrics()) {
    out += fmt::format("{:<30}", m.label);
    for (const auto& r : reports) out += fmt::format("{:>16}", FormatValue(m, m.get(r)));
    out += "\n";
  }
  return out;
}

std::string FormatComparison(const PtfeReport& a, const PtfeReport& b, const std::string& label_a,
                             const std::string& label_b) {
  std::string out = fmt::format("{:<30}{:>14}{:>14}{:>12}\n", "metric", label_a.substr(0, 13), label_b.substr(0, 13), "delta");
  for (const auto& m : HeadlineMetrics()) {
    double va = m.get(a), vb = m.get(b), d = vb - va;
    if (std::isnan(d)) {
      out += fmt::format("{:<30}{:>14}{:>14}{:>12}\n", m.label, FormatValue(m, va), FormatValue(m, vb), "n/a");
      continue;
    }
    const double scale = m.fraction ? 100.0 : 1.0;
    const char* mark = std::abs(d) < 1e-12 ? " " : ((d > 0) == m.higher_is_better ? "+" : "-");
    out += fmt::format("{:<30}{:>14}{:>14}{:>+11.{}f}{} {}\n", m.label, FormatValue(m, va), FormatValue(m, vb), d * scale,
                       m.fraction ? 2 : 3, m.fraction ? "%" : " ", mark);
  }
  return out;
}

}  // namespace ipt::eval
