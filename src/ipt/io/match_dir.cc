#include "ipt/io/match_dir.h"

#include <algorithm>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::io {
namespace fs = std::filesystem;

std::vector<Annotation> MatchDir::FrameAnnotations(int frame) const {
  std::vector<Annotation> rows;
  if (!annotations) return rows;
  auto lo = std::lower_bound(annotations->begin(), annotations->end(), frame,
                             [](const Annotation& a, int f) { return a.frame < f; });
  for (auto it = lo; it != annotations->end() && it->frame == frame; ++it) rows.push_back(*it);
  return rows;
}

std::vector<fs::path> MatchDir::InputFiles() const {
  std::vector<fs::path> files = {dir / kMatchYamlName, dir / kAnnotationsCsvName};
  for (size_t c = 0; c < info.cameras.size(); ++c) files.push_back(VideoPath(static_cast<int>(c)));
  return files;
}

std::vector<fs::path> FindMatchDirs(const fs::path& root) {
  if (!fs::is_directory(root)) throw InputError(root.string(), 0, "", "is not a directory of matches");
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root)) {
    // A match being written (or left by a killed writer) is not a match yet.
    if (IsTemporaryName(e.path().filename().string())) continue;
    if (e.is_directory() && fs::is_regular_file(e.path() / kMatchYamlName)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

MatchDir OpenMatchDir(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir.string(), 0, "", "match directory does not exist");
  MatchDir m;
  m.dir = dir;
  m.info = ReadMatchYaml(dir / kMatchYamlName);
  for (size_t c = 0; c < m.info.cameras.size(); ++c) {
    const auto& in = m.info.cameras[c].camera.intrinsics();
    VideoReader check(m.VideoPath(static_cast<int>(c)), m.info.frame_count, cv::Size(in.width_px, in.height_px));
  }
  fs::path csv = dir / kAnnotationsCsvName;
  if (fs::exists(csv)) {
    m.annotations = ReadAnnotationsCsv(csv, m.info.frame_count);
    CheckAnnotationsAgainstRoster(*m.annotations, m.info, csv);
  }
  return m;
}

MatchVideos::MatchVideos(const MatchDir& match) {
  for (int c = 0; c < 2; ++c) {
    const auto& in = match.info.cameras[c].camera.intrinsics();
    readers_[c] = std::make_unique<VideoReader>(match.VideoPath(c), match.info.frame_count,
                                                cv::Size(in.width_px, in.height_px));
  }
}

bool MatchVideos::Read(cv::Mat* left, cv::Mat* right) {
  bool a = readers_[0]->Read(left), b = readers_[1]->Read(right);
  IPT_CHECK(a == b, "the two camera videos ended at different frames");
  return a;
}

void MatchVideos::Seek(int frame) {
  for (auto& r : readers_) r->Seek(frame - 1);
}

}  // namespace ipt::io
