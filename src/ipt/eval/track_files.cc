#include "ipt/eval/track_files.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

constexpr const char* kImageColumns[] = {"frame", "id", "x", "y", "w", "h", "conf"};
constexpr const char* kPitchColumns[] = {"frame", "id", "x", "z"};

// Splits on commas (MOTChallenge also allows spaces after them).
void Split(const std::string& line, std::vector<std::string>* fields) {
  fields->clear();
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    fields->push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

bool ParseDouble(const std::string& text, double* value) {
  const char* begin = text.c_str();
  while (*begin == ' ' || *begin == '\t') ++begin;
  char* end = nullptr;
  *value = std::strtod(begin, &end);
  if (end == begin) return false;
  while (*end == ' ' || *end == '\t' || *end == '\r') ++end;
  return *end == '\0';
}

}  // namespace

Space ParseSpace(const std::string& name) {
  if (name == "image") return Space::kImage;
  if (name == "pitch") return Space::kPitch;
  IPT_THROW("unknown space '{}' (image or pitch)", name);
}

std::vector<TrackRow> ReadTrackFile(const std::filesystem::path& path, Space space, bool is_gt) {
  const std::string file = path.string();
  std::ifstream in(path);
  if (!in.good()) throw InputError(file, 0, "", "cannot open file");
  const int needed = space == Space::kImage ? 6 : 4;
  const char* const* names = space == Space::kImage ? kImageColumns : kPitchColumns;
  std::vector<TrackRow> rows;
  std::vector<std::string> fields;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Split(line, &fields);
    double first = 0;
    if (line_no == 1 && !ParseDouble(fields[0], &first)) continue;  // header
    if (static_cast<int>(fields.size()) < needed) {
      throw InputError(file, line_no, "", fmt::format("expected at least {} comma-separated columns ({}), found {}",
                                                      needed, space == Space::kImage ? "frame,id,x,y,w,h" : "frame,id,x,z",
                                                      fields.size()));
    }
    double values[7] = {0, 0, 0, 0, 0, 0, 1};
    const int to_read = std::min<int>(static_cast<int>(fields.size()), space == Space::kImage ? 7 : 4);
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
    rows.push_back(r);
  }
  return rows;
}

}  // namespace ipt::eval
