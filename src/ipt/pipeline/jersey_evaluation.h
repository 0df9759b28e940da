// `ipt eval jersey`: the JN classifier (model 4) against the vote of legible crops, per
// track window, on matches with ground truth, by window length and by how often the
// number is legible in the window.
//
// For each match: the frame and track layers of the collection (store; computed where
// missing). Every track is cut into consecutive windows of each length in
// window_lengths (tracks shorter than a length give none of it) and is also taken
// whole. A window's truth is jn_classifier::WindowLabel: the number of the person most
// of its detections belong to, when at least one of them shows it legibly
// (annotations.csv), else "unknown". Both readers get the same allowed numbers: with
// attributes.roster_numbers_only, the roster numbers of that person's team (the true
// team, so that category errors do not count here); "unknown" (or no vote) is right only
// for an unknown window. Buckets of legible detections: never, 1-4, >= 5 (issue 10's
// "legible in >= 5 frames").
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ipt/tracking/track_attributes.h"

namespace ipt::pipeline {

struct JerseyEvaluationOptions {
  std::filesystem::path models_yaml = "models.yaml";  // names detector, crop_encoder, tracker (+ jn_classifier)
  std::filesystem::path model_store;                  // "" = registry::DefaultModelStoreRoot()
  std::filesystem::path cache;                        // "" = store::DefaultArtifactStoreRoot()
  // Window lengths in detections (whole tracks are always scored): short fragments are
  // where a learned reader should beat a vote that needs min_jersey_votes crops.
  std::vector<int> window_lengths = {10, 25, 100};
  tracking::TrackAttributesOptions attributes;  // the vote's options and roster_numbers_only
  int threads = 2;                              // LibTorch threads of the classifier
  std::function<void(const std::string& what)> progress;
  void Check() const;
};

struct JerseyCell {
  int64_t windows = 0;
  int64_t classifier_right = 0, vote_right = 0;
  // Windows whose right answer is "unknown" (no crop shows the number legibly) where the
  // reader still named the main person's own number: wrong by the label, right in fact (a
  // number read from crops annotated partial).
  int64_t classifier_own_number = 0, vote_own_number = 0;
};

struct JerseyEvaluation {
  std::string jn_classifier;             // its full ref; empty: the collection names none (vote only)
  bool jn_defers_to_vote = false;        // its package has a vote (jn_classifier::JnVoteOptions)
  std::vector<std::string> lengths;      // "10", "25", "100", "whole"
  std::vector<std::string> legibility;   // "never", "1-4", ">=5"
  std::vector<std::vector<JerseyCell>> cells;  // [length][legibility]
  int64_t tracks = 0, matches = 0;
  nlohmann::json ToJson() const;
  std::string ToText() const;  // one table: accuracy of each reader per cell, with counts
};

JerseyEvaluation EvaluateJersey(const std::vector<std::filesystem::path>& matches, const JerseyEvaluationOptions& options);

}  // namespace ipt::pipeline
