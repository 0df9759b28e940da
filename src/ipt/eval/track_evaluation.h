// Evaluating tracking files: what `ipt eval tracks` (MOTChallenge-style files, in
// image or pitch space) and `ipt eval gsr` (SoccerNet GSR JSON) do, without the
// command line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ipt/eval/sequence.h"
#include "ipt/eval/track_files.h"
#include "ipt/eval/tracking_metrics.h"

namespace ipt::eval {

// The name of the sequence a tracking file holds: its directory for ".../NAME/gt.txt"
// (or groundtruth.txt, MOTChallenge's layout), else the file's stem.
std::string SequenceName(const std::filesystem::path& tracking_file);

// The similarity of `eval tracks`: space, kernel and tolerance.
struct SimilarityOptions {
  Space space = Space::kImage;  // image: boxes (x, y, w, h) in pixels; pitch: foot-points (x, z) in metres
  std::string kind;             // iou (image) | linear | gaussian (pitch); "": iou for image, linear for pitch
  double tolerance_m = 0;       // T of a pitch kernel in metres; 0: DefaultTolerance (2 m linear, 5 m gaussian)
  void Check() const;           // kind fits space; tolerance finite, >= 0, and only for pitch kernels
  std::string Kind() const;     // kind, or the space's default
};
SimilarityFn MakeSimilarity(const SimilarityOptions& options);

// One result per file pair (gt[k], pred[k]), named by SequenceName ("#k" appended,
// k 1-based, when a name repeats), and a last COMBINED result when there are several.
std::vector<TrackingResult> EvaluateTrackFiles(const std::vector<std::filesystem::path>& gt,
                                               const std::vector<std::filesystem::path>& pred,
                                               const SimilarityOptions& similarity);

// GS-HOTA of SoccerNet GSR file pairs (Labels-GameState.json, predictions JSON), each
// named by the ground truth's directory ("sequenceK" when it has none); COMBINED
// last when several. use_attributes false: plain HOTA on LocSim.
std::vector<TrackingResult> EvaluateGsrFiles(const std::vector<std::filesystem::path>& gt,
                                             const std::vector<std::filesystem::path>& pred, bool use_attributes);

// JSON text: ToJson of the one result, or name -> ToJson for several.
std::string FormatTrackingJson(const std::vector<TrackingResult>& results);
// One line per result: "NAME  GS-HOTA 52.59%  DetA ...  AssA ...  LocA ...".
std::string FormatGsHotaSummary(const std::vector<TrackingResult>& results);

}  // namespace ipt::eval
