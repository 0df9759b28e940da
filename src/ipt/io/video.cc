#include "ipt/io/video.h"

#include <fmt/format.h>

#include "ipt/util/check.h"
#include "ipt/util/paths.h"

#include <limits>

namespace ipt::io {

VideoReader::VideoReader(const std::filesystem::path& path, int expected_frames, cv::Size expected_size)
    : path_(path.string()) {
  if (!std::filesystem::exists(path)) throw InputError(path_, 0, "", "video file is missing");
  CheckRegularFile(path, std::numeric_limits<int64_t>::max());  // a FIFO or device would block or never end
  if (!capture_.open(path_, cv::CAP_FFMPEG) || !capture_.isOpened()) {
    throw InputError(path_, 0, "", "cannot open video (unreadable or truncated file)");
  }
  frame_count_ = static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_COUNT));
  fps_ = capture_.get(cv::CAP_PROP_FPS);
  size_ = cv::Size(static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH)),
                   static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT)));
  if (expected_frames > 0 && frame_count_ != expected_frames) {
    throw InputError(path_, 0, "frame_count",
                     fmt::format("video has {} frames, match.yaml says {}", frame_count_, expected_frames));
  }
  if (expected_size.area() > 0 && size_ != expected_size) {
    throw InputError(path_, 0, "width_px/height_px",
                     fmt::format("video is {}x{}, the calibration says {}x{}", size_.width, size_.height,
                                 expected_size.width, expected_size.height));
  }
}

bool VideoReader::Read(cv::Mat* bgr) {
  if (next_ >= frame_count_) return false;
  if (!capture_.read(*bgr) || bgr->empty()) {
    throw InputError(path_, 0, "", fmt::format("cannot decode frame {} of {} (truncated or corrupt video)",
                                               next_ + 1, frame_count_));
  }
  ++next_;
  return true;
}

void VideoReader::Seek(int index) {
  IPT_CHECK(index >= 0 && index < frame_count_, "{}: frame {} is outside 1..{}", path_, index + 1,
            frame_count_);
  if (index == next_) return;
  capture_.set(cv::CAP_PROP_POS_FRAMES, index);
  next_ = index;
}

VideoWriter::VideoWriter(const std::filesystem::path& path, double fps, cv::Size size,
                         const std::string& codec)
    : out_(path), size_(size) {
  IPT_CHECK(codec.size() == 4, "codec must be a FourCC such as mp4v, got '{}'", codec);
  int fourcc = cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]);
  writer_.open(out_.temp().string(), cv::CAP_FFMPEG, fourcc, fps, size, true);
  IPT_CHECK(writer_.isOpened(), "cannot open a {} video writer for {}", codec, path.string());
}

void VideoWriter::Write(const cv::Mat& bgr) {
  IPT_CHECK(bgr.size() == size_ && bgr.type() == CV_8UC3, "video frame is {}x{}, writer expects {}x{} BGR",
            bgr.cols, bgr.rows, size_.width, size_.height);
  writer_.write(bgr);
  ++frames_;
}

void VideoWriter::Close() {
  writer_.release();
  out_.Commit();
}

}  // namespace ipt::io
