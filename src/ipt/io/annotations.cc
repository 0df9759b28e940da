#include "ipt/io/annotations.h"

#include "ipt/io/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::io {

namespace {
// Bounds of number_px when read: no printed number is taller than an image.
constexpr double kMaxNumberPx = limits::kMaxImageSidePx;
}  // namespace

const char* NumberSideName(NumberSide side) {
  switch (side) {
    case NumberSide::kNone: return "";
    case NumberSide::kBack: return "back";
    case NumberSide::kFront: return "front";
    case NumberSide::kSide: return "side";
  }
  return "";
}

std::optional<NumberSide> ParseNumberSide(std::string_view name) {
  for (NumberSide side : {NumberSide::kNone, NumberSide::kBack, NumberSide::kFront, NumberSide::kSide}) {
    if (name == NumberSideName(side)) return side;
  }
  return std::nullopt;
}

const char* LegibilityName(Legibility legibility) {
  switch (legibility) {
    case Legibility::kNone: return "none";
    case Legibility::kPartial: return "partial";
    case Legibility::kLegible: return "legible";
  }
  return "none";
}

std::optional<Legibility> ParseLegibility(std::string_view name) {
  for (Legibility l : {Legibility::kNone, Legibility::kPartial, Legibility::kLegible}) {
    if (name == LegibilityName(l)) return l;
  }
  return std::nullopt;
}

std::vector<Annotation> ReadAnnotationsCsv(const std::filesystem::path& path, int frame_count) {
  const int last_frame = frame_count > 0 ? std::min(frame_count, limits::kMaxFrames) : limits::kMaxFrames;
  CsvReader csv(path);
  csv.Header({"frame", "person_id", "x_m", "z_m", "category", "jersey"},
             {"in_view", "occluded", "number_side", "number_px", "legibility"});
  const int c_frame = csv.Column("frame"), c_id = csv.Column("person_id"), c_x = csv.Column("x_m"),
            c_z = csv.Column("z_m"), c_cat = csv.Column("category"), c_jersey = csv.Column("jersey"),
            c_view = csv.Column("in_view"), c_occ = csv.Column("occluded"), c_side = csv.Column("number_side"),
            c_number_px = csv.Column("number_px"), c_legibility = csv.Column("legibility");
  std::vector<Annotation> rows;
  std::set<std::pair<int, int>> seen;
  while (csv.Next()) {
    Annotation a;
    a.frame = static_cast<int>(csv.Int(c_frame, 1, last_frame));
    a.person_id = static_cast<int>(csv.Int(c_id, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    a.x_m = csv.Number(c_x, -limits::kMaxAbsCoordinateM, limits::kMaxAbsCoordinateM);
    a.z_m = csv.Number(c_z, -limits::kMaxAbsCoordinateM, limits::kMaxAbsCoordinateM);
    const std::string category(csv.Text(c_cat));
    auto parsed = ParseCategory(category);
    if (!parsed) csv.Fail(c_cat, fmt::format("unknown category '{}'", Echo(category)));
    a.category = *parsed;
    if (auto jersey = csv.OptionalInt(c_jersey, kMinJersey, kMaxJersey)) a.jersey = static_cast<int>(*jersey);
    if (c_view >= 0) a.in_view = csv.Int(c_view, 0, 1) != 0;
    if (c_occ >= 0) a.occluded = csv.Number(c_occ, 0.0, 1.0);
    if (c_side >= 0) {
      const std::string_view side = csv.Text(c_side);
      auto parsed_side = ParseNumberSide(side);
      if (!parsed_side) csv.Fail(c_side, fmt::format("expected back, front, side or empty, got '{}'", Echo(side)));
      a.number_side = *parsed_side;
    }
    if (c_number_px >= 0) a.number_px = csv.Number(c_number_px, 0.0, kMaxNumberPx);
    if (c_legibility >= 0) a.legibility = static_cast<Legibility>(csv.Int(c_legibility, 0, 2));
    if (!seen.insert({a.frame, a.person_id}).second) {
      csv.Fail(c_id, fmt::format("person {} appears twice in frame {}", a.person_id, a.frame));
    }
    rows.push_back(a);
  }
  std::sort(rows.begin(), rows.end(), [](const Annotation& a, const Annotation& b) {
    return std::tie(a.frame, a.person_id) < std::tie(b.frame, b.person_id);
  });
  return rows;
}

void WriteAnnotationsCsv(const std::vector<Annotation>& rows, const std::filesystem::path& path) {
  std::string out = "frame,person_id,x_m,z_m,category,jersey,in_view,occluded,number_side,number_px,legibility\n";
  out.reserve(rows.size() * 64);
  for (const auto& a : rows) {
    out += fmt::format("{},{},{:.3f},{:.3f},{},{},{},{:.2f},{},{:.1f},{}\n", a.frame, a.person_id, a.x_m, a.z_m,
                       CategoryName(a.category), a.jersey ? std::to_string(*a.jersey) : "", a.in_view ? 1 : 0,
                       a.occluded, NumberSideName(a.number_side), a.number_px, static_cast<int>(a.legibility));
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
    if (!match.PlaysThroughout(*person, {a.frame, a.frame})) {
      throw InputError(path.string(), 0, "frame",
                       fmt::format("frame {}: person {} does not play then by the line-up of match.yaml (roster "
                                   "'starts', 'substitutions')",
                                   a.frame, a.person_id));
    }
  }
}

}  // namespace ipt::io
