// Training model 4 (`ipt train jn_classifier`, recipe configs/train/jn_classifier.yaml):
// the JN classifier, from the tracks of training matches (the pipeline reads their frame
// and track layers and labels each detection by the match's annotations.csv; this
// module sees plain numbers).
//
// A sample is a window of one track (consecutive detections). Its label is the jersey of
// the person most of the window's detections belong to, when at least one of them shows
// that person's number at label_legibility or better (annotations.csv legibility:
// partial by default); "unknown" otherwise (the number never shown, no number, or no
// person). Why partial, not legible: "unknown" is what the identity resolver reads as "this
// track says nothing about its number"; labelled by legible crops alone, the classifier
// learns to say it of tracks whose partial crops the reader does read, and their evidence
// is lost (docs/models.md, "Session 20"). Window lengths are drawn log-uniformly from 1 to
// the track's length, so short fragments are as common as whole tracks; a known_share of
// the windows is drawn around a detection that shows the number (legible crops are ~0.4 %
// of the rows of an HD rig, partial ones ~16 %: docs/formats.md, "Jersey-number labels").
//
// Validation (every epoch): each validation track cut into consecutive windows of
// validation_windows detections (and the whole track). Metrics: accuracy (all windows),
// shown5_accuracy (windows with >= 5 detections showing the number: it must be read),
// unknown_accuracy (windows with none: "unknown" must be said), and the kept score
// balanced_accuracy, their mean; also legible5_accuracy (windows with >= 5 legible
// detections, whatever the labels), comparable across label_legibility. The package's
// metrics record label_legibility.
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
  std::vector<io::Legibility> legibility;  // of that number in the crop (kNone: none)
  void Check() const;
};

// Detections of [begin, end) of `t` that show the number of the window's majority person
// at `at_least` or better (0 for no one).
int WindowCropsShowing(const LabelledTrack& t, int begin, int end, io::Legibility at_least);
// The label of detections [begin, end) of `t` (see above): the majority person's number when
// a crop shows it at `at_least` or better, else kUnknownClass.
int WindowLabel(const LabelledTrack& t, int begin, int end, io::Legibility at_least);

// The recipe's `data:` section.
struct JnDataOptions {
  int batch_tracks = 32;           // windows per optimizer step
  // The least legibility at which a crop's number labels its window (the recipe's
  // "partial" or "legible"; not kNone); see the top of this file. The default was
  // "legible" before session 20.
  io::Legibility label_legibility = io::Legibility::kPartial;
  double known_share = 0.5;        // share of windows drawn around a detection showing it
  std::vector<int> validation_windows = {25, 100};  // window lengths (detections), plus whole tracks
  void Check() const;
};

using LabelledTrackLoader = std::function<std::vector<LabelledTrack>(const std::vector<std::string>& matches)>;

// Reads context.recipe (nn/recipe.h keys, `data:` JnDataOptions, `network:` JnNetConfig),
// loads the training and validation tracks with `load`, trains (resumable) and packages.
registry::TrainedWeights TrainJnClassifier(const registry::TrainingContext& context, const LabelledTrackLoader& load);

}  // namespace ipt::jn_classifier
