// Training model 4 (`ipt train jn_classifier`, recipe configs/train/jn_classifier.yaml):
// the JN classifier, from the tracks of training matches (the pipeline reads their frame
// and track layers and labels each detection by the match's annotations.csv; this
// module sees plain numbers).
//
// A sample is a window of one track (consecutive detections). Its label is the jersey of
// the person most of the window's detections belong to, when at least one of them shows
// that person's number legibly (annotations.csv legibility = legible); "unknown"
// otherwise (no legible crop, no number, or no person). Window lengths are drawn
// log-uniformly from 1 to the track's length, so short fragments are as common as whole
// tracks; a known_share of the windows is drawn around a legible detection (legible
// crops are ~0.4 % of the rows of an HD rig).
//
// Validation (every epoch): each validation track cut into consecutive windows of
// validation_windows detections (and the whole track). Metrics: accuracy (all windows),
// legible5_accuracy (windows with >= 5 legible detections: the number must be read),
// unknown_accuracy (windows with none: "unknown" must be said), and the kept score
// balanced_accuracy, their mean.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/registry/training.h"

namespace ipt::jn_classifier {

// One track of a training match with its ground truth per detection.
struct LabelledTrack {
  std::string match;
  JnTrack track;
  std::vector<int> person;        // the person matched to the detection, -1 = no one
  std::vector<int> jersey;        // that person's number, -1 = none (or no person)
  std::vector<uint8_t> legible;   // 1: the crop shows the number legibly
  void Check() const;
};

// The label of detections [begin, end) of `t` (see above): a number or kUnknownClass.
int WindowLabel(const LabelledTrack& t, int begin, int end);
// Ground-truth legible detections of the window's majority person (0 for no one).
int WindowLegibleCount(const LabelledTrack& t, int begin, int end);

// The recipe's `data:` section.
struct JnDataOptions {
  int batch_tracks = 32;           // windows per optimizer step
  double known_share = 0.5;        // share of windows drawn around a legible detection
  std::vector<int> validation_windows = {25, 100};  // window lengths (detections), plus whole tracks
  void Check() const;
};

using LabelledTrackLoader = std::function<std::vector<LabelledTrack>(const std::vector<std::string>& matches)>;

// Reads context.recipe (nn/recipe.h keys, `data:` JnDataOptions, `network:` JnNetConfig),
// loads the training and validation tracks with `load`, trains (resumable) and packages.
registry::TrainedWeights TrainJnClassifier(const registry::TrainingContext& context, const LabelledTrackLoader& load);

}  // namespace ipt::jn_classifier
