#include "ipt/nn/trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>

#include "ipt/io/json.h"
#include "ipt/nn/layers.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/registry/training.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt::nn {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr const char* kCheckpointFile = registry::kCheckpointFileName;
constexpr char kStateFile[] = "state.json";
constexpr char kBestFile[] = "best.safetensors";
constexpr char kCurvesCsv[] = "curves.csv";
constexpr char kCurvesPng[] = "curves.png";
// Options that may change between a run and its resumption: they change speed, not results.
const std::set<std::string> kResumableOptionChanges = {"threads", "loader_workers", "device", "max_minutes",
                                                      "checkpoint_interval_s"};
}  // namespace

void TrainOptions::Check() const {
  IPT_CHECK(steps >= 1 && steps <= int64_t{1} << 40, "steps must be >= 1 (got {})", steps);
  IPT_CHECK(steps_per_epoch >= 1, "steps_per_epoch must be >= 1 (got {})", steps_per_epoch);
  IPT_CHECK(std::isfinite(learning_rate) && learning_rate > 0 && learning_rate < 10, "learning_rate must be in (0, 10)");
  IPT_CHECK(std::isfinite(weight_decay) && weight_decay >= 0 && weight_decay < 1, "weight_decay must be in [0, 1)");
  IPT_CHECK(warmup_fraction >= 0 && warmup_fraction < 1, "warmup_fraction must be in [0, 1)");
  IPT_CHECK(final_lr_fraction >= 0 && final_lr_fraction <= 1, "final_lr_fraction must be in [0, 1]");
  IPT_CHECK(std::isfinite(grad_clip_norm) && grad_clip_norm >= 0, "grad_clip_norm must be >= 0");
  IPT_CHECK(threads >= 1 && threads <= limits::kMaxThreads, "threads must be in [1, {}]", limits::kMaxThreads);
  IPT_CHECK(loader_workers >= 1 && loader_workers <= limits::kMaxThreads, "loader_workers must be in [1, {}]",
            limits::kMaxThreads);
  IPT_CHECK(device == "cpu" || device == "cuda", "device must be cpu or cuda (got '{}')", Echo(device));
  IPT_CHECK(std::isfinite(checkpoint_interval_s) && checkpoint_interval_s > 0 && checkpoint_interval_s <= 300,
            "checkpoint_interval_s must be in (0, 300]: a checkpoint at least every 5 minutes");
  IPT_CHECK(std::isfinite(max_minutes) && max_minutes >= 0, "max_minutes must be >= 0");
}

TrainOptions TrainOptions::FromJson(const json& config, const std::string& source) {
  TrainOptions o;
  IPT_CHECK(config.is_object(), "{}: training options must be a mapping", source);
  for (const auto& [key, value] : config.items()) {
    auto number = [&]() {
      if (!value.is_number()) throw InputError(source, 0, key, "must be a number");
      return value.get<double>();
    };
    auto integer = [&]() {
      if (!value.is_number_integer()) throw InputError(source, 0, key, "must be an integer");
      return value.get<int64_t>();
    };
    if (key == "steps") o.steps = integer();
    else if (key == "steps_per_epoch") o.steps_per_epoch = integer();
    else if (key == "learning_rate") o.learning_rate = number();
    else if (key == "weight_decay") o.weight_decay = number();
    else if (key == "warmup_fraction") o.warmup_fraction = number();
    else if (key == "final_lr_fraction") o.final_lr_fraction = number();
    else if (key == "grad_clip_norm") o.grad_clip_norm = number();
    else if (key == "seed") o.seed = static_cast<uint64_t>(integer());
    else if (key == "threads") o.threads = static_cast<int>(integer());
    else if (key == "loader_workers") o.loader_workers = static_cast<int>(integer());
    else if (key == "device") {
      if (!value.is_string()) throw InputError(source, 0, key, "must be a string");
      o.device = value.get<std::string>();
    } else if (key == "checkpoint_interval_s") o.checkpoint_interval_s = number();
    else if (key == "max_minutes") o.max_minutes = number();
    else throw InputError(source, 0, key, "unknown training option");
  }
  try {
    o.Check();
  } catch (const Error& e) {
    throw InputError(source, 0, "training", e.message());
  }
  return o;
}

