#include "ipt/eval/pipeline_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "ipt/io/csv.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace {
constexpr const char* kHeader = "frame,track_id,x_m,z_m,score,category,jersey,player_id,player_guess";
}  // namespace

std::vector<PipelineRow> ReadTracksCsv(const std::filesystem::path& path, int frame_count) {
  const int last_frame = frame_count > 0 ? std::min(frame_count, limits::kMaxFrames) : limits::kMaxFrames;
  io::CsvReader csv(path);
  csv.Header({"frame", "track_id", "x_m", "z_m", "score", "category", "jersey", "player_id"}, {"player_guess"});
  const int c_frame = csv.Column("frame"), c_track = csv.Column("track_id"), c_x = csv.Column("x_m"),
            c_z = csv.Column("z_m"), c_score = csv.Column("score"), c_cat = csv.Column("category"),
            c_jersey = csv.Column("jersey"), c_player = csv.Column("player_id");
  const int c_guess = csv.Column("player_guess");  // optional (before session 38: absent)
  std::vector<PipelineRow> rows;
  std::set<std::pair<int, int64_t>> seen;
  while (csv.Next()) {
    PipelineRow r;
    r.line = csv.line();
    r.frame = static_cast<int>(csv.Int(c_frame, 1, last_frame));
    r.track_id = csv.Int(c_track, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    r.x_m = csv.Number(c_x, -limits::kMaxAbsCoordinateM, limits::kMaxAbsCoordinateM);
    r.z_m = csv.Number(c_z, -limits::kMaxAbsCoordinateM, limits::kMaxAbsCoordinateM);
    r.score = csv.Number(c_score, 0.0, 1.0);
    if (!csv.Empty(c_cat)) {
      const std::string category(csv.Text(c_cat));
      r.category = io::ParseCategory(category);
      if (!r.category) csv.Fail(c_cat, fmt::format("unknown category '{}'", Echo(category)));
    }
    if (auto jersey = csv.OptionalInt(c_jersey, io::kMinJersey, io::kMaxJersey)) r.jersey = static_cast<int>(*jersey);
    if (auto player = csv.OptionalInt(c_player, std::numeric_limits<int>::min(), std::numeric_limits<int>::max())) {
      r.player_id = static_cast<int>(*player);
    }
    if (c_guess >= 0 && !csv.Empty(c_guess)) {
      const std::string_view guess = csv.Text(c_guess);
      if (guess != "0" && guess != "1") csv.Fail(c_guess, fmt::format("must be 0, 1 or empty, got '{}'", Echo(guess)));
      if (!r.player_id) csv.Fail(c_guess, "must be empty without a player_id");
      r.player_guessed = guess == "1";
    }
    if (!seen.insert({r.frame, r.track_id}).second) {
      csv.Fail(c_track, fmt::format("track {} appears twice in frame {}", r.track_id, r.frame));
    }
    rows.push_back(r);
  }
  return rows;
}

void WriteTracksCsv(const std::vector<PipelineRow>& rows, const std::filesystem::path& path) {
  WriteFileAtomic(path, [&](std::ostream& out) {
    out << kHeader << "\n";
    fmt::memory_buffer line;
    for (const auto& r : rows) {
      line.clear();
      IPT_ASSERT(r.player_id || !r.player_guessed);  // a mark needs a name
      fmt::format_to(std::back_inserter(line), "{},{},{:.3f},{:.3f},{:.3f},{},{},{},{}\n", r.frame, r.track_id, r.x_m,
                     r.z_m, r.score, r.category ? io::CategoryName(*r.category) : "",
                     r.jersey ? std::to_string(*r.jersey) : "", r.player_id ? std::to_string(*r.player_id) : "",
                     !r.player_guessed ? "" : *r.player_guessed ? "1" : "0");
      out.write(line.data(), static_cast<std::streamsize>(line.size()));
    }
  });
}

}  // namespace ipt::eval
