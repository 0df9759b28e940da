// Decoded and stitched frames of a match, produced on a background thread one
// frame ahead of the consumer (decoding and stitching overlap the networks).
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <thread>

#include "ipt/geometry/panorama.h"
#include "ipt/io/match_dir.h"

namespace ipt::pipeline {

struct StitchedFrame {
  int frame = 0;            // 1-based
  cv::Mat left, right;      // source camera frames (BGR), for crops
  cv::Mat panorama;         // BGR, panorama size
};

class FrameSource {
 public:
  // Frames 1 .. max_frames (0 = all) of `match`.
  FrameSource(const io::MatchDir& match, const geometry::Panorama& panorama, int max_frames = 0, int depth = 2);
  ~FrameSource();
  // The next frame; false after the last. Rethrows a decoding error.
  bool Next(StitchedFrame* out);
  int frame_count() const { return frame_count_; }
  double decode_seconds() const { return decode_seconds_; }  // decode + stitch, summed (background thread)

 private:
  void Run();
  io::MatchVideos videos_;
  std::string videos_named_;  // "left.mp4, right.mp4" with their directory, for errors
  const geometry::Panorama& panorama_;
  int frame_count_;
  size_t depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StitchedFrame> queue_;
  bool done_ = false, stop_ = false;
  std::exception_ptr error_;
  double decode_seconds_ = 0;
  std::thread thread_;
};

}  // namespace ipt::pipeline
