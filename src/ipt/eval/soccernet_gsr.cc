#include "ipt/eval/soccernet_gsr.h"

#include "ipt/io/json.h"

#include <fmt/format.h>

#include <iterator>
#include <ostream>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>

#include "ipt/eval/similarity.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace {

using nlohmann::json;

// GS-HOTA's LocSim tolerance T in metres (soccernet_gs.py: exp(ln(0.05) d^2 / 5^2)).
constexpr double kGsToleranceM = 5.0;
// Identity roles of a person; "ball" rows are skipped, anything else is an error.
const char* const kRoles[] = {"player", "goalkeeper", "referee", "other"};
constexpr const char* kBallRole = "ball";
// The bbox_pitch corners every person carries; GS-HOTA reads only the bottom middle.
const char* const kPitchCorners[] = {"x_bottom_left",  "y_bottom_left",  "x_bottom_middle",
                                     "y_bottom_middle", "x_bottom_right", "y_bottom_right"};
// The top-level object of a GSR file.
json LoadJson(const std::filesystem::path& path) {
  json root = io::ParseJson(ReadFile(path), path.string());
  if (!root.is_object()) throw InputError(path.string(), 0, "", "must be a JSON object at the top level");
  return root;
}

// Typed access to the JSON of one GSR file: every error names the file and the
// field's path ("predictions[3].bbox_pitch.x_bottom_middle").
class GsrJson {
 public:
  explicit GsrJson(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void Fail(const std::string& field, const std::string& what) const {
    throw InputError(file_, 0, field, what);
  }
  static std::string Path(const std::string& where, const char* key) { return where.empty() ? key : where + "." + key; }

  // `object[key]` (object already checked); throws when absent.
  const json& Required(const json& object, const char* key, const std::string& where) const {
    auto it = object.find(key);
    if (it == object.end()) Fail(Path(where, key), "missing");
    return *it;
  }
  const json& Object(const json& value, const std::string& field) const {
    if (!value.is_object()) Fail(field, fmt::format("must be an object, got {}", value.type_name()));
    return value;
  }
  const json& Array(const json& value, const std::string& field) const {
    if (!value.is_array()) Fail(field, fmt::format("must be an array, got {}", value.type_name()));
    return value;
  }
  // An image id: a string, or an integer as SoccerNet also writes them.
  std::string ImageId(const json& value, const std::string& field) const {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return value.dump();
    Fail(field, fmt::format("must be a string or an integer, got {}", value.type_name()));
  }
  // An optional flag: absent is false.
  bool Flag(const json& object, const char* key, const std::string& where) const {
    auto it = object.find(key);
    if (it == object.end()) return false;
    if (!it->is_boolean()) Fail(Path(where, key), fmt::format("must be true or false, got {}", it->type_name()));
    return it->get<bool>();
  }
  int64_t TrackId(const json& value, const std::string& field) const {
    if (!value.is_number_integer()) Fail(field, fmt::format("must be an integer, got {}", value.type_name()));
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      Fail(field, fmt::format("track id {} is out of range (at most {})", value.get<uint64_t>(), INT64_MAX));
    }
    return value.get<int64_t>();
  }
  // A pitch coordinate in metres: a number within limits::kMaxAbsCoordinateM of the centre spot.
  double Coordinate(const json& value, const std::string& field) const {
    if (!value.is_number()) Fail(field, fmt::format("must be a number, got {}", value.type_name()));
    const double v = value.get<double>();
    if (!std::isfinite(v) || std::abs(v) > limits::kMaxAbsCoordinateM) {
      Fail(field, fmt::format("{:.6g} m is not a pitch coordinate (|value| <= {:g} m)", v, limits::kMaxAbsCoordinateM));
    }
    return v;
  }

 private:
  std::string file_;
};

// Reads one person; returns false for rows to skip (ball, non-object supercategory).
bool ReadPerson(const GsrJson& in, const json& a, const std::string& where, GsrPerson* out) {
  in.Object(a, where);
  if (auto it = a.find("supercategory"); it != a.end()) {
    if (!it->is_string()) in.Fail(where + ".supercategory", fmt::format("must be a string, got {}", it->type_name()));
    if (*it != "object") return false;
  }
  const std::string attributes_where = where + ".attributes";
  const json& attributes = in.Object(in.Required(a, "attributes", where), attributes_where);
  const json& role = in.Required(attributes, "role", attributes_where);
  if (role == kBallRole) return false;
  if (!role.is_string() ||
      std::find(std::begin(kRoles), std::end(kRoles), role.get<std::string>()) == std::end(kRoles)) {
    in.Fail(attributes_where + ".role", fmt::format("invalid role {} (player, goalkeeper, referee, other or ball)",
                                                    Echo(role.dump())));
  }
  const json team = attributes.value("team", json());
  if (!team.is_null() && team != "left" && team != "right") {
    in.Fail(attributes_where + ".team", fmt::format("invalid team {} (left, right or null)", Echo(team.dump())));
  }
  const json jersey = attributes.value("jersey", json());
  if (!jersey.is_null() && !jersey.is_string()) {
    in.Fail(attributes_where + ".jersey", fmt::format("must be a string or null, got {}", jersey.type_name()));
  }
  out->image_id = in.ImageId(in.Required(a, "image_id", where), where + ".image_id");
  out->track_id = in.TrackId(in.Required(a, "track_id", where), where + ".track_id");
  const std::string box_where = where + ".bbox_pitch";
  const json& box = in.Object(in.Required(a, "bbox_pitch", where), box_where);
  for (const char* corner : kPitchCorners) in.Coordinate(in.Required(box, corner, box_where), box_where + "." + corner);
  out->x_m = box["x_bottom_middle"].get<double>();
  out->y_m = box["y_bottom_middle"].get<double>();
  out->role = role;
  out->team = team;
  out->jersey = jersey;
  return true;
}

