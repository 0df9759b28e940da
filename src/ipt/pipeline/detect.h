// Model 1 over a whole match: `ipt detect`.
#pragma once

#include <vector>

#include "ipt/detector/detection_eval.h"
#include "ipt/detector/detector.h"
#include "ipt/io/detections.h"
#include "ipt/io/match_dir.h"
#include "ipt/util/progress.h"

namespace ipt::pipeline {

struct DetectTimings {
  int frames = 0;
  double decode_stitch_s = 0;  // background thread
  double detector_s = 0;
  double total_s = 0;
};

// Detections of frames 1..max_frames (0 = all); progress counts frames.
std::vector<io::DetectionRow> DetectMatch(const io::MatchDir& match, detector::Detector& detector, int max_frames,
                                          DetectTimings* timings = nullptr, const ProgressFn& progress = nullptr);

// Scores detections against the match's annotations (frames present in `rows`'
// range 1..frames).
detector::DetectionScores ScoreDetections(const io::MatchDir& match, const std::vector<io::DetectionRow>& rows,
                                          int frames, const detector::DetectionEvalOptions& options = {});

}  // namespace ipt::pipeline
