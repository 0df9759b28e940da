#include "ipt/nn/recipe.h"

#include <regex>

#include "ipt/io/match_dir.h"
#include "ipt/io/yaml_reader.h"
#include "ipt/util/check.h"

namespace ipt::nn {
namespace fs = std::filesystem;

namespace {

// Match directories named by `paths`: a directory holding match.yaml is a match,
// any other directory contributes the matches directly under it.
std::vector<std::string> ExpandMatches(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (fs::exists(fs::path(p) / io::kMatchYamlName)) {
      out.push_back(p);
      continue;
    }
    for (const auto& dir : io::FindMatchDirs(p)) out.push_back(dir.string());
  }
  return out;
}

std::vector<std::string> Strings(const io::YamlReader& reader, const YAML::Node& node, const std::string& field) {
  std::vector<std::string> out;
  if (node.IsScalar()) return {reader.As<std::string>(node, field)};
  if (!node.IsSequence()) reader.Fail(node, field, "expected a directory or a list of directories");
  for (size_t i = 0; i < node.size(); ++i) out.push_back(reader.As<std::string>(node[i], field));
  return out;
}

nlohmann::json ScalarsToJson(const io::YamlReader& reader, const YAML::Node& map, const std::string& prefix) {
  nlohmann::json j = nlohmann::json::object();
  if (!map.IsDefined() || map.IsNull()) return j;
  if (!map.IsMap()) reader.Fail(map, prefix, "expected a mapping");
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    const std::string field = prefix + "." + key;
    if (key == "device") {
      j[key] = reader.As<std::string>(kv.second, field);
    } else if (key == "learning_rate" || key == "weight_decay" || key == "warmup_fraction" ||
               key == "final_lr_fraction" || key == "grad_clip_norm" || key == "checkpoint_interval_s" ||
               key == "max_minutes") {
      j[key] = reader.As<double>(kv.second, field);
    } else {
      j[key] = reader.As<int64_t>(kv.second, field);
    }
  }
  return j;
}

}  // namespace

void CheckSeedRule(const std::vector<std::string>& matches, const std::string& role) {
  static const std::regex kSeedDir(R"(seed-(\d{1,9}))");
  const bool train = role == "train";
  const int lo = train ? kFirstTrainingSeed : kFirstValidationSeed;
  const int hi = train ? kLastTrainingSeed : kLastValidationSeed;
  for (const auto& m : matches) {
    std::smatch match;
    const std::string name = fs::path(m).lexically_normal().filename().string().empty()
                                 ? fs::path(m).lexically_normal().parent_path().filename().string()
                                 : fs::path(m).lexically_normal().filename().string();
    if (!std::regex_match(name, match, kSeedDir)) continue;
    const int seed = std::stoi(match[1]);
    IPT_CHECK(seed >= lo && seed <= hi,
              "{} is seed {}: {} matches must have seeds {}..{} (every seed outside 1000..5999 is held out "
              "for evaluation)",
              m, seed, train ? "training" : "validation", lo, hi);
  }
}

TrainRecipe LoadTrainRecipe(const registry::TrainingContext& ctx) {
  TrainRecipe r;
  nlohmann::json training = nlohmann::json::object();
  if (!ctx.recipe.empty()) {
    r.path = ctx.recipe.string();
    YAML::Node root = io::LoadYamlFile(r.path);
    io::YamlReader reader(r.path);
    reader.OnlyKeys(root, "", {"model", "type", "train_matches", "val_matches", "training", "data", "network"});
    const std::string model = reader.Get<std::string>(root, "model", "");
    if (model != ctx.model) reader.Fail(root["model"], "model", "recipe is for '" + model + "', not '" + ctx.model + "'");
    if (root["type"]) r.type = reader.Get<std::string>(root, "type", "");
    if (root["train_matches"]) r.train_matches = Strings(reader, root["train_matches"], "train_matches");
    if (root["val_matches"]) r.val_matches = Strings(reader, root["val_matches"], "val_matches");
    training = ScalarsToJson(reader, root["training"], "training");
    r.data = root["data"];
    r.network = root["network"];
  }
  if (!ctx.matches.empty()) r.train_matches = ctx.matches;
  if (!ctx.validation_matches.empty()) r.val_matches = ctx.validation_matches;
  if (ctx.threads > 0) training["threads"] = ctx.threads;
  if (!ctx.device.empty()) training["device"] = ctx.device;
  if (ctx.max_minutes >= 0) training["max_minutes"] = ctx.max_minutes;
  r.training = TrainOptions::FromJson(training, r.path.empty() ? "training options" : r.path);
  r.train_matches = ExpandMatches(r.train_matches);
  r.val_matches = ExpandMatches(r.val_matches);
  IPT_CHECK(!r.train_matches.empty(), "{}: no training matches (train_matches or --matches)", ctx.model);
  IPT_CHECK(!r.val_matches.empty(), "{}: no validation matches (val_matches or --val-matches)", ctx.model);
  CheckSeedRule(r.train_matches, "train");
  CheckSeedRule(r.val_matches, "val");
  return r;
}

nlohmann::json RecipeIdentity(const TrainRecipe& recipe) {
  auto text = [](const YAML::Node& node) { return node && !node.IsNull() ? YAML::Dump(node) : std::string(); };
  YAML::Node data = YAML::Clone(recipe.data);
  if (data && data.IsMap()) data.remove("loader_threads");
  return {{"type", recipe.type},
          {"data", text(data)},
          {"network", text(recipe.network)},
          {"train_matches", recipe.train_matches},
          {"val_matches", recipe.val_matches}};
}

}  // namespace ipt::nn
