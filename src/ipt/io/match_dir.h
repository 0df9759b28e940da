// Opening a match directory as a whole: match.yaml, both videos checked against
// it (frame count, image size), and annotations.csv (if present) checked
// against the roster. Works the same on synthetic and real matches.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "ipt/io/annotations.h"
#include "ipt/io/match.h"
#include "ipt/io/video.h"

namespace ipt::io {

struct MatchDir {
  std::filesystem::path dir;
  MatchInfo info;
  std::optional<std::vector<Annotation>> annotations;  // empty when no annotations.csv

  std::filesystem::path VideoPath(int camera_index) const { return dir / info.cameras.at(camera_index).video; }
  // Every file of the match a command reads (match.yaml, the videos, annotations.csv):
  // what no output may overwrite.
  std::vector<std::filesystem::path> InputFiles() const;
  // Rows of one frame (1-based); empty without annotations.
  std::vector<Annotation> FrameAnnotations(int frame) const;
};

// The match directories directly under `root` (those holding match.yaml), sorted.
// Throws InputError when `root` is not a directory.
std::vector<std::filesystem::path> FindMatchDirs(const std::filesystem::path& root);

// Throws InputError naming the offending file.
MatchDir OpenMatchDir(const std::filesystem::path& dir);

// Both camera videos, read in lock-step.
class MatchVideos {
 public:
  explicit MatchVideos(const MatchDir& match);
  // Next frame pair; false after the last frame.
  bool Read(cv::Mat* left, cv::Mat* right);
  // Next Read returns frame `frame` (1-based).
  void Seek(int frame);
  int frame_count() const { return readers_[0]->frame_count(); }

 private:
  std::unique_ptr<VideoReader> readers_[2];
};

}  // namespace ipt::io
