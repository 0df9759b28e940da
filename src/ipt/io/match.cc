#include "ipt/io/match.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>

#include "ipt/util/atomic_path.h"
#include <fmt/format.h>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"
#include "ipt/io/yaml_reader.h"

namespace ipt::io {
namespace {

constexpr const char* kCategoryNames[kNumCategories] = {"team_a", "team_b", "goalkeeper_a",
                                                        "goalkeeper_b", "referee"};

geometry::Camera ReadCamera(const YamlReader& r, const YAML::Node& node, const std::string& f) {
  r.OnlyKeys(node, f, {"name", "video", "model", "width_px", "height_px", "fx", "fy", "cx", "cy", "distortion",
                       "camera_from_pitch"});
  geometry::CameraIntrinsics in;
  std::string name = r.Get<std::string>(node, "name", f);
  std::string model = r.Get<std::string>(node, "model", f);
  if (model == "fisheye") {
    in.model = geometry::LensModel::kFisheye;
  } else if (model == "pinhole_radtan") {
    in.model = geometry::LensModel::kPinholeRadTan;
  } else {
    r.Fail(node["model"], f + ".model", "unknown lens model '" + model + "' (pinhole_radtan or fisheye)");
  }
  in.width_px = r.Get<int>(node, "width_px", f);
  in.height_px = r.Get<int>(node, "height_px", f);
  in.fx = r.Get<double>(node, "fx", f);
  in.fy = r.Get<double>(node, "fy", f);
  in.cx = r.Get<double>(node, "cx", f);
  in.cy = r.Get<double>(node, "cy", f);
  size_t n_dist = in.model == geometry::LensModel::kFisheye ? 4 : 5;
  auto dist = r.Numbers(r.Child(node, "distortion", f + ".distortion"), f + ".distortion", n_dist);
  std::copy(dist.begin(), dist.end(), in.distortion.begin());
  YAML::Node pose = r.Child(node, "camera_from_pitch", f + ".camera_from_pitch");
  std::string pf = f + ".camera_from_pitch";
  r.OnlyKeys(pose, pf, {"rotation", "translation_m"});
  YAML::Node rot = r.Child(pose, "rotation", pf + ".rotation");
  if (!rot.IsSequence() || rot.size() != 3) r.Fail(rot, pf + ".rotation", "expected 3 rows of 3 numbers");
  Eigen::Isometry3d camera_from_pitch = Eigen::Isometry3d::Identity();
  for (int i = 0; i < 3; ++i) {
    auto row = r.Numbers(rot[i], pf + ".rotation[" + std::to_string(i) + "]", 3);
    for (int j = 0; j < 3; ++j) camera_from_pitch.linear()(i, j) = row[j];
  }
  auto t = r.Numbers(r.Child(pose, "translation_m", pf + ".translation_m"), pf + ".translation_m", 3);
  camera_from_pitch.translation() = Eigen::Vector3d(t[0], t[1], t[2]);
  try {
    return geometry::Camera(name, in, camera_from_pitch);
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    r.Fail(node, f, "invalid calibration: " + e.message());
  }
}

void EmitCamera(YAML::Emitter& out, const CameraEntry& entry) {
  const auto& c = entry.camera;
  const auto& in = c.intrinsics();
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << c.name();
  out << YAML::Key << "video" << YAML::Value << entry.video;
  out << YAML::Key << "model" << YAML::Value << geometry::LensModelName(in.model);
  out << YAML::Key << "width_px" << YAML::Value << in.width_px;
  out << YAML::Key << "height_px" << YAML::Value << in.height_px;
  out << YAML::Key << "fx" << YAML::Value << in.fx;
  out << YAML::Key << "fy" << YAML::Value << in.fy;
  out << YAML::Key << "cx" << YAML::Value << in.cx;
  out << YAML::Key << "cy" << YAML::Value << in.cy;
  size_t n_dist = in.model == geometry::LensModel::kFisheye ? 4 : 5;
  out << YAML::Key << "distortion" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (size_t i = 0; i < n_dist; ++i) out << in.distortion[i];
  out << YAML::EndSeq;
  out << YAML::Key << "camera_from_pitch" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "rotation" << YAML::Value << YAML::BeginSeq;
  for (int i = 0; i < 3; ++i) {
    out << YAML::Flow << YAML::BeginSeq;
    for (int j = 0; j < 3; ++j) out << c.camera_from_pitch().linear()(i, j);
    out << YAML::EndSeq;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "translation_m" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (int i = 0; i < 3; ++i) out << c.camera_from_pitch().translation()(i);
  out << YAML::EndSeq << YAML::EndMap;
  out << YAML::EndMap;
}

}  // namespace

const char* CategoryName(Category c) { return kCategoryNames[static_cast<int>(c)]; }

std::optional<Category> ParseCategory(const std::string& name) {
  for (int i = 0; i < kNumCategories; ++i) {
    if (name == kCategoryNames[i]) return static_cast<Category>(i);
  }
  return std::nullopt;
}

namespace {
constexpr const char* kRefereeStationNames[] = {"pitch", "near_touchline", "far_touchline"};
}  // namespace

const char* RefereeStationName(RefereeStation s) { return kRefereeStationNames[static_cast<int>(s)]; }

std::optional<RefereeStation> ParseRefereeStation(const std::string& name) {
  for (int i = 0; i < 3; ++i) {
    if (name == kRefereeStationNames[i]) return static_cast<RefereeStation>(i);
  }
  return std::nullopt;
}

int CategoryTeam(Category c) {
  switch (c) {
    case Category::kTeamA:
    case Category::kGoalkeeperA:
      return 0;
    case Category::kTeamB:
    case Category::kGoalkeeperB:
      return 1;
    case Category::kReferee:
      return -1;
  }
  return -1;
}

geometry::Rig MatchInfo::MakeRig() const {
  std::vector<geometry::Camera> list;
  for (const auto& c : cameras) list.push_back(c.camera);
  return geometry::MakeRig(std::move(list));
}

bool MatchInfo::NearTouchlineIsFarSide() const {
  if (cameras.empty()) return false;
  double z = 0;
  for (const auto& c : cameras) z += c.camera.center_in_pitch().z();
  return z / cameras.size() > pitch.width_m / 2;
}

const RosterEntry* MatchInfo::FindPerson(int player_id) const {
  for (const auto& p : roster) {
    if (p.player_id == player_id) return &p;
  }
  return nullptr;
}

namespace {
// The substitution tolerance in frames (ReadMatchYaml checks the seconds; a MatchInfo made
// in code is checked here).
bool ToleranceInRange(double seconds) {
  return std::isfinite(seconds) && seconds >= 0 && seconds <= MatchInfo::kMaxSubstitutionToleranceSeconds;
}

int64_t ToleranceFrames(const MatchInfo& m) {
  IPT_CHECK(ToleranceInRange(m.substitution_tolerance_seconds), "substitution_tolerance_seconds must be in [0, {}], got {}",
            MatchInfo::kMaxSubstitutionToleranceSeconds, m.substitution_tolerance_seconds);
  IPT_CHECK(std::isfinite(m.fps) && m.fps >= 0 && m.fps <= limits::kMaxFps, "fps must be in [0, {}], got {}",
            limits::kMaxFps, m.fps);
  return std::llround(m.substitution_tolerance_seconds * m.fps);
}
}  // namespace

std::optional<FrameSpan> MatchInfo::PlayingFrames(const RosterEntry& entry) const {
  const int last = frame_count > 0 ? frame_count : std::numeric_limits<int>::max();
  const int64_t tolerance = ToleranceFrames(*this);
  std::optional<FrameSpan> span;
  if (entry.starts) span = FrameSpan{1, last};
  for (const Substitution& s : substitutions) {
    if (s.player_in == entry.player_id) span = FrameSpan{static_cast<int>(std::max<int64_t>(1, s.frame - tolerance)), last};
    if (s.player_out == entry.player_id && span)
      span->last_frame = static_cast<int>(std::min<int64_t>(last, int64_t{s.frame} - 1 + tolerance));
  }
  return span;
}

bool MatchInfo::PlaysThroughout(const RosterEntry& entry, const FrameSpan& frames) const {
  const std::optional<FrameSpan> span = PlayingFrames(entry);
  return span && span->first_frame <= frames.first_frame && frames.last_frame <= span->last_frame;
}

bool MatchInfo::SubstitutionBetween(std::optional<Category> category, int last_seen, int next_seen) const {
  const int64_t tolerance = ToleranceFrames(*this);
  for (const Substitution& s : substitutions) {
    if (category) {
      const RosterEntry* out = FindPerson(s.player_out);
      if (!out || out->category != *category) continue;
    }
    // The player going out plays until s.frame - 1, the one coming in from s.frame (each
    // give or take the tolerance).
    if (last_seen <= s.frame - 1 + tolerance && s.frame - tolerance <= next_seen) return true;
  }
  return false;
}

namespace {

// A video named in match.yaml: a file inside the match directory.
std::string ReadVideoName(const YamlReader& r, const YAML::Node& camera, const std::string& f) {
  const std::string video = r.Get<std::string>(camera, "video", f);
  const std::filesystem::path p(video);
  bool inside = !video.empty() && p.is_relative();
  for (const auto& part : p) inside &= part != "..";
  if (!inside) r.Fail(camera["video"], f + ".video", "must be a file name inside the match directory, got '" + Echo(video) + "'");
  return video;
}

void ReadPitchAndTiming(const YamlReader& r, const YAML::Node& root, MatchInfo* m) {
  YAML::Node pitch = r.Child(root, "pitch", "pitch");
  r.OnlyKeys(pitch, "pitch", {"length_m", "width_m"});
  m->pitch.length_m = r.Get<double>(pitch, "length_m", "pitch");
  m->pitch.width_m = r.Get<double>(pitch, "width_m", "pitch");
  try {
    m->pitch.Check();
  } catch (const Error& e) {
    r.Fail(pitch, "pitch", e.message());
  }
  m->fps = r.Get<double>(root, "fps", "");
  if (m->fps <= 0 || m->fps > limits::kMaxFps) {
    r.Fail(root["fps"], "fps", fmt::format("must be in (0, {:g}]", limits::kMaxFps));
  }
  m->frame_count = r.Get<int>(root, "frame_count", "");
  if (m->frame_count <= 0 || m->frame_count > limits::kMaxFrames) {
    r.Fail(root["frame_count"], "frame_count", fmt::format("must be in 1..{}", limits::kMaxFrames));
  }
}

void ReadCameras(const YamlReader& r, const YAML::Node& root, MatchInfo* m) {
  YAML::Node cams = r.Child(root, "cameras", "cameras");
  if (!cams.IsSequence() || cams.size() != 2) {
    r.Fail(cams, "cameras", "expected a list of exactly two cameras (left, right)");
  }
  for (size_t i = 0; i < cams.size(); ++i) {
    std::string f = "cameras[" + std::to_string(i) + "]";
    CameraEntry entry{ReadCamera(r, cams[i], f), ReadVideoName(r, cams[i], f)};
    m->cameras.push_back(std::move(entry));
  }
}

void ReadPanorama(const YamlReader& r, const YAML::Node& root, MatchInfo* m) {
  YAML::Node pano = root["panorama"];
  if (!pano.IsDefined() || pano.IsNull()) return;
  ConfigSection s(r, pano, "panorama");
  ReadPanoramaOptions(&s, &m->panorama);
  s.Finish();
  try {
    m->panorama.Check();
  } catch (const Error& e) {
    r.Fail(pano, "panorama", e.message());
  }
}

void ReadCategoriesAndTeams(const YamlReader& r, const YAML::Node& root, MatchInfo* m) {
  if (YAML::Node cats = root["categories"]; cats.IsDefined()) {
    if (!cats.IsSequence()) r.Fail(cats, "categories", "expected a list");
    for (size_t i = 0; i < cats.size(); ++i) {
      std::string name = r.As<std::string>(cats[i], "categories[" + std::to_string(i) + "]");
      if (!ParseCategory(name)) r.Fail(cats[i], "categories", "unknown category '" + Echo(name) + "'");
    }
  }
  if (YAML::Node teams = root["teams"]; teams.IsDefined()) {
    if (!teams.IsMap()) r.Fail(teams, "teams", "expected a mapping (team_a, team_b)");
    r.OnlyKeys(teams, "teams", {"team_a", "team_b"});
    for (const char* team : {"team_a", "team_b"}) {
      if (!teams[team].IsDefined()) continue;
      const std::string f = std::string("teams.") + team;
      r.OnlyKeys(teams[team], f, {"name"});
      (std::string(team) == "team_a" ? m->team_a_name : m->team_b_name) = r.Get<std::string>(teams[team], "name", f);
    }
  }
}

void ReadRoster(const YamlReader& r, const YAML::Node& root, MatchInfo* m) {
  YAML::Node roster = r.Child(root, "roster", "roster");
  if (!roster.IsSequence()) r.Fail(roster, "roster", "expected a list");
  std::set<int> ids;
  std::set<std::pair<int, int>> team_jerseys;
  for (size_t i = 0; i < roster.size(); ++i) {
    std::string f = "roster[" + std::to_string(i) + "]";
    const YAML::Node& n = roster[i];
    r.OnlyKeys(n, f, {"player_id", "category", "jersey", "name", "station", "starts"});
    RosterEntry e;
    e.player_id = r.Get<int>(n, "player_id", f);
    std::string cat = r.Get<std::string>(n, "category", f);
    auto parsed = ParseCategory(cat);
    if (!parsed) r.Fail(n["category"], f + ".category", "unknown category '" + Echo(cat) + "'");
    e.category = *parsed;
    if (n["jersey"].IsDefined() && !n["jersey"].IsNull()) {
      int jersey = r.Get<int>(n, "jersey", f);
      if (jersey < kMinJersey || jersey > kMaxJersey) {
        r.Fail(n["jersey"], f + ".jersey", fmt::format("must be in {}..{}", kMinJersey, kMaxJersey));
      }
      e.jersey = jersey;
      if (!team_jerseys.insert({CategoryTeam(e.category), jersey}).second && CategoryTeam(e.category) >= 0) {
        r.Fail(n["jersey"], f + ".jersey", "jersey " + std::to_string(jersey) + " used twice in one team");
      }
    }
    e.name = r.GetOr<std::string>(n, "name", f, "");
    if (n["station"].IsDefined() && !n["station"].IsNull()) {
      const std::string station = r.Get<std::string>(n, "station", f);
      e.station = ParseRefereeStation(station);
      if (!e.station) {
        r.Fail(n["station"], f + ".station",
               "unknown station '" + Echo(station) + "' (known: pitch, near_touchline, far_touchline)");
      }
      if (e.category != Category::kReferee) r.Fail(n["station"], f + ".station", "only referees have a station");
    }
    e.starts = r.GetOr<bool>(n, "starts", f, true);
    if (!ids.insert(e.player_id).second) {
      r.Fail(n["player_id"], f + ".player_id", "duplicate player_id " + std::to_string(e.player_id));
    }
    m->roster.push_back(std::move(e));
  }
}

// Substitutions in order of frame; each takes off someone playing and brings on someone of
// the same side (a team, or the referees) who has not played yet.
void ReadSubstitutions(const YamlReader& r, const YAML::Node& root, MatchInfo* m) {
  YAML::Node subs = root["substitutions"];
  if (!subs.IsDefined() || subs.IsNull()) return;
  if (!subs.IsSequence()) r.Fail(subs, "substitutions", "expected a list");
  std::set<int> playing, played;  // player ids
  std::map<int, int> came_on;      // player id -> the frame he came on
  for (const RosterEntry& e : m->roster) {
    if (e.starts) playing.insert(e.player_id), played.insert(e.player_id);
  }
  int last_frame = 1;
  for (size_t i = 0; i < subs.size(); ++i) {
    const std::string f = "substitutions[" + std::to_string(i) + "]";
    const YAML::Node& n = subs[i];
    for (const char* old_key : {"off", "on"}) {  // session 22's keys
      if (n.IsMap() && n[old_key].IsDefined()) {
        r.Fail(n[old_key], f + "." + old_key, "the keys are now 'out' and 'in' (YAML 1.1 reads off / on as booleans)");
      }
    }
    r.OnlyKeys(n, f, {"frame", "out", "in"});
    Substitution s;
    s.frame = r.Get<int>(n, "frame", f);
    // Frame 1 is the line-up's (starts): a change there is a different line-up.
    if (s.frame < 2 || s.frame > m->frame_count) {
      r.Fail(n["frame"], f + ".frame", fmt::format("must be in 2..frame_count ({}), got {}", m->frame_count, s.frame));
    }
    if (s.frame < last_frame) r.Fail(n["frame"], f + ".frame", fmt::format("must not be before the previous one ({})", last_frame));
    last_frame = s.frame;
    s.player_out = r.Get<int>(n, "out", f);
    const RosterEntry* off = m->FindPerson(s.player_out);
    if (!off) r.Fail(n["out"], f + ".out", fmt::format("player {} is not in the roster", s.player_out));
    if (!playing.count(s.player_out)) r.Fail(n["out"], f + ".out", fmt::format("player {} is not playing at frame {}", s.player_out, s.frame));
    if (came_on.count(s.player_out) && came_on.at(s.player_out) == s.frame) {
      r.Fail(n["out"], f + ".out", fmt::format("player {} came on at frame {}: he plays at least one frame", s.player_out, s.frame));
    }
    playing.erase(s.player_out);
    if (n["in"].IsDefined() && !n["in"].IsNull()) {
      s.player_in = r.Get<int>(n, "in", f);
      const RosterEntry* on = m->FindPerson(*s.player_in);
      if (!on) r.Fail(n["in"], f + ".in", fmt::format("player {} is not in the roster", *s.player_in));
      if (played.count(*s.player_in)) {
        r.Fail(n["in"], f + ".in", fmt::format("player {} has already played (starts, or came on before)", *s.player_in));
      }
      // The roster's category is the player's for the whole match (a goalkeeper's shirt).
      if (on->category != off->category) {
        r.Fail(n["in"], f + ".in", fmt::format("player {} ({}) cannot replace player {} ({}): another category", *s.player_in,
                                               CategoryName(on->category), s.player_out, CategoryName(off->category)));
      }
      playing.insert(*s.player_in), played.insert(*s.player_in), came_on[*s.player_in] = s.frame;
    }
    m->substitutions.push_back(s);
  }
}

}  // namespace

void ReadPanoramaOptions(ConfigSection* s, geometry::PanoramaOptions* p) {
  s->Read("width_px", &p->width_px);
  s->Read("height_px", &p->height_px);
  s->Read("azimuth_min_deg", &p->azimuth_min_deg);
  s->Read("azimuth_max_deg", &p->azimuth_max_deg);
  s->Read("elevation_min_deg", &p->elevation_min_deg);
  s->Read("elevation_max_deg", &p->elevation_max_deg);
  s->Read("elevation_compression", &p->elevation_compression);
  s->Read("seam_width_deg", &p->seam_width_deg);
  s->Read("far_distance_m", &p->far_distance_m);
}

MatchInfo ReadMatchYaml(const std::filesystem::path& path) {
  const std::string file = path.string();
  YAML::Node root = LoadYamlFile(file);
  YamlReader r(file);
  if (!root.IsMap()) r.Fail(root, "", "expected a mapping at the top level");
  r.OnlyKeys(root, "", {"format", "name", "pitch", "fps", "frame_count", "cameras", "panorama", "categories", "teams",
                        "roster", "substitutions", "substitution_tolerance_seconds"});
  std::string format = r.Get<std::string>(root, "format", "");
  if (format != kMatchFormat) {
    r.Fail(root["format"], "format", "unsupported format '" + Echo(format) + "', expected " + kMatchFormat);
  }
  MatchInfo m;
  m.name = r.GetOr<std::string>(root, "name", "", path.parent_path().filename().string());
  ReadPitchAndTiming(r, root, &m);
  ReadCameras(r, root, &m);
  ReadPanorama(r, root, &m);
  ReadCategoriesAndTeams(r, root, &m);
  ReadRoster(r, root, &m);
  ReadSubstitutions(r, root, &m);
  m.substitution_tolerance_seconds =
      r.GetOr<double>(root, "substitution_tolerance_seconds", "", MatchInfo{}.substitution_tolerance_seconds);
  if (!ToleranceInRange(m.substitution_tolerance_seconds)) {
    r.Fail(root["substitution_tolerance_seconds"], "substitution_tolerance_seconds",
           fmt::format("must be in [0, {}], got {}", MatchInfo::kMaxSubstitutionToleranceSeconds,
                       m.substitution_tolerance_seconds));
  }
  return m;
}

std::string MatchYamlText(const MatchInfo& m) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kMatchFormat;
  out << YAML::Key << "name" << YAML::Value << m.name;
  out << YAML::Key << "pitch" << YAML::Value << YAML::Flow << YAML::BeginMap
      << YAML::Key << "length_m" << YAML::Value << m.pitch.length_m
      << YAML::Key << "width_m" << YAML::Value << m.pitch.width_m << YAML::EndMap;
  out << YAML::Key << "fps" << YAML::Value << m.fps;
  out << YAML::Key << "frame_count" << YAML::Value << m.frame_count;
  out << YAML::Key << "cameras" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : m.cameras) EmitCamera(out, c);
  out << YAML::EndSeq;
  const auto& p = m.panorama;
  out << YAML::Key << "panorama" << YAML::Value << YAML::BeginMap
      << YAML::Key << "width_px" << YAML::Value << p.width_px
      << YAML::Key << "height_px" << YAML::Value << p.height_px
      << YAML::Key << "azimuth_min_deg" << YAML::Value << p.azimuth_min_deg
      << YAML::Key << "azimuth_max_deg" << YAML::Value << p.azimuth_max_deg
      << YAML::Key << "elevation_min_deg" << YAML::Value << p.elevation_min_deg
      << YAML::Key << "elevation_max_deg" << YAML::Value << p.elevation_max_deg
      << YAML::Key << "elevation_compression" << YAML::Value << p.elevation_compression
      << YAML::Key << "seam_width_deg" << YAML::Value << p.seam_width_deg
      << YAML::Key << "far_distance_m" << YAML::Value << p.far_distance_m << YAML::EndMap;
  out << YAML::Key << "categories" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const char* name : kCategoryNames) out << name;
  out << YAML::EndSeq;
  out << YAML::Key << "teams" << YAML::Value << YAML::BeginMap
      << YAML::Key << "team_a" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "name"
      << YAML::Value << m.team_a_name << YAML::EndMap
      << YAML::Key << "team_b" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "name"
      << YAML::Value << m.team_b_name << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "roster" << YAML::Value << YAML::BeginSeq;
  for (const auto& e : m.roster) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "player_id" << YAML::Value << e.player_id
        << YAML::Key << "category" << YAML::Value << CategoryName(e.category);
    if (e.jersey) out << YAML::Key << "jersey" << YAML::Value << *e.jersey;
    if (!e.name.empty()) out << YAML::Key << "name" << YAML::Value << e.name;
    if (e.station) out << YAML::Key << "station" << YAML::Value << RefereeStationName(*e.station);
    if (!e.starts) out << YAML::Key << "starts" << YAML::Value << false;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (!m.substitutions.empty()) {
    out << YAML::Key << "substitutions" << YAML::Value << YAML::BeginSeq;
    for (const Substitution& s : m.substitutions) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "frame" << YAML::Value << s.frame << YAML::Key << "out"
          << YAML::Value << s.player_out;
      if (s.player_in) out << YAML::Key << "in" << YAML::Value << *s.player_in;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (m.substitution_tolerance_seconds != MatchInfo{}.substitution_tolerance_seconds) {
    out << YAML::Key << "substitution_tolerance_seconds" << YAML::Value << m.substitution_tolerance_seconds;
  }
  out << YAML::EndMap;
  IPT_CHECK(out.good(), "YAML emitter error: {}", out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

void WriteMatchYaml(const MatchInfo& m, const std::filesystem::path& path) { WriteFileAtomic(path, MatchYamlText(m)); }

}  // namespace ipt::io
