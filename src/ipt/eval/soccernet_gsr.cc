#include "ipt/eval/soccernet_gsr.h"

#include <fmt/format.h>

#include <fstream>
#include <map>

#include "ipt/eval/similarity.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"

namespace ipt::eval {
namespace {

constexpr double kGsTolerance = 5.0;

nlohmann::json LoadJson(const std::filesystem::path& path) {
  std::string text = ReadFile(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path.string(), 0, "", fmt::format("malformed JSON at byte {}: {}", e.byte, e.what()));
  }
}

const nlohmann::json& Field(const nlohmann::json& object, const char* key, const std::string& file,
                            const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw InputError(file, 0, where + "." + key, "missing");
  return object.at(key);
}

std::string IdString(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Reads one person; returns false for rows to skip (ball, non-object).
bool ReadPerson(const nlohmann::json& a, const std::string& file, const std::string& where, GsrPerson* out) {
  if (a.contains("supercategory") && a["supercategory"] != "object") return false;
  const nlohmann::json& attributes = Field(a, "attributes", file, where);
  const nlohmann::json& role = Field(attributes, "role", file, where + ".attributes");
  if (role == "ball") return false;
  static const std::vector<std::string> kRoles = {"player", "goalkeeper", "referee", "other"};
  if (!role.is_string() || std::find(kRoles.begin(), kRoles.end(), role.get<std::string>()) == kRoles.end()) {
    throw InputError(file, 0, where + ".attributes.role", fmt::format("invalid role {}", role.dump()));
  }
  nlohmann::json team = attributes.value("team", nlohmann::json());
  if (!team.is_null() && team != "left" && team != "right") {
    throw InputError(file, 0, where + ".attributes.team", fmt::format("invalid team {}", team.dump()));
  }
  out->image_id = IdString(Field(a, "image_id", file, where));
  const nlohmann::json& track = Field(a, "track_id", file, where);
  if (!track.is_number_integer()) throw InputError(file, 0, where + ".track_id", "must be an integer");
  out->track_id = track.get<int64_t>();
  const nlohmann::json& box = Field(a, "bbox_pitch", file, where);
  for (const char* k : {"x_bottom_left", "y_bottom_left", "x_bottom_middle", "y_bottom_middle", "x_bottom_right", "y_bottom_right"}) {
    const nlohmann::json& v = Field(box, k, file, where + ".bbox_pitch");
    if (!v.is_number()) throw InputError(file, 0, where + ".bbox_pitch." + k, "must be a number");
  }
  out->x_m = box["x_bottom_middle"].get<double>();
  out->y_m = box["y_bottom_middle"].get<double>();
  out->role = role;
  out->team = team;
  out->jersey = attributes.value("jersey", nlohmann::json());
  return true;
}

}  // namespace

GsrGroundTruth ReadGsrGroundTruth(const std::filesystem::path& path) {
  const std::string file = path.string();
  nlohmann::json root = LoadJson(path);
  GsrGroundTruth gt;
  const nlohmann::json& images = Field(root, "images", file, "");
  for (size_t i = 0; i < images.size(); ++i) {
    const auto& im = images[i];
    std::string where = fmt::format("images[{}]", i);
    bool evaluated = im.value("has_labeled_pitch", false) && im.value("has_labeled_camera", false) &&
                     im.value("has_labeled_person", false);
    if (evaluated) gt.evaluated_images.push_back(IdString(Field(im, "image_id", file, where)));
  }
  const nlohmann::json& annotations = Field(root, "annotations", file, "");
  for (size_t i = 0; i < annotations.size(); ++i) {
    GsrPerson p;
    if (ReadPerson(annotations[i], file, fmt::format("annotations[{}]", i), &p)) gt.people.push_back(p);
  }
  return gt;
}

std::vector<GsrPerson> ReadGsrPredictions(const std::filesystem::path& path) {
  const std::string file = path.string();
  nlohmann::json root = LoadJson(path);
  const nlohmann::json& predictions = Field(root, "predictions", file, "");
  std::vector<GsrPerson> out;
  for (size_t i = 0; i < predictions.size(); ++i) {
    GsrPerson p;
    if (ReadPerson(predictions[i], file, fmt::format("predictions[{}]", i), &p)) out.push_back(p);
  }
  return out;
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
  SimilarityFn loc = MakePointSimilarity(PointKernel::kGaussian, kGsTolerance);
  return use_attributes ? WithIdentityKeys(loc) : loc;
}

namespace {
nlohmann::json PersonJson(const GsrPerson& p, int index) {
  const double half_width_m = 0.3;  // bbox_pitch left/right corners around the foot-point
  int category = p.role == "player" ? 1 : p.role == "goalkeeper" ? 2 : p.role == "referee" ? 3 : 5;
  return {{"id", std::to_string(index)},
          {"image_id", p.image_id},
          {"track_id", p.track_id},
          {"supercategory", "object"},
          {"category_id", category},
          {"attributes", {{"role", p.role}, {"jersey", p.jersey}, {"team", p.team}}},
          {"bbox_pitch",
           {{"x_bottom_left", p.x_m - half_width_m}, {"y_bottom_left", p.y_m},
            {"x_bottom_middle", p.x_m}, {"y_bottom_middle", p.y_m},
            {"x_bottom_right", p.x_m + half_width_m}, {"y_bottom_right", p.y_m}}}};
}
}  // namespace

void WriteGsrGroundTruth(const std::string& name, const GsrGroundTruth& gt, const std::filesystem::path& path) {
  nlohmann::json root;
  root["info"] = {{"version", "1.3"}, {"name", name}};
  root["images"] = nlohmann::json::array();
  for (size_t i = 0; i < gt.evaluated_images.size(); ++i) {
    root["images"].push_back({{"is_labeled", true}, {"image_id", gt.evaluated_images[i]},
                              {"file_name", fmt::format("{:06d}.jpg", i + 1)}, {"has_labeled_person", true},
                              {"has_labeled_pitch", true}, {"has_labeled_camera", true}});
  }
  root["annotations"] = nlohmann::json::array();
  for (size_t i = 0; i < gt.people.size(); ++i) root["annotations"].push_back(PersonJson(gt.people[i], static_cast<int>(i) + 1));
  root["categories"] = {{{"id", 1}, {"name", "player"}}, {{"id", 2}, {"name", "goalkeeper"}},
                        {{"id", 3}, {"name", "referee"}}, {{"id", 4}, {"name", "ball"}}, {{"id", 5}, {"name", "other"}}};
  WriteFileAtomic(path, root.dump(1) + "\n");
}

void WriteGsrPredictions(const std::vector<GsrPerson>& people, const std::filesystem::path& path) {
  nlohmann::json root;
  root["predictions"] = nlohmann::json::array();
  for (size_t i = 0; i < people.size(); ++i) root["predictions"].push_back(PersonJson(people[i], static_cast<int>(i) + 1));
  WriteFileAtomic(path, root.dump(1) + "\n");
}

}  // namespace ipt::eval
