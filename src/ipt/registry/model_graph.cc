#include "ipt/registry/model_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <regex>

#include "ipt/io/match.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::registry {

std::string FieldSpec::ToString() const {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? "," : "") + std::to_string(shape[i]);
  std::string dtype = io::DTypeName(this->dtype);
  std::transform(dtype.begin(), dtype.end(), dtype.begin(), ::tolower);
  return fmt::format("{}: {}[{}]", name, dtype, dims);
}

FieldSpec ParseFieldSpec(const std::string& text) {
  // std::regex recurses per character: bound the input before matching.
  constexpr size_t kMaxFieldSpecChars = 256;
  IPT_CHECK(text.size() <= kMaxFieldSpecChars, "field spec '{}' is longer than {} characters", Echo(text),
            kMaxFieldSpecChars);
  static const std::regex kPattern(R"(^\s*([A-Za-z0-9_.]+)\s*:\s*([a-z0-9]+)\[([-0-9, ]*)\]\s*$)");
  std::smatch m;
  IPT_CHECK(std::regex_match(text, m, kPattern), "field spec '{}' is not 'name: dtype[dims]'", Echo(text));
  FieldSpec f;
  f.name = m[1];
  std::string dtype = m[2];
  std::transform(dtype.begin(), dtype.end(), dtype.begin(), ::toupper);
  auto parsed = io::ParseDType(dtype);
  IPT_CHECK(parsed.has_value(), "field spec '{}': unknown dtype '{}'", Echo(text), Echo(std::string(m[2])));
  f.dtype = *parsed;
  std::string dims = m[3];
  size_t start = 0;
  while (start < dims.size()) {
    size_t comma = dims.find(',', start);
    std::string d = dims.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    d.erase(std::remove(d.begin(), d.end(), ' '), d.end());
    IPT_CHECK(!d.empty(), "field spec '{}': empty dimension", Echo(text));
    int64_t v = 0;
    const auto [end, error] = std::from_chars(d.data(), d.data() + d.size(), v);
    IPT_CHECK(error == std::errc() && end == d.data() + d.size() && v >= -1,
              "field spec '{}': dimensions are integers >= 0 or -1 (free)", Echo(text));
    f.shape.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return f;
}

namespace {
std::vector<FieldSpec> Fields(std::initializer_list<const char*> specs) {
  std::vector<FieldSpec> out;
  for (const char* s : specs) out.push_back(ParseFieldSpec(s));
  return out;
}
}  // namespace

ModelGraph ModelGraph::PathA() {
  ModelGraph g;
  g.AddLayer({"frame", std::nullopt, 1});
  g.AddLayer({"track", "frame", 1});
  g.AddModel({"detector", "detector", Fields({"panorama: u8[512,1024,3]"}),
              Fields({"foot_points_m: f32[-1,2]", "detection.score: f32[-1]"}), "frame", {}});
  // Categories are match-relative (kits change from match to match), so a crop
  // gives what it can know: role and a kit embedding (crop_encoder/crop_encoder.h).
  // The jersey-number features `jn` (133 values) are the three jn.* fields.
  g.AddModel({"crop_encoder", "crop_encoder", Fields({"crops: u8[-1,256,128,3]", "foot_points_m: f32[-1,2]"}),
              Fields({"embedding: f32[-1,64]", "team.kit: f32[-1,8]", "team.role.logits: f32[-1,4]",
                      "jn.presence.logits: f32[-1,3]", "jn.digits.logits: f32[-1,30]",
                      "jn.number.logits: f32[-1,100]", "foot.offset_m: f32[-1,2]"}),
              "frame", {}});
  g.AddModel({"tracker", "tracker",
              Fields({"embedding: f32[-1,64]", "foot_points_m: f32[-1,2]", "detection.score: f32[-1]",
                      "team.kit: f32[-1,8]", "team.role.logits: f32[-1,4]"}),
              // The online tracker; the GNN tracker adds its category head (category.logits).
              Fields({"track_id: i64[-1]", "track.position_m: f32[-1,2]"}), "track", {"frame"}});
  // One logit per jersey number plus "unknown".
  const std::string jersey_logits = fmt::format("jersey.logits: f32[-1,{}]", io::kNumJerseys + 1);
  g.AddModel({"jn_classifier", "jn_classifier",
              Fields({"jn.presence.logits: f32[-1,3]", "jn.digits.logits: f32[-1,30]", "jn.number.logits: f32[-1,100]",
                      "track_id: i64[-1]"}),
              Fields({jersey_logits.c_str()}), std::nullopt, {"frame", "track"}});
  // Appearance, category (kit and role) and the crops' jersey readings link tracks and
  // name them. At run time its naming step also reads the JN classifier's output, which
  // trains nothing in it: a JN classifier change retrains no identity resolver (the
  // design's cascade table).
  g.AddModel({"identity_resolver", "identity_resolver",
              Fields({"track_id: i64[-1]", "embedding: f32[-1,64]", "team.kit: f32[-1,8]", "team.role.logits: f32[-1,4]",
                      "jn.presence.logits: f32[-1,3]", "jn.digits.logits: f32[-1,30]", "jn.number.logits: f32[-1,100]",
                      "foot_points_m: f32[-1,2]"}),
              Fields({"player_id: i64[-1]"}), std::nullopt, {"frame", "track"}});
  g.AddEdge({"detector", "crop_encoder", {"foot_points_m"}, false});
  g.AddEdge({"crop_encoder", "tracker", {"embedding", "team.kit", "team.role.logits"}, false});
  g.AddEdge({"detector", "tracker", {"foot_points_m", "detection.score"}, false});
  g.AddEdge({"tracker", "jn_classifier", {"track_id"}, false});
  g.AddEdge({"crop_encoder", "jn_classifier", {"jn.presence.logits", "jn.digits.logits", "jn.number.logits"}, false});
  g.AddEdge({"tracker", "identity_resolver", {"track_id"}, false});
  g.AddEdge({"crop_encoder", "identity_resolver",
             {"embedding", "team.kit", "team.role.logits", "jn.presence.logits", "jn.digits.logits", "jn.number.logits"},
             false});
  g.AddEdge({"detector", "identity_resolver", {"foot_points_m"}, false});
  g.Check();
  return g;
}

void ModelGraph::AddModel(ModelSpec spec) {
  IPT_CHECK(!HasModel(spec.name), "model '{}' declared twice", spec.name);
  models_.push_back(std::move(spec));
}

void ModelGraph::AddEdge(Edge edge) { edges_.push_back(std::move(edge)); }

void ModelGraph::AddLayer(LayerSpec layer) { layers_.push_back(std::move(layer)); }

bool ModelGraph::HasModel(const std::string& name) const {
  return std::any_of(models_.begin(), models_.end(), [&](const ModelSpec& m) { return m.name == name; });
}

const ModelSpec& ModelGraph::Model(const std::string& name) const {
  for (const auto& m : models_) {
    if (m.name == name) return m;
  }
  std::string known;
  for (const auto& m : models_) known += (known.empty() ? "" : ", ") + m.name;
  IPT_THROW("unknown model '{}' (models: {})", Echo(name), known);
}

const LayerSpec& ModelGraph::Layer(const std::string& name) const {
  for (const auto& l : layers_) {
    if (l.name == name) return l;
  }
  IPT_THROW("unknown precompute layer '{}'", name);
}

std::vector<const Edge*> ModelGraph::EdgesInto(const std::string& model) const {
  std::vector<const Edge*> out;
  for (const auto& e : edges_) {
    if (e.downstream == model) out.push_back(&e);
  }
  return out;
}

std::vector<std::string> ModelGraph::TopologicalOrder() const {
  // Kahn's algorithm, ties in declaration order (stable, readable plans).
  std::map<std::string, int> indegree;
  for (const auto& m : models_) indegree[m.name] = 0;
  for (const auto& e : edges_) ++indegree[e.downstream];
  std::vector<std::string> order;
  std::set<std::string> done;
  while (order.size() < models_.size()) {
    bool progressed = false;
    for (const auto& m : models_) {
      if (done.count(m.name) || indegree[m.name] != 0) continue;
      order.push_back(m.name);
      done.insert(m.name);
      for (const auto& e : edges_) {
        if (e.upstream == m.name) --indegree[e.downstream];
      }
      progressed = true;
      break;
    }
    IPT_CHECK(progressed, "the model graph has a cycle");
  }
  return order;
}

std::vector<std::string> ModelGraph::Descendants(const std::set<std::string>& changed) const {
  std::set<std::string> reached;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    for (const auto& e : edges_) {
      if (e.upstream == name && reached.insert(e.downstream).second) visit(e.downstream);
    }
  };
  for (const auto& c : changed) {
    Model(c);  // validates the name
    visit(c);
  }
  std::vector<std::string> out;
  for (const auto& name : TopologicalOrder()) {
    if (reached.count(name) && !changed.count(name)) out.push_back(name);
  }
  return out;
}