json TrainOptions::ToJson() const {
  return {{"steps", steps},
          {"steps_per_epoch", steps_per_epoch},
          {"learning_rate", learning_rate},
          {"weight_decay", weight_decay},
          {"warmup_fraction", warmup_fraction},
          {"final_lr_fraction", final_lr_fraction},
          {"grad_clip_norm", grad_clip_norm},
          {"seed", seed},
          {"threads", threads},
          {"loader_workers", loader_workers},
          {"device", device},
          {"checkpoint_interval_s", checkpoint_interval_s},
          {"max_minutes", max_minutes}};
}

double ScheduledLearningRate(const TrainOptions& o, int64_t step) {
  const int64_t warmup = static_cast<int64_t>(std::ceil(o.warmup_fraction * static_cast<double>(o.steps)));
  if (step < warmup) return o.learning_rate * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const int64_t decay_steps = std::max<int64_t>(1, o.steps - 1 - warmup);
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(decay_steps));
  const double floor = o.final_lr_fraction * o.learning_rate;
  return floor + (o.learning_rate - floor) * 0.5 * (1.0 + std::cos(kPi * progress));
}

namespace {

// Everything a resumed run needs besides the tensors of checkpoint.pt.
struct RunState {
  int64_t step = 0;  // steps done
  double seconds = 0;
  std::map<std::string, double> epoch_sums;  // partial sums of the current epoch
  int64_t epoch_steps = 0, epoch_samples = 0;
  double best_score = -std::numeric_limits<double>::infinity();
  int64_t best_step = -1;
  std::map<std::string, double> best_metrics;
  json part_best = json::object();  // part name -> {"score", "step", "metrics"} (tasks with parts)
  json rows = json::array();  // curve rows
  json options;
  json recipe;  // RecipeIdentity of the run (null: none given)
};

json ToJson(const RunState& s) {
  json best_score = std::isfinite(s.best_score) ? json(s.best_score) : json(nullptr);
  return {{"step", s.step},          {"seconds", s.seconds},         {"epoch_sums", s.epoch_sums},
          {"epoch_steps", s.epoch_steps}, {"epoch_samples", s.epoch_samples}, {"best_score", best_score},
          {"best_step", s.best_step}, {"best_metrics", s.best_metrics}, {"part_best", s.part_best}, {"rows", s.rows},
          {"options", s.options},     {"recipe", s.recipe}};
}

RunState ParseState(const json& j, const std::string& path) {
  RunState s;
  try {
    s.step = j.at("step").get<int64_t>();
    s.seconds = j.at("seconds").get<double>();
    s.epoch_sums = j.at("epoch_sums").get<std::map<std::string, double>>();
    s.epoch_steps = j.at("epoch_steps").get<int64_t>();
    s.epoch_samples = j.at("epoch_samples").get<int64_t>();
    if (!j.at("best_score").is_null()) s.best_score = j.at("best_score").get<double>();
    s.best_step = j.at("best_step").get<int64_t>();
    s.best_metrics = j.at("best_metrics").get<std::map<std::string, double>>();
    s.part_best = j.value("part_best", json::object());
    s.rows = j.at("rows");
    s.options = j.at("options");
    s.recipe = j.value("recipe", json());
  } catch (const json::exception& e) {
    throw InputError(path, 0, "state", fmt::format("not a training state ({})", e.what()));
  }
  return s;
}

void WriteCurvesCsv(const json& rows, const fs::path& path) {
  std::vector<std::string> columns;
  for (const auto& row : rows) {
    for (const auto& [key, value] : row.items()) {
      if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
    }
  }
  std::ostringstream out;
  for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
  out << "\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      out << (i ? "," : "");
      if (row.contains(columns[i])) out << fmt::format("{:.6g}", row[columns[i]].get<double>());
    }
    out << "\n";
  }
  WriteFileAtomic(path, out.str());
}

