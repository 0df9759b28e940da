#include "ipt/tracking/name_splices.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "ipt/tracking/track_attributes.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {

void NameSpliceOptions::Check() const {
  IPT_CHECK(std::isfinite(max_overlap_seconds) && max_overlap_seconds >= 0 &&
                max_overlap_seconds <= limits::kMaxMatchSeconds,
            "max_overlap_seconds must be in [0, {}], got {}", limits::kMaxMatchSeconds, max_overlap_seconds);
  IPT_CHECK(std::isfinite(max_jump_m) && max_jump_m >= 0 && max_jump_m <= kMaxSpliceJumpM,
            "max_jump_m must be in [0, {}], got {}", kMaxSpliceJumpM, max_jump_m);
}

namespace {

double Distance(const eval::PipelineRow& a, const eval::PipelineRow& b) { return std::hypot(a.x_m - b.x_m, a.z_m - b.z_m); }

// The roster entry a track's number names in its team (the roster look-up's rule; `row` one
// of its rows, `frames` its span).
const io::RosterEntry* EntryOfNumber(const eval::PipelineRow& row, const io::FrameSpan& frames,
                                     const io::MatchInfo& match) {
  if (!row.jersey || !row.category) return nullptr;
  const std::optional<int> player = LookUpPlayerId(match, *row.category, *row.jersey, frames);
  if (!player) return nullptr;
  for (const io::RosterEntry& e : match.roster)
    if (e.player_id == *player) return &e;
  return nullptr;
}

}  // namespace

NameSpliceResult SpliceNames(std::vector<eval::PipelineRow>& rows, const io::MatchInfo& match,
                             const NameSpliceOptions& options, int64_t* next_track_id) {
  options.Check();
  IPT_CHECK(match.fps > 0, "fps must be > 0");
  IPT_ASSERT(next_track_id != nullptr);
  NameSpliceResult result;
  if (!options.enabled()) return result;
  const int max_overlap_frames = static_cast<int>(std::floor(options.max_overlap_seconds * match.fps));

  // Rows of each track by frame; a track's rows share their name and number here.
  std::map<int64_t, std::vector<size_t>> rows_of;
  for (size_t i = 0; i < rows.size(); ++i) rows_of[rows[i].track_id].push_back(i);
  for (auto& [id, ix] : rows_of) {
    std::sort(ix.begin(), ix.end(), [&](size_t a, size_t b) { return rows[a].frame < rows[b].frame; });
    for (size_t k = 1; k < ix.size(); ++k)
      IPT_CHECK(rows[ix[k]].frame != rows[ix[k - 1]].frame, "track {} has two rows in frame {}", id, rows[ix[k]].frame);
  }
  auto first = [&](int64_t id) { return rows[rows_of.at(id).front()].frame; };
  auto last = [&](int64_t id) { return rows[rows_of.at(id).back()].frame; };
  std::map<int, std::set<int64_t>> named;  // player -> tracks named after him
  struct Candidate {
    int first_frame;
    int64_t track;
    const io::RosterEntry* entry;
  };
  std::vector<Candidate> candidates;  // B tracks: named, or unnamed with a roster number
  for (const auto& [id, ix] : rows_of) {
    const eval::PipelineRow& r = rows[ix.front()];
    const io::RosterEntry* entry = nullptr;
    if (r.player_id) {
      named[*r.player_id].insert(id);
      for (const io::RosterEntry& e : match.roster)
        if (e.player_id == *r.player_id) entry = &e;
    } else {
      entry = EntryOfNumber(r, {r.frame, rows[ix.back()].frame}, match);
    }
    if (entry) candidates.push_back({r.frame, id, entry});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& x, const Candidate& y) { return x.first_frame < y.first_frame; });

  for (const Candidate& c : candidates) {
    const int64_t x = c.track;
    const int player = c.entry->player_id;
    // The best splice of x with a track named after the player that it overlaps: A the one
    // that starts first, B the other.
    double best_jump = 0;
    std::optional<std::pair<int64_t, int64_t>> best;  // (A, B)
    bool best_cuts_tail = false;
    // The shortest jump within the limit; on a tie the first found (tail before head).
    auto consider = [&](double jump, int64_t a, int64_t b, bool cuts_tail) {
      if (jump > options.max_jump_m || (best && jump >= best_jump)) return;
      best_jump = jump, best = {a, b}, best_cuts_tail = cuts_tail;
    };
    for (int64_t y : named[player]) {
      if (y == x || first(y) == first(x)) continue;
      const int64_t a = first(x) < first(y) ? x : y, b = a == x ? y : x;
      if (!(last(a) < last(b))) continue;
      const int overlap = last(a) - first(b) + 1;
      if (overlap < 1 || overlap > max_overlap_frames) continue;
      const std::vector<size_t>& a_rows = rows_of.at(a);
      const std::vector<size_t>& b_rows = rows_of.at(b);
      // (i) A's last row before B starts -> B's first row.
      const auto a_before = std::partition_point(a_rows.begin(), a_rows.end(),
                                                 [&](size_t i) { return rows[i].frame < first(b); });
      const double tail_jump = Distance(rows[*(a_before - 1)], rows[b_rows.front()]);
      // (ii) A's last row -> B's first row after A ends.
      const auto b_after = std::partition_point(b_rows.begin(), b_rows.end(),
                                                [&](size_t i) { return rows[i].frame <= last(a); });
      const double head_jump = Distance(rows[a_rows.back()], rows[*b_after]);
      consider(tail_jump, a, b, true);
      consider(head_jump, a, b, false);
    }
    if (!best) continue;
    const int64_t a = best->first, b = best->second;  // (lambdas capture no structured binding)
    // The player's frames after the splice: A's up to the cut, B's from it. They must meet
    // no other row named after him.
    const int from = first(a), to = last(b);
    const bool clash = std::any_of(named[player].begin(), named[player].end(), [&](int64_t other) {
      return other != a && other != b && first(other) <= to && last(other) >= from;
    });
    if (clash) continue;
    const int named_from = best_cuts_tail ? first(b) : last(a) + 1;  // B's named part
    const int64_t piece = (*next_track_id)++;
    std::vector<size_t>& cut_rows = rows_of.at(best_cuts_tail ? a : b);
    const auto cut_begin = best_cuts_tail ? std::partition_point(cut_rows.begin(), cut_rows.end(),
                                                                 [&](size_t i) { return rows[i].frame < first(b); })
                                          : cut_rows.begin();
    const auto cut_end = best_cuts_tail ? cut_rows.end()
                                        : std::partition_point(cut_rows.begin(), cut_rows.end(),
                                                               [&](size_t i) { return rows[i].frame <= last(a); });
    std::vector<size_t> piece_rows(cut_begin, cut_end);
    cut_rows.erase(cut_begin, cut_end);
    for (size_t i : piece_rows) {
      rows[i].track_id = piece;
      rows[i].player_id.reset();
      rows[i].jersey.reset();
    }
    for (size_t i : rows_of.at(x)) {
      rows[i].player_id = player;
      rows[i].jersey = c.entry->jersey;
    }
    rows_of[piece] = std::move(piece_rows);
    named[player].insert(x);
    ++result.splices;
    result.tails_cut += best_cuts_tail;
    spdlog::debug("player {}: track {} spliced to track {} at frame {} ({} cut off as track {}, jump {:.2f} m)", player,
                  a, b, named_from, best_cuts_tail ? "the first one's tail" : "the second one's head", piece, best_jump);
  }
  return result;
}

}  // namespace ipt::tracking
