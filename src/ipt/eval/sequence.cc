#include "ipt/eval/sequence.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::eval {
namespace {

// Fills frames[f - 1] from rows, relabelling ids by ascending original id.
int Fill(const std::vector<TrackRow>& rows, const std::string& file, std::vector<FrameDetections>* frames) {
  std::vector<int64_t> ids;
  ids.reserve(rows.size());
  for (const auto& r : rows) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::unordered_map<int64_t, int> relabel;
  relabel.reserve(ids.size() * 2);
  for (size_t k = 0; k < ids.size(); ++k) relabel.emplace(ids[k], static_cast<int>(k));
  for (const auto& r : rows) {
    const int label = relabel.at(r.id);
    FrameDetections& f = (*frames)[r.frame - 1];
    // A frame holds a few dozen people: a scan beats a set.
    if (std::find(f.ids.begin(), f.ids.end(), label) != f.ids.end()) {
      throw InputError(file, r.line, "id", fmt::format("id {} appears more than once in frame {}", r.id, r.frame));
    }
    f.ids.push_back(label);
    f.geometry.push_back(r.geometry);
    if (!r.key.empty()) f.keys.push_back(r.key);
  }
  for (const auto& f : *frames) {
    IPT_CHECK(f.keys.empty() || f.keys.size() == f.ids.size(), "{}: identity keys missing on some rows", file);
  }
  return static_cast<int>(ids.size());
}

}  // namespace

Sequence BuildSequence(const std::string& name, const std::vector<TrackRow>& gt_rows,
                       const std::vector<TrackRow>& pred_rows, const std::string& gt_file,
                       const std::string& pred_file, int min_frames) {
  Sequence s;
  s.name = name;
  // The sequence holds one timestep per frame up to the last: bound it before allocating.
  IPT_CHECK(min_frames <= limits::kMaxFrames, "{}: {} frames, more than the {} ipt evaluates", gt_file, min_frames,
            limits::kMaxFrames);
  int last = min_frames;
  for (const auto& [rows, file] : {std::pair{&gt_rows, &gt_file}, std::pair{&pred_rows, &pred_file}}) {
    for (const auto& r : *rows) {
      if (r.frame < 1) throw InputError(*file, r.line, "frame", fmt::format("frame numbers start at 1, got {}", r.frame));
      if (r.frame > limits::kMaxFrames) {
        throw InputError(*file, r.line, "frame",
                         fmt::format("frame {} is past the last frame ipt evaluates ({})", r.frame,
                                     limits::kMaxFrames));
      }
      last = std::max(last, r.frame);
    }
  }
  s.gt.resize(last);
  s.pred.resize(last);
  s.num_gt_ids = Fill(gt_rows, gt_file, &s.gt);
  s.num_pred_ids = Fill(pred_rows, pred_file, &s.pred);
  s.num_gt_dets = static_cast<int64_t>(gt_rows.size());
  s.num_pred_dets = static_cast<int64_t>(pred_rows.size());
  return s;
}

}  // namespace ipt::eval