// Two panels: training losses (log scale) and validation metrics, against step.
void WriteCurvesPng(const json& rows, const fs::path& path) {
  constexpr int kWidth = 900, kPanelHeight = 300, kMargin = 50;
  cv::Mat image(2 * kPanelHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar kColors[] = {{200, 80, 30}, {40, 140, 40}, {30, 30, 200}, {160, 60, 160}, {30, 160, 200},
                                {100, 100, 100}, {0, 0, 0}};
  auto draw_panel = [&](int top, const std::string& prefix, bool log_scale, const std::string& title) {
    std::map<std::string, std::vector<cv::Point2d>> series;
    for (const auto& row : rows) {
      for (const auto& [key, value] : row.items()) {
        if (key.rfind(prefix, 0) != 0) continue;
        double v = value.get<double>();
        if (log_scale && v <= 0) continue;
        series[key.substr(prefix.size())].push_back({row["step"].get<double>(), log_scale ? std::log10(v) : v});
      }
    }
    cv::putText(image, title, {kMargin, top + 20}, cv::FONT_HERSHEY_SIMPLEX, 0.55, {0, 0, 0}, 1, cv::LINE_AA);
    double x_max = 1, y_min = 1e30, y_max = -1e30;
    for (const auto& [name, pts] : series) {
      for (const auto& p : pts) {
        x_max = std::max(x_max, p.x);
        y_min = std::min(y_min, p.y);
        y_max = std::max(y_max, p.y);
      }
    }
    if (series.empty()) return;
    if (y_max - y_min < 1e-9) y_max = y_min + 1;
    const cv::Rect box(kMargin, top + 30, kWidth - 2 * kMargin - 150, kPanelHeight - 60);
    cv::rectangle(image, box, {180, 180, 180});
    auto to_px = [&](const cv::Point2d& p) {
      return cv::Point(box.x + static_cast<int>(p.x / x_max * box.width),
                       box.y + box.height - static_cast<int>((p.y - y_min) / (y_max - y_min) * box.height));
    };
    for (int side = 0; side < 2; ++side) {
      double v = side ? y_max : y_min;
      std::string label = log_scale ? fmt::format("{:.3g}", std::pow(10.0, v)) : fmt::format("{:.3g}", v);
      cv::putText(image, label, {2, to_px({0, v}).y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0}, 1, cv::LINE_AA);
    }
    cv::putText(image, fmt::format("step {:.0f}", x_max), {box.x + box.width - 70, box.y + box.height + 18},
                cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0}, 1, cv::LINE_AA);
    int index = 0;
    for (const auto& [name, pts] : series) {
      const cv::Scalar color = kColors[index % std::size(kColors)];
      for (size_t i = 1; i < pts.size(); ++i) cv::line(image, to_px(pts[i - 1]), to_px(pts[i]), color, 2, cv::LINE_AA);
      for (const auto& p : pts) cv::circle(image, to_px(p), 2, color, -1);
      cv::putText(image, name, {box.x + box.width + 10, box.y + 15 + 18 * index}, cv::FONT_HERSHEY_SIMPLEX, 0.45,
                  color, 1, cv::LINE_AA);
      ++index;
    }
  };
  draw_panel(0, "train_", true, "training loss (log scale, mean per epoch)");
  draw_panel(kPanelHeight, "val_", false, "validation");
  AtomicPath out(path);
  IPT_CHECK(cv::imwrite(out.temp().string(), image), "cannot write {}", path.string());
  out.Commit();
}

// The checkpoint holds the model, the optimizer and the run state (as JSON bytes), so
// one atomic rename commits all of it; state.json is a readable copy.
void SaveCheckpoint(torch::nn::Module& model, torch::optim::Optimizer& optimizer, const RunState& state,
                    const fs::path& run_dir) {
  const std::string state_json = ToJson(state).dump(1) + "\n";
  {
    AtomicPath out(run_dir / kCheckpointFile);
    torch::serialize::OutputArchive archive;
    model.save(archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    torch::Tensor bytes = torch::empty({static_cast<int64_t>(state_json.size())}, torch::kUInt8);
    std::memcpy(bytes.data_ptr<uint8_t>(), state_json.data(), state_json.size());
    archive.write("ipt_state", bytes);
    archive.save_to(out.temp().string());
    out.Commit();
  }
  WriteFileAtomic(run_dir / kStateFile, state_json);
}

// Loads model and optimizer (onto `device`) when given, and returns the run state.
RunState LoadCheckpoint(torch::nn::Module* model, torch::optim::Optimizer* optimizer, const fs::path& path,
                        torch::Device device) {
  CheckRegularFile(path, limits::kMaxTensorFileBytes);
  torch::serialize::InputArchive archive;
  torch::Tensor bytes;
  try {
    archive.load_from(path.string(), device);
    if (model) model->load(archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    archive.read("ipt_state", bytes);
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "checkpoint", fmt::format("not a checkpoint of this model ({})",
                                                        std::string(e.what_without_backtrace()).substr(0, 200)));
  }
  bytes = bytes.cpu().contiguous();
  const std::string text(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()));
  return ParseState(io::ParseJson(text, path.string() + ":ipt_state"), path.string());
}

