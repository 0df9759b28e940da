// Video files of a match (OpenCV's FFmpeg backend). Frames are BGR, 8-bit.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "ipt/util/atomic_path.h"

namespace ipt::io {

// Reads a video and checks it against what match.yaml promises. Throws
// InputError naming the file on a missing/unreadable file, a frame count or
// size that differs, and on a frame that cannot be decoded (truncated file).
class VideoReader {
 public:
  // expected_frames / expected_size <= 0: not checked.
  VideoReader(const std::filesystem::path& path, int expected_frames, cv::Size expected_size);
  // Next frame into *bgr; false after the last frame.
  bool Read(cv::Mat* bgr);
  // Positions the reader so that the next Read returns frame `index` (0-based).
  void Seek(int index);
  int frame_count() const { return frame_count_; }
  double fps() const { return fps_; }
  cv::Size size() const { return size_; }

 private:
  std::string path_;
  cv::VideoCapture capture_;
  int frame_count_ = 0;
  int next_ = 0;
  double fps_ = 0;
  cv::Size size_;
};

// Writes a video to a temporary sibling and renames it into place on Close().
// Destroyed without Close(): nothing appears at `path`.
class VideoWriter {
 public:
  // codec: a FourCC such as "mp4v" (fast, default) or "avc1" (H.264, smaller, slower).
  VideoWriter(const std::filesystem::path& path, double fps, cv::Size size,
              const std::string& codec = "mp4v");
  void Write(const cv::Mat& bgr);
  void Close();
  int frames_written() const { return frames_; }

 private:
  AtomicPath out_;
  cv::VideoWriter writer_;
  cv::Size size_;
  int frames_ = 0;
};

}  // namespace ipt::io
