#include "ipt/tracking/chunked_tracking.h"

#include <Eigen/Core>
#include <algorithm>
#include <map>
#include <set>

#include "ipt/eval/assignment.h"
#include "ipt/util/check.h"

namespace ipt::tracking {

void ChunkedTrackingOptions::Check() const {
  graph.Check();
  IPT_CHECK(overlap_frames >= 0 && overlap_frames < graph.chunk_frames && overlap_frames % 2 == 0,
            "overlap_frames must be even and in [0, chunk_frames) (got {})", overlap_frames);
  IPT_CHECK(min_track_detections >= 1 && min_track_detections <= 10000, "min_track_detections must be in [1, 10000]");
  IPT_CHECK(handover_radius_m >= 0 && handover_radius_m <= 5, "handover_radius_m must be in [0, 5]");
  IPT_CHECK(handover_frames >= 1 && handover_frames <= graph.chunk_frames, "handover_frames must be in [1, chunk_frames]");
}

ChunkTracks MergeHandovers(const ChunkDetections& d, ChunkTracks tracks, double radius_m, int max_overlap_frames) {
  if (radius_m <= 0) return tracks;
  auto& t = tracks.tracklets;
  auto& p = tracks.category_probabilities;
  const int K = io::kNumCategories;
  const auto first = [&](int i) { return d.frame[t[i].front()]; };
  const auto last = [&](int i) { return d.frame[t[i].back()]; };
  // Does b take over from a? They must share at least one frame of the overlap, and be
  // within the radius in every shared frame.
  const auto hands_over = [&](int a, int b) {
    if (t[a].empty() || t[b].empty() || first(b) > last(a) || first(b) < first(a) || last(b) <= last(a)) return false;
    if (last(a) - first(b) + 1 > max_overlap_frames) return false;
    std::map<int, int> a_row_at;
    for (int r : t[a]) {
      if (d.frame[r] >= first(b)) a_row_at[d.frame[r]] = r;
    }
    int shared = 0;
    for (int r : t[b]) {
      if (d.frame[r] > last(a)) break;
      const auto it = a_row_at.find(d.frame[r]);
      if (it == a_row_at.end()) continue;
      if ((d.foot_in_pitch_m[it->second] - d.foot_in_pitch_m[r]).norm() >= radius_m) return false;
      ++shared;
    }
    return shared > 0;
  };
  for (bool merged = true; merged;) {
    merged = false;
    for (int a = 0; a < static_cast<int>(t.size()) && !merged; ++a) {
      for (int b = 0; b < static_cast<int>(t.size()) && !merged; ++b) {
        if (a == b || !hands_over(a, b)) continue;
        const double na = static_cast<double>(t[a].size());
        // b's detections in frames where a has none (after a's end, or in a gap of a's).
        std::set<int> a_frames;
        for (int r : t[a]) a_frames.insert(d.frame[r]);
        Tracklet rest;
        for (int r : t[b]) {
          if (!a_frames.count(d.frame[r])) rest.push_back(r);
        }
        const double nb = static_cast<double>(rest.size());
        if (!p.empty()) {
          for (int c = 0; c < K; ++c) {
            p[size_t(a) * K + c] = static_cast<float>((na * p[size_t(a) * K + c] + nb * p[size_t(b) * K + c]) / (na + nb));
          }
          p.erase(p.begin() + size_t(b) * K, p.begin() + size_t(b + 1) * K);
        }
        t[a].insert(t[a].end(), rest.begin(), rest.end());
        std::sort(t[a].begin(), t[a].end());  // rows are in frame order
        t.erase(t.begin() + b);
        merged = true;
      }
    }
  }
  return tracks;
}

MatchTracks TrackInChunks(const std::vector<int>& frame_of_row, int num_frames, const ChunkLoader& load,
                          const ChunkedTrackingOptions& o, const MatchScale& scale, const EdgeScorer& scorer,
                          const ProgressFn& progress) {
  o.Check();
  scale.Check();
  const int64_t rows = static_cast<int64_t>(frame_of_row.size());
  for (int64_t r = 0; r < rows; ++r) {
    IPT_CHECK(frame_of_row[r] >= 1 && frame_of_row[r] <= num_frames && (r == 0 || frame_of_row[r] >= frame_of_row[r - 1]),
              "TrackInChunks: row {}: frame {} out of order or past {}", r, frame_of_row[r], num_frames);
  }
  MatchTracks out;
  out.track_id.assign(rows, -1);
  const int chunk = o.graph.chunk_frames, stride = chunk - o.overlap_frames, half_overlap = o.overlap_frames / 2;
  auto first_row_at = [&](int frame) {
    return std::lower_bound(frame_of_row.begin(), frame_of_row.end(), frame) - frame_of_row.begin();
  };
  int64_t next_id = 1;
  std::vector<int64_t> ids_before;  // the previous chunk's ids of the rows of its overlap with this chunk
  int64_t ids_before_first_row = 0;
  std::map<int64_t, std::vector<double>> category_sum;  // global id -> sum over rows
  for (int start = 1; start <= std::max(num_frames, 1); start += stride) {
    const int last = std::min(start + chunk - 1, num_frames);
    const bool final_chunk = last == num_frames;
    const int decide_from = start == 1 ? 1 : start + half_overlap;
    const int decide_to = final_chunk ? num_frames : start + stride + half_overlap - 1;
    const int64_t begin = first_row_at(start), end = first_row_at(last + 1);
    const ChunkDetections detections = load(begin, end);
    IPT_CHECK(detections.size() == end - begin, "chunk loader gave {} rows for {}", detections.size(), end - begin);
    out.max_chunk_detections = std::max(out.max_chunk_detections, end - begin);
    const ChunkTracks tracks = MergeHandovers(detections, TrackChunk(detections, start, o.graph, scale, scorer, o.rounding),
                                              o.handover_radius_m, o.handover_frames);
    ++out.chunks;
    const int n_local = static_cast<int>(tracks.tracklets.size());
    std::vector<int> local_of_row(end - begin, -1);
    for (int t = 0; t < n_local; ++t) {
      for (int r : tracks.tracklets[t]) local_of_row[r] = t;
    }
    // Stitch: shared detections with the previous chunk's ids in the overlap.
    std::vector<int64_t> global_of_local(n_local, -1);
    if (!ids_before.empty()) {
      std::vector<int64_t> before_ids;
      std::map<int64_t, int> column;
      for (int64_t id : ids_before) {
        if (id >= 0 && !column.count(id)) {
          column[id] = static_cast<int>(before_ids.size());
          before_ids.push_back(id);
        }
      }
      if (!before_ids.empty() && n_local > 0) {
        Eigen::MatrixXd shared = Eigen::MatrixXd::Zero(n_local, before_ids.size());
        for (size_t i = 0; i < ids_before.size(); ++i) {
          const int64_t r = ids_before_first_row + static_cast<int64_t>(i) - begin;
          if (ids_before[i] < 0 || r < 0 || r >= end - begin || local_of_row[r] < 0) continue;
          shared(local_of_row[r], column[ids_before[i]]) += 1;
        }
        for (const auto& [t, c] : eval::LinearSumAssignment(shared, /*maximize=*/true)) {
          if (shared(t, c) > 0) global_of_local[t] = before_ids[c];
        }
      }
    }
    // Ids for the new tracks, in order of their first detection (tracklets are ordered so).
    for (int t = 0; t < n_local; ++t) {
      if (global_of_local[t] < 0) global_of_local[t] = next_id++;
    }
    // Decide this chunk's frames.
    const int64_t decide_begin = first_row_at(decide_from), decide_end = first_row_at(decide_to + 1);
    for (int64_t r = decide_begin; r < decide_end; ++r) {
      const int t = local_of_row[r - begin];
      if (t < 0) continue;
      out.track_id[r] = global_of_local[t];
      if (!tracks.category_probabilities.empty()) {
        auto& sum = category_sum[global_of_local[t]];
        sum.resize(io::kNumCategories, 0);
        for (int c = 0; c < io::kNumCategories; ++c) sum[c] += tracks.category_probabilities[size_t(t) * io::kNumCategories + c];
      }
    }
    // Remember this chunk's ids over its overlap with the next one.
    if (!final_chunk) {
      const int64_t overlap_begin = first_row_at(start + stride);
      ids_before_first_row = overlap_begin;
      ids_before.assign(end - overlap_begin, -1);
      for (int64_t r = overlap_begin; r < end; ++r) {
        if (local_of_row[r - begin] >= 0) ids_before[r - overlap_begin] = global_of_local[local_of_row[r - begin]];
      }
    }
    if (progress) progress(decide_to, num_frames);
    if (final_chunk) break;
  }
  // Drop short tracks; renumber in order of first detection.
  std::map<int64_t, int64_t> count;
  for (int64_t id : out.track_id) {
    if (id >= 0) ++count[id];
  }
  std::map<int64_t, int64_t> renumbered;
  for (int64_t& id : out.track_id) {
    if (id < 0) continue;
    if (count[id] < o.min_track_detections) {
      id = -1;
      continue;
    }
    auto [it, inserted] = renumbered.emplace(id, static_cast<int64_t>(renumbered.size()) + 1);
    id = it->second;
  }
  out.num_tracks = static_cast<int64_t>(renumbered.size());
  if (!category_sum.empty()) {
    out.category_probabilities.assign(out.num_tracks * io::kNumCategories, 0);
    for (const auto& [old_id, new_id] : renumbered) {
      const auto& sum = category_sum[old_id];
      double total = 0;
      for (double v : sum) total += v;
      for (int c = 0; c < io::kNumCategories; ++c) {
        out.category_probabilities[(new_id - 1) * io::kNumCategories + c] =
            total > 0 ? static_cast<float>(sum[c] / total) : 1.f / io::kNumCategories;
      }
    }
  }
  return out;
}

}  // namespace ipt::tracking