// The one rule of what a resumed run may change (kResumableOptionChanges) and must keep.
void CheckResumableState(const RunState& state, const TrainOptions& options, const json& recipe,
                         const fs::path& run_dir) {
  json before = state.options, now = options.ToJson();
  for (const auto& key : kResumableOptionChanges) {
    before.erase(key);
    now.erase(key);
  }
  IPT_CHECK(before == now, "--resume: the training options differ from the run in {} (was {}, now {})",
            run_dir.string(), before.dump(), now.dump());
  if (state.recipe.is_null() && !recipe.is_null()) {
    spdlog::warn("--resume: {} predates recorded recipes; its data, network and matches are not checked",
                 run_dir.string());
    return;
  }
  IPT_CHECK(state.recipe == recipe,
            "--resume: the recipe's data, network or matches differ from the run in {} (was {}, now {})",
            run_dir.string(), state.recipe.dump(), recipe.dump());
}

// The part owning each tensor of `model`, by tensor name; checks that the parts
// cover every tensor exactly once and that each owns at least one.
std::map<std::string, std::string> TensorOwners(const torch::nn::Module& model, const std::vector<ModelPart>& parts) {
  const ModelPart* remainder = nullptr;
  std::set<std::string> names;
  for (const auto& part : parts) IPT_CHECK(names.insert(part.name).second, "two parts are named '{}'", part.name);
  for (const auto& part : parts) {
    if (!part.prefixes.empty()) continue;
    IPT_CHECK(remainder == nullptr, "parts '{}' and '{}' both claim the remaining tensors", remainder->name, part.name);
    remainder = &part;
  }
  std::map<std::string, std::string> owner;
  std::set<std::string> owning;
  for (const auto& tensor : ModuleToSafetensors(model).tensors) {
    std::string claimed;
    for (const auto& part : parts) {
      for (const auto& prefix : part.prefixes) {
        if (tensor.name.rfind(prefix, 0) != 0) continue;
        IPT_CHECK(claimed.empty() || claimed == part.name, "tensor {} is claimed by parts '{}' and '{}'", tensor.name,
                  claimed, part.name);
        claimed = part.name;
      }
    }
    if (claimed.empty()) {
      IPT_CHECK(remainder != nullptr, "tensor {} belongs to no part", tensor.name);
      claimed = remainder->name;
    }
    owner[tensor.name] = claimed;
    owning.insert(claimed);
  }
  for (const auto& part : parts) IPT_CHECK(owning.count(part.name), "part '{}' owns no tensor", part.name);
  return owner;
}

