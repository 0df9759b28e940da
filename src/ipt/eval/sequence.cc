#include "ipt/eval/sequence.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

// Fills frames[f - 1] from rows, relabelling ids by ascending original id.
int Fill(const std::vector<TrackRow>& rows, const std::string& file, std::vector<FrameDetections>* frames) {
  std::map<int64_t, int> relabel;
  for (const auto& r : rows) relabel.emplace(r.id, 0);
  int next = 0;
  for (auto& [id, label] : relabel) label = next++;
  std::vector<std::set<int>> seen(frames->size());
  for (const auto& r : rows) {
    int label = relabel[r.id];
    if (!seen[r.frame - 1].insert(label).second) {
      throw InputError(file, r.line, "id", fmt::format("id {} appears more than once in frame {}", r.id, r.frame));
    }
    FrameDetections& f = (*frames)[r.frame - 1];
    f.ids.push_back(label);
    f.geometry.push_back(r.geometry);
    if (!r.key.empty()) f.keys.push_back(r.key);
  }
  for (const auto& f : *frames) {
    IPT_CHECK(f.keys.empty() || f.keys.size() == f.ids.size(), "{}: identity keys missing on some rows", file);
  }
  return next;
}

}  // namespace

Sequence BuildSequence(const std::string& name, const std::vector<TrackRow>& gt_rows,
                       const std::vector<TrackRow>& pred_rows, const std::string& gt_file,
                       const std::string& pred_file, int min_frames) {
  Sequence s;
  s.name = name;
  int last = min_frames;
  for (const auto* rows : {&gt_rows, &pred_rows}) {
    for (const auto& r : *rows) {
      IPT_CHECK(r.frame >= 1, "frame numbers start at 1, got {}", r.frame);
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
