// One evaluated sequence: ground-truth and predicted detections per timestep,
// with ids relabelled to 0..n-1 in ascending order of the original ids (as
// TrackEval does), and the similarity used to compare them.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ipt::eval {

// One detection as read from a file. `geometry` holds a box (x, y, w, h) in
// pixels or a pitch point (x, z, 0, 0) in metres; `key` is an identity key for
// GS-HOTA (two detections can match only when their keys are equal).
struct TrackRow {
  int frame = 0;  // 1-based
  int64_t id = 0;
  Eigen::Vector4d geometry = Eigen::Vector4d::Zero();
  std::string key;
  int line = 0;   // source line, for error messages
};

struct FrameDetections {
  std::vector<int> ids;                     // contiguous ids
  std::vector<Eigen::Vector4d> geometry;
  std::vector<std::string> keys;            // empty when unused
  size_t size() const { return ids.size(); }
};

// gt x pred similarity matrix in [0, 1].
using SimilarityFn = std::function<Eigen::MatrixXd(const FrameDetections& gt, const FrameDetections& pred)>;

struct Sequence {
  std::string name;
  std::vector<FrameDetections> gt, pred;  // index = frame - 1, same length
  int num_gt_ids = 0, num_pred_ids = 0;
  int64_t num_gt_dets = 0, num_pred_dets = 0;
  int num_timesteps() const { return static_cast<int>(gt.size()); }
};

// Builds a sequence over frames 1..max(last frame, min_frames). Throws InputError
// naming `gt_file`/`pred_file` and the line when an id repeats in a frame or a frame
// lies outside 1..limits::kMaxFrames (checked before anything is allocated).
Sequence BuildSequence(const std::string& name, const std::vector<TrackRow>& gt_rows,
                       const std::vector<TrackRow>& pred_rows, const std::string& gt_file,
                       const std::string& pred_file, int min_frames = 0);

}  // namespace ipt::eval