// Keeps each part at its best step: updates state.part_best with `metrics` of
// this validation and rewrites `best_path` with the improved parts' tensors from
// `model` (the other parts' from the file). Returns the log line.
std::string KeepBestParts(const torch::nn::Module& model, const std::vector<ModelPart>& parts,
                          const std::map<std::string, std::string>& owner, const std::map<std::string, double>& metrics,
                          RunState& state, const fs::path& best_path) {
  std::set<std::string> improved;
  std::string line;
  for (const auto& part : parts) {
    IPT_CHECK(metrics.count(part.score_name), "validation gave no '{}' (the score of part '{}')", part.score_name,
              part.name);
    const double score = metrics.at(part.score_name);
    const bool had_best = state.part_best.contains(part.name);
    if (std::isfinite(score) && (!had_best || score > state.part_best.at(part.name).at("score").get<double>())) {
      json part_metrics = json::object();
      for (const auto& name : part.metrics) {
        if (metrics.count(name)) part_metrics[name] = metrics.at(name);
      }
      part_metrics[part.score_name] = score;
      state.part_best[part.name] = {{"score", score}, {"step", state.step}, {"metrics", part_metrics}};
      improved.insert(part.name);
    }
    line += fmt::format("{}{} {} {:.4f}", line.empty() ? "" : ", ", part.name, part.score_name, score);
    if (state.part_best.contains(part.name)) {
      const json& best = state.part_best.at(part.name);
      line += fmt::format(" (best {:.4f} at step {})", best.at("score").get<double>(), best.at("step").get<int64_t>());
    }
  }
  if (improved.empty()) return line;
  io::SafetensorsFile current = ModuleToSafetensors(model);
  if (fs::exists(best_path)) {
    io::SafetensorsFile best = io::ReadSafetensors(best_path);
    IPT_CHECK(best.tensors.size() == owner.size(), "{} holds {} tensors, the model {}", best_path.string(),
              best.tensors.size(), owner.size());
    for (auto& tensor : best.tensors) {
      const auto it = owner.find(tensor.name);
      IPT_CHECK(it != owner.end(), "{}: tensor {} is not the model's", best_path.string(), tensor.name);
      if (!improved.count(it->second)) continue;
      const io::TensorData* now = current.Find(tensor.name);
      IPT_ASSERT(now != nullptr);
      tensor = *now;
    }
    current = std::move(best);
  } else {
    // Only the first validation of a run writes the file; a part kept at an
    // earlier step would otherwise be replaced silently.
    for (const auto& part : parts) {
      IPT_CHECK(improved.count(part.name) || !state.part_best.contains(part.name),
                "{} is missing: part '{}' kept at step {} is lost", best_path.string(), part.name,
                state.part_best.at(part.name).at("step").get<int64_t>());
    }
  }
  io::WriteSafetensors(current, best_path);
  state.best_step = state.step;
  state.best_metrics.clear();
  for (const auto& part : parts) {
    if (!state.part_best.contains(part.name)) continue;
    const json& best = state.part_best.at(part.name);
    for (const auto& [name, value] : best.at("metrics").items()) state.best_metrics[name] = value.get<double>();
    state.best_metrics["best_step." + part.name] = static_cast<double>(best.at("step").get<int64_t>());
  }
  return line;
}

// Loads the joined best weights into task.model() and validates them: each part must
// score what it scored at its own step, or the parts were not independent. Returns the
// joined weights' metrics, plus "best_step.<part>".
std::map<std::string, double> ValidateJoinedParts(TrainingTask& task, const std::vector<ModelPart>& parts,
                                                  const RunState& state, const fs::path& best_path,
                                                  const torch::Device& device) {
  torch::nn::Module& model = task.model();
  LoadModule(model, best_path);
  torch::NoGradGuard no_grad;
  model.eval();
  std::map<std::string, double> metrics = task.Validate();
  // Exact on the CPU (same kernels, same data); CUDA's reductions need not be.
  const double tolerance = device.is_cpu() ? 1e-9 : 1e-4;
  for (const auto& part : parts) {
    if (!state.part_best.contains(part.name)) continue;
    const json& best = state.part_best.at(part.name);
    const double expected = best.at("score").get<double>();
    const double got = metrics.at(part.score_name);
    IPT_CHECK(std::abs(got - expected) <= tolerance * std::max(1.0, std::abs(expected)),
              "part '{}' scored {} ({}) at step {} but {} in the joined weights of {}: the parts are not "
              "independent",
              part.name, expected, part.score_name, best.at("step").get<int64_t>(), got, best_path.string());
    metrics["best_step." + part.name] = static_cast<double>(best.at("step").get<int64_t>());
  }
  spdlog::info("joined best weights validated: each part scores what it scored at its own step");
  return metrics;
}

}  // namespace

