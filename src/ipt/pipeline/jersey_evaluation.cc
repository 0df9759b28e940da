#include "ipt/pipeline/jersey_evaluation.h"

#include <fmt/format.h>

#include <optional>

#include "ipt/io/annotations.h"
#include "ipt/io/match.h"
#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/jn_classifier/jn_classifier_training.h"
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/run.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_package.h"
#include "ipt/util/check.h"

namespace ipt::pipeline {
namespace fs = std::filesystem;

namespace {
constexpr int kLegibleEnough = 5;  // issue 10: "legible in >= 5 frames"
int LegibilityBucket(int legible) { return legible == 0 ? 0 : legible < kLegibleEnough ? 1 : 2; }
}  // namespace

void JerseyEvaluationOptions::Check() const {
  for (int w : window_lengths) IPT_CHECK(w >= 1, "window lengths must be >= 1, got {}", w);
  IPT_CHECK(threads >= 1 && threads <= 256, "threads must be in [1, 256]");
  attributes.Check();
}

JerseyEvaluation EvaluateJersey(const std::vector<fs::path>& matches, const JerseyEvaluationOptions& options) {
  options.Check();
  IPT_CHECK(!matches.empty(), "no matches to evaluate");
  const fs::path model_store = options.model_store.empty() ? registry::DefaultModelStoreRoot() : options.model_store;
  const registry::ModelCollection collection = registry::ReadCollection(options.models_yaml);
  std::map<std::string, std::string> refs = CheckRunCollection(options.models_yaml, model_store);
  JerseyEvaluation result;
  std::optional<jn_classifier::JnClassifier> classifier;
  if (collection.refs.count("jn_classifier")) {
    result.jn_classifier = CheckRunCollection(options.models_yaml, model_store, {"jn_classifier"}).at("jn_classifier");
    classifier.emplace(registry::ModelStore(model_store).PackageDir(result.jn_classifier),
                       jn_classifier::JnClassifierRunOptions{options.threads});
    result.jn_defers_to_vote = classifier->vote().has_value();
  }
  for (int w : options.window_lengths) result.lengths.push_back(std::to_string(w));
  result.lengths.push_back("whole");
  result.legibility = {"never", "1-4", ">=5"};
  result.cells.assign(result.lengths.size(), std::vector<JerseyCell>(result.legibility.size()));

  for (const fs::path& dir : matches) {
    if (options.progress) options.progress("jersey: " + dir.string());
    const io::MatchInfo info = io::ReadMatchYaml(dir / io::kMatchYamlName);
    const std::vector<io::Annotation> annotations = io::ReadAnnotationsCsv(dir / io::kAnnotationsCsvName, info.frame_count);
    const MatchLayers layers = GetMatchLayers(dir, refs, model_store, options.cache);
    const RowTruth truth = LabelRows(layers.frames, annotations);
    const FrameRowBlock all_rows = AllRows(layers.frames);
    ++result.matches;
    // The windows of every track, then both readers on each.
    struct Window {
      const std::vector<int64_t>* rows;
      int begin, end, length_index;
    };
    const auto rows_of_tracks = RowsOfTracks(layers.tracks);
    std::vector<Window> windows;
    for (const auto& [id, rows] : rows_of_tracks) {
      ++result.tracks;
      const int n = static_cast<int>(rows.size());
      for (size_t l = 0; l < options.window_lengths.size(); ++l) {
        const int len = options.window_lengths[l];
        for (int b = 0; b + len <= n && len < n; b += len) windows.push_back({&rows, b, b + len, static_cast<int>(l)});
      }
      windows.push_back({&rows, 0, n, static_cast<int>(options.window_lengths.size())});
    }
    std::vector<jn_classifier::JnTrack> jn_tracks;
    std::vector<jn_classifier::LabelledTrack> labelled;
    std::vector<std::vector<tracking::DetectionEvidence>> evidence;
    for (const Window& w : windows) {
      const std::vector<int64_t> rows(w.rows->begin() + w.begin, w.rows->begin() + w.end);
      jn_classifier::LabelledTrack t;
      t.track = JnTrackOfRows(layers.frames, rows);
      std::vector<tracking::DetectionEvidence> e;
      for (int64_t r : rows) {
        t.person.push_back(truth.person[r]);
        t.jersey.push_back(truth.jersey[r]);
        t.legibility.push_back(truth.legibility[r]);
        std::array<float, crop_encoder::kNumRoles> roles;
        e.push_back(DetectionEvidenceOfRow(layers.frames, all_rows, r, &layers.frames.refined_foot_points_m[2 * r], &roles));
      }
      jn_tracks.push_back(t.track);
      labelled.push_back(std::move(t));
      evidence.push_back(std::move(e));
    }
    std::vector<jn_classifier::JnProbabilities> p;
    if (classifier) p = classifier->Classify(jn_tracks);
    for (size_t k = 0; k < windows.size(); ++k) {
      const jn_classifier::LabelledTrack& t = labelled[k];
      const int n = t.track.size();
      // Scored by legible crops whatever the classifier trained on: issue 10's "legible in
      // >= 5 frames" and "unknown where it never is".
      const int label = jn_classifier::WindowLabel(t, 0, n, io::Legibility::kLegible);
      const int legible = jn_classifier::WindowCropsShowing(t, 0, n, io::Legibility::kLegible);
      // The allowed numbers: the true team's (see the header); every number for no one.
      std::map<int, int> count;
      for (size_t i = 0; i < t.person.size(); ++i) ++count[t.person[i]];
      const int person = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
      tracking::JerseySet allowed;
      allowed.set();
      if (options.attributes.roster_numbers_only && person >= 0) {
        for (const auto& entry : info.roster) {
          if (entry.player_id == person)
            allowed = tracking::TeamJerseys(info, entry.category, {evidence[k].front().frame, evidence[k].back().frame});
        }
      }
      const int truth_value = label == jn_classifier::kUnknownClass ? -1 : label;
      // The main person's own number (the roster's), whether or not a crop shows it.
      int own_number = -1;
      for (const auto& entry : info.roster) {
        if (person >= 0 && entry.player_id == person && entry.jersey) own_number = *entry.jersey;
      }
      JerseyCell& cell = result.cells[windows[k].length_index][LegibilityBucket(legible)];
      ++cell.windows;
      const int vote = tracking::VoteJersey(evidence[k], options.attributes, allowed).value_or(-1);
      cell.vote_right += vote == truth_value;
      cell.vote_own_number += truth_value == -1 && vote >= 0 && vote == own_number;
      if (classifier) {
        const int read =
            tracking::JerseyFromProbabilities(p[k], allowed, options.attributes.min_jersey_probability).value_or(-1);
        cell.classifier_right += read == truth_value;
        cell.classifier_own_number += truth_value == -1 && read >= 0 && read == own_number;
      }
    }
  }
  return result;
}

nlohmann::json JerseyEvaluation::ToJson() const {
  nlohmann::json j;
  j["jn_classifier"] = jn_classifier;
  j["jn_defers_to_vote"] = jn_defers_to_vote;
  j["matches"] = matches;
  j["tracks"] = tracks;
  for (size_t l = 0; l < lengths.size(); ++l) {
    for (size_t b = 0; b < legibility.size(); ++b) {
      const JerseyCell& c = cells[l][b];
      // Accuracies of empty cells are null, not 0.
      auto share = [&](int64_t right) { return c.windows ? nlohmann::json(double(right) / c.windows) : nlohmann::json(); };
      nlohmann::json row = {{"length", lengths[l]}, {"legible", legibility[b]}, {"windows", c.windows},
                            {"vote_accuracy", share(c.vote_right)}, {"vote_own_number", c.vote_own_number}};
      if (!jn_classifier.empty()) {
        row["classifier_accuracy"] = share(c.classifier_right);
        row["classifier_own_number"] = c.classifier_own_number;
      }
      j["cells"].push_back(row);
    }
  }
  return j;
}

std::string JerseyEvaluation::ToText() const {
  std::string out = fmt::format("jersey per track window: {} matches, {} tracks; JN classifier {}{}\n", matches, tracks,
                                jn_classifier.empty() ? "none (vote only)" : jn_classifier.substr(0, 12),
                                jn_defers_to_vote ? " (deferring to the vote of its crops where it names a number)" : "");
  out += fmt::format("{:>8} {:>8} {:>8} {:>10} {:>10} {:>17}\n", "length", "legible", "windows", "classifier", "vote",
                     "own number (c/v)");
  for (size_t l = 0; l < lengths.size(); ++l) {
    for (size_t b = 0; b < legibility.size(); ++b) {
      const JerseyCell& c = cells[l][b];
      if (c.windows == 0) continue;
      const std::string cls = jn_classifier.empty() ? "-" : fmt::format("{:.3f}", double(c.classifier_right) / c.windows);
      const std::string own =
          fmt::format("{}/{}", jn_classifier.empty() ? std::string("-") : std::to_string(c.classifier_own_number),
                      c.vote_own_number);
      out += fmt::format("{:>8} {:>8} {:>8} {:>10} {:>10.3f} {:>17}\n", lengths[l], legibility[b], c.windows, cls,
                         double(c.vote_right) / c.windows, own);
    }
  }
  out += "own number: windows whose answer is unknown (no legible crop) named the person's own number\n";
  return out;
}

}  // namespace ipt::pipeline
