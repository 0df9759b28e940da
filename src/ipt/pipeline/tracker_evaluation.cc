#include "ipt/pipeline/tracker_evaluation.h"

#include <fmt/format.h>
#include <algorithm>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/detector/detector.h"
#include "ipt/eval/match_evaluation.h"
#include "ipt/io/match.h"
#include "ipt/io/match_dir.h"
#include "ipt/pipeline/models.h"
#include "ipt/registry/model_package.h"
#include "ipt/store/artifact_store.h"
#include "ipt/store/precompute.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

void TrackerEvaluationOptions::Check() const {
  IPT_CHECK(!out.empty(), "eval tracker: an output directory is needed (--out)");
  IPT_CHECK(!trackers.empty(), "eval tracker: no trackers to compare");
  ground_truth.Check();
  attributes.Check();
  IPT_CHECK(threads >= 1 && threads <= 256, "threads must be in [1, 256]");
}

namespace {

// A file-system-safe label for a tracker argument (refs are hex; online, gnn).
std::string Label(const std::string& tracker) {
  std::string label;
  for (char c : tracker) label += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return label.substr(0, 64);
}

}  // namespace

std::vector<TrackerEvaluation> EvaluateTrackers(const std::vector<fs::path>& matches, const TrackerEvaluationOptions& o) {
  o.Check();
  RegisterModels();
  const fs::path model_store = o.model_store.empty() ? registry::DefaultModelStoreRoot() : o.model_store;
  const fs::path cache_root = o.cache.empty() ? store::DefaultArtifactStoreRoot() : o.cache;
  std::vector<fs::path> inputs = {o.models_yaml, model_store, cache_root};
  for (const auto& m : matches) {
    const io::MatchDir dir = io::OpenMatchDir(m);  // every match checked before any work
    IPT_CHECK(fs::exists(m / io::kAnnotationsCsvName), "{}: no annotations.csv to score against", m.string());
    inputs.push_back(m);
  }
  CheckOutputNotInput(o.out, inputs, "--out");
  const auto refs = CheckRunCollection(o.models_yaml, model_store);
  std::vector<TrackerEvaluation> results(o.trackers.size());
  for (size_t t = 0; t < o.trackers.size(); ++t) results[t].tracker = o.trackers[t];
  for (const fs::path& match_dir : matches) {
    const io::MatchDir match = io::OpenMatchDir(match_dir);
    std::optional<io::SafetensorsFile> given;
    const bool truth_asked = std::count(o.trackers.begin(), o.trackers.end(), kTruthTracker) > 0;
    const std::vector<io::Annotation> annotations =
        o.ground_truth_detections || truth_asked
            ? io::ReadAnnotationsCsv(match_dir / io::kAnnotationsCsvName, match.info.frame_count)
            : std::vector<io::Annotation>{};
    if (o.ground_truth_detections) {
      if (o.progress) o.progress(fmt::format("{}: frame level on ground-truth detections", match_dir.string()));
      const registry::ModelStore models(model_store);
      detector::Detector detector(models.PackageDir(refs.at("detector")));
      crop_encoder::CropEncoder encoder(models.PackageDir(refs.at("crop_encoder")));
      FrameLevelOptions frame_options;
      frame_options.detections_override = GroundTruthDetections(annotations, o.ground_truth);
      given = ComputeFrameLayer(match, detector, encoder, frame_options);
    }
    for (size_t t = 0; t < o.trackers.size(); ++t) {
      if (o.progress) o.progress(fmt::format("{}: tracker {}", match_dir.string(), o.trackers[t]));
      RunOptions run;
      run.models_yaml = o.models_yaml;
      run.model_store = model_store;
      run.cache = cache_root;
      run.threads = o.threads;
      const bool truth = o.trackers[t] == kTruthTracker;
      run.tracker = o.trackers[t] == "collection" || truth ? "" : o.trackers[t];
      run.attributes = o.attributes;
      run.frame_layer = given ? &*given : nullptr;
      if (truth) {
        const double radius_m = eval::PtfeOptions{}.detection_radius_m;
        run.track_layer = [&annotations, radius_m](const FrameLayer& frames) {
          return GroundTruthTrackLayer(frames, annotations, radius_m);
        };
      }
      const fs::path out = o.out / Label(o.trackers[t]) / match_dir.filename();
      fs::create_directories(out.parent_path());
      const RunReport report = Run(match_dir, out, run);
      TrackerEvaluation& r = results[t];
      r.ref = truth ? "" : report.refs.at("tracker");
      r.type = truth ? "ground_truth" : report.tracker_type;
      auto it = report.stage_seconds.find("tracker");
      if (it != report.stage_seconds.end()) r.tracker_seconds += it->second;
      r.frames += report.frames;
      r.detections += report.detections;
      r.matches.push_back(eval::EvaluateMatchDirectory(match_dir, out, eval::PtfeOptions{}, match_dir.filename().string()));
    }
  }
  for (auto& r : results) r.combined = eval::CombineReports(r.matches, "COMBINED");
  return results;
}

std::string FormatTrackerEvaluation(const std::vector<TrackerEvaluation>& results, bool json) {
  auto row = [](const eval::PtfeReport& p) {
    const auto& h = p.tracking.hota;
    return nlohmann::json{{"hota", eval::HotaResult::Mean(h.hota)},
                          {"det_a", eval::HotaResult::Mean(h.det_a)},
                          {"ass_a", eval::HotaResult::Mean(h.ass_a)},
                          {"idf1", p.tracking.identity.idf1},
                          {"id_switches", p.tracking.clear.idsw},
                          {"category_per_track", p.category_accuracy_tracks},
                          {"category_tracks", p.category_tracks_total}};
  };
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : results) {
      nlohmann::json e = row(r.combined);
      e["tracker"] = r.tracker;
      e["ref"] = r.ref;
      e["type"] = r.type;
      e["tracker_ms_per_frame"] = r.frames > 0 ? 1000 * r.tracker_seconds / r.frames : 0.0;
      e["frames"] = r.frames;
      for (const auto& m : r.matches) e["matches"][m.name] = row(m);
      j.push_back(e);
    }
    return j.dump(2) + "\n";
  }
  std::string out = fmt::format("{:<16}{:<14}{:<16}{:>7}{:>7}{:>7}{:>7}{:>6}{:>10}{:>10}\n", "tracker", "type", "match", "HOTA",
                                "DetA", "AssA", "IDF1", "IDSW", "category", "ms/frame");
  for (const auto& r : results) {
    auto line = [&](const eval::PtfeReport& p, const std::string& name, double ms) {
      const nlohmann::json v = row(p);
      out += fmt::format("{:<16}{:<14}{:<16}{:>7.3f}{:>7.3f}{:>7.3f}{:>7.3f}{:>6.0f}{:>10.3f}{:>10}\n",
                         r.tracker.substr(0, 15), r.type.substr(0, 13), name.substr(0, 15), v["hota"].get<double>(),
                         v["det_a"].get<double>(), v["ass_a"].get<double>(), v["idf1"].get<double>(),
                         v["id_switches"].get<double>(), v["category_per_track"].get<double>(),
                         ms >= 0 ? fmt::format("{:.2f}", ms) : std::string("-"));
    };
    for (const auto& m : r.matches) line(m, m.name, -1);
    const bool ran_a_tracker = r.tracker != kTruthTracker;
    line(r.combined, "COMBINED", ran_a_tracker && r.frames > 0 ? 1000 * r.tracker_seconds / r.frames : -1.0);
  }
  return out;
}

}  // namespace ipt::pipeline