// The people of `entries` (GSR "annotations" or "predictions"); a track may appear
// once per image.
std::vector<GsrPerson> ReadPeople(const GsrJson& in, const json& entries, const std::string& name) {
  std::vector<GsrPerson> people;
  std::set<std::pair<std::string, int64_t>> seen;  // (image_id, track_id)
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", name, i);
    GsrPerson p;
    if (!ReadPerson(in, entries[i], where, &p)) continue;
    if (!seen.emplace(p.image_id, p.track_id).second) {
      in.Fail(where + ".track_id", fmt::format("track {} appears twice in image {}", p.track_id, Echo(p.image_id)));
    }
    people.push_back(std::move(p));
  }
  return people;
}

}  // namespace

GsrGroundTruth ReadGsrGroundTruth(const std::filesystem::path& path) {
  const GsrJson in(path.string());
  const json root = LoadJson(path);
  GsrGroundTruth gt;
  const json& images = in.Array(in.Required(root, "images", ""), "images");
  std::set<std::string> evaluated;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string where = fmt::format("images[{}]", i);
    const json& im = in.Object(images[i], where);
    // SoccerNet evaluates an image only when pitch, camera and people are all labelled.
    // Every flag is read (and type-checked) even when an earlier one is false.
    const bool pitch = in.Flag(im, "has_labeled_pitch", where), camera = in.Flag(im, "has_labeled_camera", where),
               person = in.Flag(im, "has_labeled_person", where);
    const bool labeled = pitch && camera && person;
    if (!labeled) continue;
    std::string id = in.ImageId(in.Required(im, "image_id", where), where + ".image_id");
    if (!evaluated.insert(id).second) in.Fail(where + ".image_id", fmt::format("image {} appears twice", Echo(id)));
    gt.evaluated_images.push_back(std::move(id));
  }
  if (gt.evaluated_images.empty()) {
    in.Fail("images", "no evaluated image (one with has_labeled_pitch, has_labeled_camera and has_labeled_person true)");
  }
  if (gt.evaluated_images.size() > static_cast<size_t>(limits::kMaxFrames)) {
    in.Fail("images", fmt::format("{} evaluated images, more than the {} frames ipt evaluates",
                                  gt.evaluated_images.size(), limits::kMaxFrames));
  }
  gt.people = ReadPeople(in, in.Array(in.Required(root, "annotations", ""), "annotations"), "annotations");
  return gt;
}

std::vector<GsrPerson> ReadGsrPredictions(const std::filesystem::path& path) {
  const GsrJson in(path.string());
  const json root = LoadJson(path);
  return ReadPeople(in, in.Array(in.Required(root, "predictions", ""), "predictions"), "predictions");
}

std::string GsrIdentityKey(const GsrPerson& p) {
  const std::string role = p.role.get<std::string>();
  std::string key = "role=" + p.role.dump();
  if (role == "player" || role == "goalkeeper") key += "|team=" + p.team.dump();
  if (role == "player") key += "|jersey=" + p.jersey.dump();
  return key;
}

Sequence BuildGsrSequence(const std::string& name, const GsrGroundTruth& gt, const std::vector<GsrPerson>& pred,
                          bool use_attributes, const std::string& gt_file, const std::string& pred_file) {
  std::map<std::string, int> frame_of;
  for (size_t i = 0; i < gt.evaluated_images.size(); ++i) frame_of[gt.evaluated_images[i]] = static_cast<int>(i) + 1;
  auto rows = [&](const std::vector<GsrPerson>& people) {
    std::vector<TrackRow> out;
    for (const auto& p : people) {
      auto it = frame_of.find(p.image_id);
      if (it == frame_of.end()) continue;  // frame not evaluated
      TrackRow r;
      r.frame = it->second;
      r.id = p.track_id;
      r.geometry = Eigen::Vector4d(p.x_m, p.y_m, 0, 0);
      if (use_attributes) r.key = GsrIdentityKey(p);
      out.push_back(r);
    }
    return out;
  };
  return BuildSequence(name, rows(gt.people), rows(pred), gt_file, pred_file,
                       static_cast<int>(gt.evaluated_images.size()));
}

