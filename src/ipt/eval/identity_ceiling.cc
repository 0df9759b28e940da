#include "ipt/eval/identity_ceiling.h"

#include <climits>
#include <map>
#include <tuple>

namespace ipt::eval {

std::optional<IdentityCeiling> ComputeIdentityCeiling(const io::MatchInfo& match,
                                                      const std::vector<io::Annotation>& ground_truth,
                                                      io::Legibility min_shown) {
  struct Person {
    io::Category category = io::Category::kTeamA;
    int64_t rows = 0;
    bool shown = false;
  };
  std::map<int, Person> people;
  bool labelled = false;
  for (const io::Annotation& a : ground_truth) {
    Person& p = people[a.person_id];
    p.category = a.category;
    ++p.rows;
    p.shown = p.shown || a.legibility >= min_shown;
    labelled = labelled || a.legibility != io::Legibility::kNone;
  }
  if (!labelled) return std::nullopt;

  // A player's line-up: the frame he comes on (1: he starts; INT_MAX: never) and the frame
  // he goes off (INT_MAX: never), from the substitutions themselves, not the playing frames
  // widened by their tolerance (which could make a substitute and a starter look alike).
  auto line_up = [&](const io::RosterEntry& e) {
    int on = e.starts ? 1 : INT_MAX, off = INT_MAX;
    for (const io::Substitution& s : match.substitutions) {
      if (s.player_in == e.player_id && on == INT_MAX) on = s.frame;
      if (s.player_out == e.player_id && off == INT_MAX) off = s.frame;
    }
    return std::make_pair(on, off);
  };
  // (team, line-up) -> the players of that team never shown.
  std::map<std::tuple<io::Category, int, int>, std::vector<int>> groups;
  IdentityCeiling c;
  for (const auto& [id, p] : people) {
    c.rows += p.rows;
    const bool outfield = p.category == io::Category::kTeamA || p.category == io::Category::kTeamB;
    if (!outfield || p.shown) {
      c.nameable_rows += static_cast<double>(p.rows);
      continue;
    }
    const io::RosterEntry* entry = match.FindPerson(id);
    if (!entry) {  // no one can name him: counted as named (generous)
      c.nameable_rows += static_cast<double>(p.rows);
      continue;
    }
    const auto [on, off] = line_up(*entry);
    groups[{p.category, on, off}].push_back(id);
  }
  for (const auto& [key, ids] : groups) {
    for (int id : ids) c.nameable_rows += static_cast<double>(people[id].rows) / static_cast<double>(ids.size());
    if (ids.size() >= 2) c.interchangeable.push_back(ids);
  }
  return c;
}

}  // namespace ipt::eval
