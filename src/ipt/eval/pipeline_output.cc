#include "ipt/eval/pipeline_output.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <set>

#include "ipt/io/csv.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::eval {
namespace {
constexpr const char* kHeader = "frame,track_id,x_m,z_m,score,category,jersey,player_id";
constexpr int kColumns = 8;
}  // namespace

std::vector<PipelineRow> ReadTracksCsv(const std::filesystem::path& path, int frame_count) {
  const std::string file = path.string();
  std::ifstream in(path);
  if (!in.good()) throw InputError(file, 0, "", "cannot open file");
  std::string line;
  if (!std::getline(in, line)) throw InputError(file, 1, "", "empty file, expected the header");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != kHeader) throw InputError(file, 1, "", fmt::format("header must be '{}'", kHeader));
  std::vector<PipelineRow> rows;
  std::set<std::pair<int, int64_t>> seen;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> f;
    for (std::string_view field : io::SplitCsvLine(line)) f.emplace_back(field);
    if (static_cast<int>(f.size()) != kColumns) {
      throw InputError(file, line_no, "", fmt::format("expected {} fields, found {}", kColumns, f.size()));
    }
    auto number = [&](int c, const char* name) {
      char* end = nullptr;
      double v = std::strtod(f[c].c_str(), &end);
      if (f[c].empty() || *end != '\0' || !std::isfinite(v)) {
        throw InputError(file, line_no, name, fmt::format("expected a finite number, got '{}'", f[c]));
      }
      return v;
    };
    auto integer = [&](int c, const char* name) {
      double v = number(c, name);
      if (v != std::floor(v)) throw InputError(file, line_no, name, fmt::format("expected an integer, got '{}'", f[c]));
      return static_cast<int64_t>(v);
    };
    PipelineRow r;
    r.line = line_no;
    r.frame = static_cast<int>(integer(0, "frame"));
    if (r.frame < 1 || (frame_count > 0 && r.frame > frame_count)) {
      throw InputError(file, line_no, "frame", fmt::format("{} is outside 1..{}", r.frame, frame_count > 0 ? frame_count : r.frame));
    }
    r.track_id = integer(1, "track_id");
    r.x_m = number(2, "x_m");
    r.z_m = number(3, "z_m");
    r.score = number(4, "score");
    if (!f[5].empty()) {
      r.category = io::ParseCategory(f[5]);
      if (!r.category) throw InputError(file, line_no, "category", fmt::format("unknown category '{}'", f[5]));
    }
    if (!f[6].empty()) {
      int64_t jersey = integer(6, "jersey");
      if (jersey < 0 || jersey > 99) throw InputError(file, line_no, "jersey", fmt::format("{} is outside 0..99", jersey));
      r.jersey = static_cast<int>(jersey);
    }
    if (!f[7].empty()) r.player_id = static_cast<int>(integer(7, "player_id"));
    if (!seen.insert({r.frame, r.track_id}).second) {
      throw InputError(file, line_no, "track_id", fmt::format("track {} appears twice in frame {}", r.track_id, r.frame));
    }
    rows.push_back(r);
  }
  return rows;
}

void WriteTracksCsv(const std::vector<PipelineRow>& rows, const std::filesystem::path& path) {
  std::string out = std::string(kHeader) + "\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{},{:.3f},{:.3f},{:.3f},{},{},{}\n", r.frame, r.track_id, r.x_m, r.z_m, r.score,
                       r.category ? io::CategoryName(*r.category) : "", r.jersey ? std::to_string(*r.jersey) : "",
                       r.player_id ? std::to_string(*r.player_id) : "");
  }
  WriteFileAtomic(path, out);
}

}  // namespace ipt::eval
