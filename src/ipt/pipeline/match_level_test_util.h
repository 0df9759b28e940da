// Test helper: two runs of the match level wrote the same rows (every column of
// tracks.csv), as when the frame layer is read whole or block by block.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "ipt/pipeline/match_level.h"

namespace ipt::testing {

inline void ExpectSameRows(const pipeline::MatchLevelOutput& a, const pipeline::MatchLevelOutput& b,
                           const std::string& context) {
  ASSERT_EQ(a.rows.size(), b.rows.size()) << context;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const auto& x = a.rows[i];
    const auto& y = b.rows[i];
    ASSERT_EQ(std::tie(x.frame, x.track_id, x.x_m, x.z_m, x.score, x.category, x.jersey, x.player_id,
                       x.player_guessed),
              std::tie(y.frame, y.track_id, y.x_m, y.z_m, y.score, y.category, y.jersey, y.player_id,
                       y.player_guessed))
        << "row " << i << ", " << context;
  }
}

}  // namespace ipt::testing
