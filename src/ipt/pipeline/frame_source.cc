#include "ipt/pipeline/frame_source.h"

#include "ipt/util/check.h"
#include "ipt/util/resources.h"

namespace ipt::pipeline {

FrameSource::FrameSource(const io::MatchDir& match, const geometry::Panorama& panorama, int max_frames, int depth)
    : videos_(match),
      videos_named_(match.VideoPath(0).string() + ", " + match.VideoPath(1).string()),
      panorama_(panorama),
      frame_count_(max_frames > 0 ? std::min(max_frames, match.info.frame_count) : match.info.frame_count),
      depth_(static_cast<size_t>(std::max(1, depth))) {
  thread_ = std::thread([this] { Run(); });
}

FrameSource::~FrameSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void FrameSource::Run() {
  try {
    for (int f = 1; f <= frame_count_; ++f) {
      StitchedFrame frame;
      frame.frame = f;
      Stopwatch watch;
      // A video shorter than match.yaml says is a truncated file: an error, not an early end.
      IPT_CHECK(videos_.Read(&frame.left, &frame.right),
                "{}: the videos end after frame {} of {} (truncated?)", videos_named_,
                f - 1, frame_count_);
      panorama_.Stitch(frame.left, frame.right, &frame.panorama);
      std::unique_lock<std::mutex> lock(mu_);
      decode_seconds_ += watch.Seconds();
      cv_.wait(lock, [&] { return stop_ || queue_.size() < depth_; });
      if (stop_) return;
      queue_.push_back(std::move(frame));
      cv_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  cv_.notify_all();
}

bool FrameSource::Next(StitchedFrame* out) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || done_; });
  if (!queue_.empty()) {
    *out = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    return true;
  }
  if (error_) std::rethrow_exception(error_);
  return false;
}

}  // namespace ipt::pipeline
