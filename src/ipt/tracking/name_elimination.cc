#include "ipt/tracking/name_elimination.h"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "ipt/tracking/identity.h"
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

// One track's rows, by frame, and its ends as the identity resolver's reach reads them.
struct Track {
  int64_t id = 0;
  std::vector<size_t> rows;  // by frame
  IdentityTrack ends;        // frames and foot-points of its first and last rows
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
    const eval::PipelineRow &first = rows[t.rows.front()], &last = rows[t.rows.back()];
    t.ends.track_id = id;
    t.ends.first_frame = first.frame;
    t.ends.last_frame = last.frame;
    t.ends.first_position_m = {first.x_m, first.z_m};
    t.ends.last_position_m = {last.x_m, last.z_m};
  }
  // Per player, his named tracks by first frame.
  std::map<int, std::vector<const Track*>> named;
  std::vector<const Track*> unnamed;
  const double min_frames = options.min_seconds * match.fps;
  for (const auto& [id, t] : tracks) {
    const eval::PipelineRow& r = rows[t.rows.front()];
    if (r.player_id) {
      named[*r.player_id].push_back(&t);
    } else if (r.category && t.ends.last_frame - t.ends.first_frame + 1 >= min_frames) {
      unnamed.push_back(&t);
    }
  }
  auto by_first = [](const Track* a, const Track* b) { return a->ends.first_frame < b->ends.first_frame; };
  for (auto& [player, v] : named) std::sort(v.begin(), v.end(), by_first);
  // Most rows first; ties by id (deterministic).
  std::stable_sort(unnamed.begin(), unnamed.end(), [](const Track* a, const Track* b) {
    return a->rows.size() > b->rows.size();
  });

  // The identity resolver's reach (Reachable), with these options' speed, slack and hand-over.
  IdentityOptions reach;
  reach.max_speed_mps = options.max_speed_mps;
  reach.position_slack_m = options.position_slack_m;
  reach.max_handover_seconds = options.max_handover_seconds;
  // Whether the player's path can run through u: his nearest named track before u (started
  // and ended earlier) reaches u, u reaches his nearest one after it, and no track of his
  // spans u's start or end or lies within u. A hand-over at one of u's ends is a track
  // before or after u, and Reachable bounds its overlap.
  auto path_passes = [&](const std::vector<const Track*>& his, const Track& u) {
    const Track* before = nullptr;
    const Track* after = nullptr;
    for (const Track* t : his) {
      if (t->ends.first_frame < u.ends.first_frame && t->ends.last_frame < u.ends.last_frame) {
        if (!before || t->ends.last_frame > before->ends.last_frame) before = t;
      } else if (t->ends.first_frame > u.ends.first_frame && t->ends.last_frame > u.ends.last_frame) {
        if (!after || t->ends.first_frame < after->ends.first_frame) after = t;
      } else {
        return false;
      }
    }
    return (!before || Reachable(before->ends, u.ends, match.fps, reach)) &&
           (!after || Reachable(u.ends, after->ends, match.fps, reach));
  };

  const std::vector<const Track*> none;
  for (const Track* u : unnamed) {
    const io::Category category = *rows[u->rows.front()].category;
    const io::RosterEntry* only = nullptr;
    int candidates = 0;
    for (const io::RosterEntry& e : match.roster) {
      if (e.category != category || !e.jersey || !match.PlaysThroughout(e, {u->ends.first_frame, u->ends.last_frame}))
        continue;
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
                  u->ends.first_frame, u->ends.last_frame, only->player_id);
  }
  return result;
}

}  // namespace ipt::tracking
