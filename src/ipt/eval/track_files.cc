#include "ipt/eval/track_files.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <charconv>
#include <string_view>

#include "ipt/util/atomic_path.h"

#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

constexpr const char* kImageColumns[] = {"frame", "id", "x", "y", "w", "h", "conf"};
constexpr const char* kPitchColumns[] = {"frame", "id", "x", "z"};

// Parses a number from a field (surrounding blanks allowed); false when it is not one.
bool ParseDouble(std::string_view text, double* value) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

}  // namespace

Space ParseSpace(const std::string& name) {
  if (name == "image") return Space::kImage;
  if (name == "pitch") return Space::kPitch;
  IPT_THROW("unknown space '{}' (image or pitch)", name);
}

std::vector<TrackRow> ReadTrackFile(const std::filesystem::path& path, Space space, bool is_gt) {
  const std::string file = path.string();
  const std::string text = ReadFile(path);  // whole file: parsing views is much faster than streams
  const int needed = space == Space::kImage ? 6 : 4;
  const char* const* names = space == Space::kImage ? kImageColumns : kPitchColumns;
  std::vector<TrackRow> rows;
  rows.reserve(text.size() / 16);  // ~20 characters a row: reserve generously
  std::string_view fields[7];
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    // Split the first (up to) seven fields; further columns are ignored.
    int count = 0;
    size_t start = 0;
    while (count < 7) {
      size_t comma = line.find(',', start);
      fields[count++] = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    double values[7] = {0, 0, 0, 0, 0, 0, 1};
    if (line_no == 1 && !ParseDouble(fields[0], &values[0])) continue;  // header
    if (count < needed) {
      throw InputError(file, line_no, "", fmt::format("expected at least {} comma-separated columns ({}), found {}",
                                                      needed, space == Space::kImage ? "frame,id,x,y,w,h" : "frame,id,x,z",
                                                      count));
    }
    const int to_read = std::min(count, space == Space::kImage ? 7 : 4);
    for (int c = 0; c < to_read; ++c) {
      if (!ParseDouble(fields[c], &values[c]) || !std::isfinite(values[c])) {
        throw InputError(file, line_no, names[c], fmt::format("expected a finite number, got '{}'", fields[c]));
      }
    }
    if (values[0] < 1 || values[0] != std::floor(values[0])) {
      throw InputError(file, line_no, "frame", fmt::format("must be an integer >= 1, got '{}'", fields[0]));
    }
    if (values[1] != std::floor(values[1])) {
      throw InputError(file, line_no, "id", fmt::format("must be an integer, got '{}'", fields[1]));
    }
    if (space == Space::kImage && is_gt && values[6] == 0) continue;  // "do not consider" row
    TrackRow r;
    r.frame = static_cast<int>(values[0]);
    r.id = static_cast<int64_t>(values[1]);
    r.geometry = space == Space::kImage ? Eigen::Vector4d(values[2], values[3], values[4], values[5])
                                        : Eigen::Vector4d(values[2], values[3], 0, 0);
    r.line = line_no;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace ipt::eval
