#include "ipt/pipeline/detect.h"

#include "ipt/pipeline/frame_source.h"
#include "ipt/util/check.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {

std::vector<io::DetectionRow> DetectMatch(const io::MatchDir& match, detector::Detector& detector, int max_frames,
                                          DetectTimings* timings, const ProgressFn& progress) {
  Stopwatch total;
  geometry::Panorama panorama(match.info.MakeRig(), match.info.panorama);
  FrameSource source(match, panorama, max_frames);
  std::vector<io::DetectionRow> rows;
  StitchedFrame frame;
  double detector_s = 0;
  while (source.Next(&frame)) {
    Stopwatch watch;
    for (const auto& d : detector.Detect(frame.panorama, panorama)) {
      rows.push_back({frame.frame, d.foot_in_pitch_m.x(), d.foot_in_pitch_m.y(), d.score});
    }
    detector_s += watch.Seconds();
    if (progress) progress(frame.frame, source.frame_count());
  }
  if (timings) {
    timings->frames = source.frame_count();
    timings->decode_stitch_s = source.decode_seconds();
    timings->detector_s = detector_s;
    timings->total_s = total.Seconds();
  }
  return rows;
}

detector::DetectionScores ScoreDetections(const io::MatchDir& match, const std::vector<io::DetectionRow>& rows,
                                          int frames, const detector::DetectionEvalOptions& options) {
  IPT_CHECK(match.annotations.has_value(), "{}: scoring needs annotations.csv", match.dir.string());
  std::vector<std::vector<Eigen::Vector2d>> by_frame(frames + 1);
  for (const auto& r : rows) {
    if (r.frame >= 1 && r.frame <= frames) by_frame[r.frame].emplace_back(r.x_m, r.z_m);
  }
  detector::DetectionScores scores;
  for (int f = 1; f <= frames; ++f) {
    scores.Add(detector::DetectableFeet(match.FrameAnnotations(f), options), by_frame[f], options);
  }
  scores.Finalize();
  return scores;
}

}  // namespace ipt::pipeline
