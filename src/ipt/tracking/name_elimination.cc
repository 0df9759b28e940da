#include "ipt/tracking/name_elimination.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <spdlog/spdlog.h>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt::tracking {
namespace {
// The options' bounds: beyond them, anyone reaches anywhere.
constexpr double kMaxEliminationSpeedMps = 50.0;
constexpr double kMaxEliminationSlackM = 100.0;
constexpr double kMaxEliminationHandoverSeconds = 10.0;  // as IdentityOptions::max_handover_seconds
}  // namespace

void NameEliminationOptions::Check() const {
  IPT_CHECK(InRange(min_seconds, 0, limits::kMaxMatchSeconds), "name_elimination_min_seconds must be in [0, {}], got {}",
            limits::kMaxMatchSeconds, min_seconds);
  IPT_CHECK(InRange(max_speed_mps, 0, kMaxEliminationSpeedMps) && max_speed_mps > 0,
            "name_elimination_max_speed_mps must be in (0, {}], got {}", kMaxEliminationSpeedMps, max_speed_mps);
  IPT_CHECK(InRange(position_slack_m, 0, kMaxEliminationSlackM), "name_elimination_position_slack_m must be in [0, {}], got {}",
            kMaxEliminationSlackM, position_slack_m);
  IPT_CHECK(InRange(max_handover_seconds, 0, kMaxEliminationHandoverSeconds),
            "name_elimination_max_handover_seconds must be in [0, {}], got {}", kMaxEliminationHandoverSeconds,
            max_handover_seconds);
}

namespace {

// One track's rows, by frame, and what they share.
struct Track {
  int64_t id = 0;
  std::vector<size_t> rows;  // by frame
  int first_frame = 0, last_frame = 0;
};

}  // namespace

NameEliminationResult NameByElimination(std::vector<eval::PipelineRow>& rows, const io::MatchInfo& match,
                                        const NameEliminationOptions& options) {
  options.Check();
  IPT_CHECK(match.fps > 0, "fps must be > 0");
  NameEliminationResult result;
  if (!options.enabled()) return result;

  std::map<int64_t, Track> tracks;
  for (size_t i = 0; i < rows.size(); ++i) tracks[rows[i].track_id].rows.push_back(i);
  for (auto& [id, t] : tracks) {
    std::sort(t.rows.begin(), t.rows.end(), [&](size_t a, size_t b) { return rows[a].frame < rows[b].frame; });
    t.id = id;
    t.first_frame = rows[t.rows.front()].frame;
    t.last_frame = rows[t.rows.back()].frame;
  }
  // Per player, his named tracks by first frame.
  std::map<int, std::vector<const Track*>> named;
  std::vector<const Track*> unnamed;
  const double min_frames = options.min_seconds * match.fps;
  for (const auto& [id, t] : tracks) {
    const eval::PipelineRow& r = rows[t.rows.front()];
    if (r.player_id) {
      named[*r.player_id].push_back(&t);
    } else if (r.category && t.last_frame - t.first_frame + 1 >= min_frames) {
      unnamed.push_back(&t);
    }
  }
  auto by_first = [](const Track* a, const Track* b) { return a->first_frame < b->first_frame; };
  for (auto& [player, v] : named) std::sort(v.begin(), v.end(), by_first);
  // Most rows first; ties by id (deterministic).
  std::stable_sort(unnamed.begin(), unnamed.end(), [](const Track* a, const Track* b) {
    return a->rows.size() > b->rows.size();
  });

  auto distance_m = [&](size_t a, size_t b) {
    return std::hypot(rows[a].x_m - rows[b].x_m, rows[a].z_m - rows[b].z_m);
  };
  // Over a gap, or over the overlap of a hand-over (the identity resolver's Reachable).
  auto reach_m = [&](int from_frame, int to_frame) {
    return options.position_slack_m + options.max_speed_mps * std::abs(to_frame - from_frame) / match.fps;
  };
  const int handover_frames = static_cast<int>(std::floor(options.max_handover_seconds * match.fps));
  // Whether the player's path can run through u: no track of his spans a frame of u's span
  // but by a hand-over at one end, and his last row before u and first row after it are
  // within reach.
  auto path_passes = [&](const std::vector<const Track*>& his, const Track& u) {
    const Track* before = nullptr;
    const Track* after = nullptr;
    for (const Track* t : his) {
      const bool meets = t->last_frame >= u.first_frame && t->first_frame <= u.last_frame;
      const bool hands_over_to_u = t->first_frame < u.first_frame && t->last_frame < u.last_frame &&
                                   t->last_frame - u.first_frame < handover_frames;
      const bool takes_over_from_u = t->first_frame > u.first_frame && t->last_frame > u.last_frame &&
                                     u.last_frame - t->first_frame < handover_frames;
      if (meets && !hands_over_to_u && !takes_over_from_u) return false;
      if (t->last_frame < u.last_frame && t->first_frame < u.first_frame &&
          (!before || t->last_frame > before->last_frame))
        before = t;
      if (t->first_frame > u.first_frame && t->last_frame > u.last_frame &&
          (!after || t->first_frame < after->first_frame))
        after = t;
    }
    if (before && distance_m(before->rows.back(), u.rows.front()) > reach_m(before->last_frame, u.first_frame))
      return false;
    if (after && distance_m(u.rows.back(), after->rows.front()) > reach_m(u.last_frame, after->first_frame))
      return false;
    return true;
  };

  const std::vector<const Track*> none;
  for (const Track* u : unnamed) {
    const io::Category category = *rows[u->rows.front()].category;
    const io::RosterEntry* only = nullptr;
    int candidates = 0;
    for (const io::RosterEntry& e : match.roster) {
      if (e.category != category || !e.jersey || !match.PlaysThroughout(e, {u->first_frame, u->last_frame})) continue;
      auto it = named.find(e.player_id);
      if (!path_passes(it == named.end() ? none : it->second, *u)) continue;
      only = &e;
      if (++candidates > 1) break;
    }
    if (candidates != 1) continue;
    for (size_t i : u->rows) {
      rows[i].player_id = only->player_id;
      rows[i].jersey = only->jersey;
    }
    auto& his = named[only->player_id];
    his.insert(std::upper_bound(his.begin(), his.end(), u, by_first), u);
    ++result.tracks_named;
    result.rows_named += static_cast<int64_t>(u->rows.size());
    spdlog::debug("track {} ({} rows, frames {}-{}) named player {} by elimination", u->id, u->rows.size(),
                  u->first_frame, u->last_frame, only->player_id);
  }
  return result;
}

}  // namespace ipt::tracking