void CheckResumable(const fs::path& run_dir, const TrainOptions& options, const json& recipe) {
  IPT_CHECK(fs::exists(run_dir / kCheckpointFile), "--resume: {} holds no checkpoint ({} missing)",
            run_dir.string(), kCheckpointFile);
  CheckResumableState(LoadCheckpoint(nullptr, nullptr, run_dir / kCheckpointFile, torch::kCPU), options, recipe,
                      run_dir);
}

int64_t ResumeStep(const fs::path& run_dir) {
  if (!fs::exists(run_dir / kCheckpointFile)) return 0;
  return LoadCheckpoint(nullptr, nullptr, run_dir / kCheckpointFile, torch::kCPU).step;
}

TrainingOutcome RunTraining(TrainingTask& task, const TrainOptions& options, const fs::path& run_dir, bool resume,
                            bool overwrite, const TrainObserver& observer, const json& recipe) {
  options.Check();
  SetTorchThreads(options.threads);
  const torch::Device device = ParseDevice(options.device);
  torch::nn::Module& model = task.model();
  model.to(device);
  const std::vector<ModelPart> parts = task.independent_parts();
  const std::map<std::string, std::string> owner = parts.empty() ? std::map<std::string, std::string>{}
                                                                 : TensorOwners(model, parts);

  // AdamW without decay on BatchNorm weights and biases (1-d parameters).
  std::vector<torch::Tensor> decayed, not_decayed;
  for (const auto& p : model.named_parameters()) {
    if (!p.value().requires_grad()) continue;
    (p.value().dim() <= 1 ? not_decayed : decayed).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(options.learning_rate).weight_decay(options.weight_decay)));
  groups.emplace_back(not_decayed, std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(options.learning_rate).weight_decay(0.0)));
  torch::optim::AdamW optimizer(groups, torch::optim::AdamWOptions(options.learning_rate));

  RunState state;
  state.options = options.ToJson();
  state.recipe = recipe;
  if (resume) {
    IPT_CHECK(fs::exists(run_dir / kCheckpointFile), "--resume: {} holds no checkpoint ({} missing)",
              run_dir.string(), kCheckpointFile);
    state = LoadCheckpoint(&model, &optimizer, run_dir / kCheckpointFile, device);
    CheckResumableState(state, options, recipe, run_dir);
    state.options = options.ToJson();
    state.recipe = recipe;
    spdlog::info("resuming {} at step {} of {}", run_dir.string(), state.step, options.steps);
  } else {
    CheckReplaceableOutputDir(run_dir, overwrite, "--run-dir");
    fs::remove_all(run_dir);
    fs::create_directories(run_dir);
    WriteOutputMarker(run_dir);
  }

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const double seconds_before = state.seconds;
  auto elapsed = [&] { return seconds_before + std::chrono::duration<double>(Clock::now() - start).count(); };
  double last_checkpoint = elapsed();
  double window_loss = 0, window_samples = 0;
  int window_steps = 0;
  auto window_start = Clock::now();
  TrainStatus status;
  status.steps = options.steps;

  TrainingOutcome outcome;
  while (state.step < options.steps) {
    const double lr = ScheduledLearningRate(options, state.step);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    model.train();
    StepResult result = task.Step(state.step);
    IPT_CHECK(result.loss.defined() && result.loss.numel() == 1, "training step returned no scalar loss");
    const double loss_value = result.loss.item<double>();
    IPT_CHECK(std::isfinite(loss_value), "loss became {} at step {}: lower learning_rate or check the data",
              loss_value, state.step);
    optimizer.zero_grad();
    result.loss.backward();
    if (options.grad_clip_norm > 0) torch::nn::utils::clip_grad_norm_(model.parameters(), options.grad_clip_norm);
    optimizer.step();
    ++state.step;

    state.epoch_sums["loss"] += loss_value;
    for (const auto& [name, value] : result.parts) state.epoch_sums[name] += value;
    ++state.epoch_steps;
    state.epoch_samples += result.samples;
    window_loss += loss_value;
    window_samples += static_cast<double>(result.samples);
    ++window_steps;

    const bool epoch_end = state.step % options.steps_per_epoch == 0 || state.step == options.steps;
    if (epoch_end) {
      torch::NoGradGuard no_grad;
      model.eval();
      std::map<std::string, double> metrics = task.Validate();
      IPT_CHECK(metrics.count(task.score_name()), "validation gave no '{}'", task.score_name());
      json row = {{"step", state.step}, {"lr", lr}, {"seconds", elapsed()}};
      for (const auto& [name, sum] : state.epoch_sums) row["train_" + name] = sum / static_cast<double>(state.epoch_steps);
      for (const auto& [name, value] : metrics) row["val_" + name] = value;
      state.rows.push_back(row);
      state.epoch_sums.clear();
      state.epoch_steps = state.epoch_samples = 0;
      const double score = metrics.at(task.score_name());
      if (parts.empty()) {
        if (score > state.best_score) {
          state.best_score = score;
          state.best_step = state.step;
          state.best_metrics = metrics;
          SaveModule(model, run_dir / kBestFile);
        }
        status.last_validation = fmt::format("{} {:.4f} (best {:.4f} at step {})", task.score_name(), score,
                                             state.best_score, state.best_step);
      } else {
        status.last_validation = KeepBestParts(model, parts, owner, metrics, state, run_dir / kBestFile);
      }
      WriteCurvesCsv(state.rows, run_dir / kCurvesCsv);
      WriteCurvesPng(state.rows, run_dir / kCurvesPng);
      spdlog::info("step {}/{}: {}", state.step, options.steps, status.last_validation);
    }
    const bool out_of_time = options.max_minutes > 0 && elapsed() - seconds_before >= options.max_minutes * 60.0;
    if (epoch_end || state.step == options.steps || out_of_time ||
        elapsed() - last_checkpoint >= options.checkpoint_interval_s) {
      state.seconds = elapsed();
      SaveCheckpoint(model, optimizer, state, run_dir);
      last_checkpoint = elapsed();
    }
    if (observer) {
      const double window_s = std::chrono::duration<double>(Clock::now() - window_start).count();
      status.step = state.step;
      status.loss = window_loss / window_steps;
      status.samples_per_s = window_s > 0 ? window_samples / window_s : 0;
      status.learning_rate = lr;
      status.seconds = elapsed();
      observer(status);
      if (window_steps >= 20) {
        window_loss = window_samples = 0;
        window_steps = 0;
        window_start = Clock::now();
      }
    }
    if (out_of_time && state.step < options.steps) {
      spdlog::warn("stopped after {:.1f} minutes at step {}; continue with --resume", options.max_minutes,
                   state.step);
      break;
    }
  }
  outcome.finished = state.step >= options.steps;
  if (outcome.finished && !parts.empty()) {
    state.best_metrics = ValidateJoinedParts(task, parts, state, run_dir / kBestFile, device);
  }
  outcome.steps_done = state.step;
  outcome.train_seconds = elapsed();
  outcome.best_step = state.best_step;
  outcome.best_metrics = state.best_metrics;
  outcome.best_weights = run_dir / kBestFile;
  return outcome;
}

TrainObserver ProgressObserver(ProgressCallback progress, std::string unit) {
  if (!progress) return nullptr;
  return [progress = std::move(progress), unit = std::move(unit)](const TrainStatus& s) {
    progress(s.step, s.steps,
             fmt::format("loss {:.4f} | {:.1f} {}/s | lr {:.2e}{}{}", s.loss, s.samples_per_s, unit, s.learning_rate,
                         s.last_validation.empty() ? "" : " | ", s.last_validation));
  };
}

std::string RecordedRecipePath(const std::string& path, const fs::path& base) {
  const fs::path p(path);
  if (!p.is_absolute() || !base.is_absolute()) return path;
  const fs::path relative = p.lexically_normal().lexically_relative(base.lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return path;
  return relative.string();
}

nlohmann::json OutcomeMetrics(const TrainingOutcome& outcome, const std::string& recipe_path) {
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  return {{"validation", outcome.best_metrics},
          {"best_step", outcome.best_step},
          {"steps", outcome.steps_done},
          {"train_minutes", outcome.train_seconds / 60.0},
          {"recipe", error ? recipe_path : RecordedRecipePath(recipe_path, cwd)}};
}

}  // namespace ipt::nn
