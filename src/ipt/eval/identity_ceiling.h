// The identity accuracy no namer can pass, in expectation, when it tells team-mates apart by
// nothing but their numbers as the video shows them and the line-up: a roster entry holds a
// number and a name, and nothing else ties a body to one entry rather than a team-mate's.
// (A namer that knows more, e.g. who plays where in a formation, may pass it; so may luck,
// with small groups.)
//
// Every person who has ground-truth rows is nameable, except outfield players (team_a,
// team_b) whose number is never shown at `min_shown` or better in any of their rows
// (annotations' `legibility`). Those of one team with the same line-up (starting or the
// frame they come on, and the frame they go off, if any: match.yaml's roster and
// substitutions) are interchangeable: with k >= 2 of them, every naming is equally likely to
// be right under each of the k! ways the names may fall, so the best gets each one's rows
// right with probability 1/k. One such player alone is named by elimination. The ceiling is
// generous on purpose: partial numbers count as shown, goalkeepers, referees and people
// missing from the roster as named, and the namer is told who never shows his number.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ipt/io/annotations.h"
#include "ipt/io/match.h"

namespace ipt::eval {

struct IdentityCeiling {
  double nameable_rows = 0;  // expected ground-truth rows the best namer names right
  int64_t rows = 0;          // all ground-truth rows (PTFE's identity denominator)
  // Person ids of each team's interchangeable players, by group (groups of >= 2).
  std::vector<std::vector<int>> interchangeable;
  double ceiling() const { return rows ? nameable_rows / static_cast<double>(rows) : 0.0; }
};

// nullopt when no row labels a number partial or legible: annotations without legibility
// labels (real data, usually) say nothing of what could be read.
std::optional<IdentityCeiling> ComputeIdentityCeiling(const io::MatchInfo& match,
                                                      const std::vector<io::Annotation>& ground_truth,
                                                      io::Legibility min_shown = io::Legibility::kPartial);

}  // namespace ipt::eval