std::vector<std::string> ModelGraph::Producers(const std::string& layer) const {
  std::vector<std::string> out;
  for (const auto& m : models_) {
    if (m.produces_layer == layer) out.push_back(m.name);
  }
  return out;
}

void ModelGraph::Check() const {
  for (const auto& e : edges_) {
    const ModelSpec& up = Model(e.upstream);
    Model(e.downstream);
    for (const auto& field : e.fields) {
      bool found = std::any_of(up.outputs.begin(), up.outputs.end(), [&](const FieldSpec& f) { return f.name == field; });
      IPT_CHECK(found, "edge {} -> {} reads '{}', which {} does not output", e.upstream, e.downstream, field, e.upstream);
      const ModelSpec& down = Model(e.downstream);
      bool read = std::any_of(down.inputs.begin(), down.inputs.end(), [&](const FieldSpec& f) { return f.name == field; });
      IPT_CHECK(read, "edge {} -> {} carries '{}', which {} does not declare as an input", e.upstream, e.downstream,
                field, e.downstream);
    }
  }
  for (const auto& m : models_) {
    if (m.produces_layer) Layer(*m.produces_layer);
    for (const auto& l : m.consumes_layers) Layer(l);
  }
  for (const auto& l : layers_) {
    if (l.input) Layer(*l.input);
  }
  TopologicalOrder();  // throws on a cycle
}

}  // namespace ipt::registry
