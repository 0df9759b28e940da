#include "ipt/io/annotations.h"

#include "ipt/io/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::io {
namespace {

std::string_view Trim(std::string_view s) { return TrimCsvField(s); }

}  // namespace

std::vector<Annotation> ReadAnnotationsCsv(const std::filesystem::path& path, int frame_count) {
  const std::string file = path.string();
  std::ifstream in(path);
  if (!in.good()) throw InputError(file, 0, "", "cannot open file");
  std::string line;
  if (!std::getline(in, line)) throw InputError(file, 1, "", "empty file, expected a header");
  std::map<std::string, int> column;
  auto header = SplitCsvLine(Trim(line));
  for (size_t i = 0; i < header.size(); ++i) column[std::string(Trim(header[i]))] = static_cast<int>(i);
  for (const char* required : {"frame", "person_id", "x_m", "z_m", "category", "jersey"}) {
    if (!column.count(required)) {
      throw InputError(file, 1, required, "missing column; the header must hold frame,person_id,x_m,z_m,category,jersey");
    }
  }
  auto col = [&](const char* name) { return column.count(name) ? column[name] : -1; };
  const int c_frame = col("frame"), c_id = col("person_id"), c_x = col("x_m"), c_z = col("z_m"),
            c_cat = col("category"), c_jersey = col("jersey"), c_view = col("in_view"),
            c_occ = col("occluded");

  std::vector<Annotation> rows;
  std::set<std::pair<int, int>> seen;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view text = Trim(line);
    if (text.empty()) continue;
    auto fields = SplitCsvLine(text);
    if (fields.size() != header.size()) {
      throw InputError(file, line_no, "", fmt::format("expected {} fields, found {}", header.size(), fields.size()));
    }
    auto get_int = [&](int c, const char* name) {
      std::string_view s = Trim(fields[c]);
      int value = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
      if (ec != std::errc() || ptr != s.data() + s.size()) {
        throw InputError(file, line_no, name, fmt::format("expected an integer, got '{}'", s));
      }
      return value;
    };
    auto get_double = [&](int c, const char* name) {
      std::string s(Trim(fields[c]));
      char* end = nullptr;
      double value = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        throw InputError(file, line_no, name, fmt::format("expected a number, got '{}'", s));
      }
      if (!std::isfinite(value)) throw InputError(file, line_no, name, fmt::format("must be finite, got '{}'", s));
      return value;
    };
    Annotation a;
    a.frame = get_int(c_frame, "frame");
    if (a.frame < 1 || (frame_count > 0 && a.frame > frame_count)) {
      throw InputError(file, line_no, "frame",
                       frame_count > 0 ? fmt::format("{} is outside 1..{}", a.frame, frame_count)
                                       : fmt::format("{} must be >= 1", a.frame));
    }
    a.person_id = get_int(c_id, "person_id");
    a.x_m = get_double(c_x, "x_m");
    a.z_m = get_double(c_z, "z_m");
    std::string cat(Trim(fields[c_cat]));
    auto parsed = ParseCategory(cat);
    if (!parsed) throw InputError(file, line_no, "category", fmt::format("unknown category '{}'", cat));
    a.category = *parsed;
    if (!Trim(fields[c_jersey]).empty()) {
      int jersey = get_int(c_jersey, "jersey");
      if (jersey < 0 || jersey > 99) throw InputError(file, line_no, "jersey", fmt::format("{} is outside 0..99", jersey));
      a.jersey = jersey;
    }
    if (c_view >= 0) a.in_view = get_int(c_view, "in_view") != 0;
    if (c_occ >= 0) a.occluded = get_double(c_occ, "occluded");
    if (!seen.insert({a.frame, a.person_id}).second) {
      throw InputError(file, line_no, "person_id",
                       fmt::format("person {} appears twice in frame {}", a.person_id, a.frame));
    }
    rows.push_back(a);
  }
  std::sort(rows.begin(), rows.end(), [](const Annotation& a, const Annotation& b) {
    return std::tie(a.frame, a.person_id) < std::tie(b.frame, b.person_id);
  });
  return rows;
}

void WriteAnnotationsCsv(const std::vector<Annotation>& rows, const std::filesystem::path& path) {
  std::string out = "frame,person_id,x_m,z_m,category,jersey,in_view,occluded\n";
  out.reserve(rows.size() * 48);
  for (const auto& a : rows) {
    out += fmt::format("{},{},{:.3f},{:.3f},{},{},{},{:.2f}\n", a.frame, a.person_id, a.x_m, a.z_m,
                       CategoryName(a.category), a.jersey ? std::to_string(*a.jersey) : "",
                       a.in_view ? 1 : 0, a.occluded);
  }
  WriteFileAtomic(path, out);
}

void CheckAnnotationsAgainstRoster(const std::vector<Annotation>& rows, const MatchInfo& match,
                                   const std::filesystem::path& path) {
  for (const auto& a : rows) {
    const RosterEntry* person = match.FindPerson(a.person_id);
    if (!person) {
      throw InputError(path.string(), 0, "person_id",
                       fmt::format("frame {}: person {} is not in the roster of match.yaml", a.frame, a.person_id));
    }
    if (person->category != a.category || person->jersey != a.jersey) {
      throw InputError(path.string(), 0, "category",
                       fmt::format("frame {}: person {} has category/jersey {}/{} but the roster says {}/{}",
                                   a.frame, a.person_id, CategoryName(a.category),
                                   a.jersey ? std::to_string(*a.jersey) : "-", CategoryName(person->category),
                                   person->jersey ? std::to_string(*person->jersey) : "-"));
    }
  }
}

}  // namespace ipt::io
