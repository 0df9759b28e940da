#include "ipt/eval/identity_ceiling.h"

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

  // (team, first frame, last frame) -> the players of that team never shown who play then;
  // a player missing from the roster plays over no known frames (-1, -1).
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
    const std::optional<io::FrameSpan> span = entry ? match.PlayingFrames(*entry) : std::nullopt;
    groups[{p.category, span ? span->first_frame : -1, span ? span->last_frame : -1}].push_back(id);
  }
  for (const auto& [key, ids] : groups) {
    for (int id : ids) c.nameable_rows += static_cast<double>(people[id].rows) / static_cast<double>(ids.size());
    if (ids.size() >= 2) c.interchangeable.push_back(ids);
  }
  return c;
}

}  // namespace ipt::eval