SimilarityFn GsHotaSimilarity(bool use_attributes) {
  SimilarityFn loc = MakePointSimilarity(PointKernel::kGaussian, kGsToleranceM);
  return use_attributes ? WithIdentityKeys(loc) : loc;
}

namespace {
// Written bbox_pitch: left/right bottom corners this far from the foot-point (metres).
constexpr double kWrittenHalfWidthM = 0.3;
// SoccerNet GSR category ids (the "categories" list written with the ground truth).
constexpr int kCategoryPlayer = 1, kCategoryGoalkeeper = 2, kCategoryReferee = 3, kCategoryOther = 5;

// A JSON number: the shortest text that reads back as `v` (fmt), null when not finite (as
// nlohmann writes it).
std::string JsonNumber(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

// One person as SoccerNet GSR JSON, appended to `out`: the one definition of an entry of
// the labels' "annotations" and the predictions' "predictions". Formatted directly (no JSON
// tree): a 90-minute match has 3 million of them.
void AppendPersonJson(const GsrPerson& p, int64_t index, std::string* out) {
  const double half_width_m = kWrittenHalfWidthM;
  const int category = p.role == "player"       ? kCategoryPlayer
                       : p.role == "goalkeeper" ? kCategoryGoalkeeper
                       : p.role == "referee"    ? kCategoryReferee
                                                : kCategoryOther;
  fmt::format_to(std::back_inserter(*out),
                 "{{\"id\": \"{}\", \"image_id\": {}, \"track_id\": {}, \"supercategory\": \"object\", "
                 "\"category_id\": {}, \"attributes\": {{\"role\": {}, \"jersey\": {}, \"team\": {}}}, "
                 "\"bbox_pitch\": {{\"x_bottom_left\": {}, \"y_bottom_left\": {}, \"x_bottom_middle\": {}, "
                 "\"y_bottom_middle\": {}, \"x_bottom_right\": {}, \"y_bottom_right\": {}}}}}",
                 index, nlohmann::json(p.image_id).dump(), p.track_id, category, p.role.dump(), p.jersey.dump(),
                 p.team.dump(), JsonNumber(p.x_m - half_width_m), JsonNumber(p.y_m), JsonNumber(p.x_m),
                 JsonNumber(p.y_m), JsonNumber(p.x_m + half_width_m), JsonNumber(p.y_m));
}

// Writes `count` people (person(i)) as a JSON array's entries, one a line, to `f`.
void WritePeople(std::ostream& f, int64_t count, const std::function<GsrPerson(int64_t)>& person) {
  std::string line;
  for (int64_t i = 0; i < count; ++i) {
    line.assign(i == 0 ? "\n" : ",\n");
    AppendPersonJson(person(i), i + 1, &line);
    f.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  f << "\n";
}
}  // namespace

void WriteGsrGroundTruth(const std::string& name, const GsrGroundTruth& gt, const std::filesystem::path& path) {
  const nlohmann::json info = {{"version", "1.3"}, {"name", name}};
  const nlohmann::json categories = {{{"id", 1}, {"name", "player"}}, {{"id", 2}, {"name", "goalkeeper"}},
                                     {{"id", 3}, {"name", "referee"}}, {{"id", 4}, {"name", "ball"}},
                                     {{"id", 5}, {"name", "other"}}};
  WriteFileAtomic(path, [&](std::ostream& f) {
    f << "{\"info\": " << info.dump() << ",\n\"images\": [";
    for (size_t i = 0; i < gt.evaluated_images.size(); ++i) {
      const nlohmann::json image = {{"is_labeled", true}, {"image_id", gt.evaluated_images[i]},
                                    {"file_name", fmt::format("{:06d}.jpg", i + 1)}, {"has_labeled_person", true},
                                    {"has_labeled_pitch", true}, {"has_labeled_camera", true}};
      f << (i == 0 ? "\n" : ",\n") << image.dump();
    }
    f << "\n],\n\"annotations\": [";
    WritePeople(f, static_cast<int64_t>(gt.people.size()), [&](int64_t i) { return gt.people[i]; });
    f << "],\n\"categories\": " << categories.dump() << "}\n";
  });
}

void WriteGsrPredictions(const std::vector<GsrPerson>& people, const std::filesystem::path& path) {
  WriteGsrPredictions(static_cast<int64_t>(people.size()), [&](int64_t i) { return people[i]; }, path);
}

void WriteGsrPredictions(int64_t count, const std::function<GsrPerson(int64_t)>& person,
                         const std::filesystem::path& path) {
  WriteFileAtomic(path, [&](std::ostream& f) {
    f << "{\"predictions\": [";
    WritePeople(f, count, person);
    f << "]}\n";
  });
}

}  // namespace ipt::eval
