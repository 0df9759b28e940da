// `ipt run` end to end on a tiny synthetic match with tiny random-weight packages:
// outputs eval reads, run.json, the cache hits of a second run, the layers' named
// contents, the online tracker as a package, and each bad input naming its file
// (an existing OUT left as it was).
#include "ipt/pipeline/match_level.h"
#include "ipt/pipeline/match_level_test_util.h"
#include "ipt/pipeline/run.h"
#include "ipt/pipeline/bench.h"
#include "ipt/pipeline/jersey_evaluation.h"
#include "ipt/pipeline/cascade_step.h"
#include "ipt/pipeline/tracker_evaluation.h"
#include "ipt/pipeline/models.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "ipt/cascade/step.h"
#include "ipt/crop_encoder/crop_encoder.h"
#include "ipt/crop_encoder/crop_encoder_net.h"
#include "ipt/detector/detector_net.h"
#include "ipt/eval/match_evaluation.h"
#include "ipt/eval/pipeline_output.h"
#include "ipt/eval/soccernet_gsr.h"
#include "ipt/io/json.h"
#include "ipt/nn/tensor_file.h"
#include "ipt/pipeline/frame_level.h"
#include "ipt/pipeline/track_level.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/training.h"
#include "ipt/jn_classifier/jn_classifier.h"
#include "ipt/sim/synthetic_match.h"
#include "ipt/sim/tiny_config_test_util.h"
#include "ipt/store/artifact_store.h"
#include "ipt/tracking/track_smoothing.h"
#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"
#include "ipt/util/resources.h"
#include "ipt/util/test_util.h"

namespace ipt::pipeline {
namespace {
namespace fs = std::filesystem;

// The tiny random detector's heat head, rescaled: untrained features vary by ~1e-2, so
// the head's weights are multiplied by kTinyDetectorHeatGain and its bias set to
// kTinyDetectorHeatBias. Then ~26 peaks per sim panorama pass the default threshold,
// mostly on static structure (lines, boards), so the run sees detections and ~16 tracks.
constexpr double kTinyDetectorHeatGain = 1000;
constexpr double kTinyDetectorHeatBias = -12;

registry::ModelManifest Manifest(const std::string& model, nlohmann::json architecture,
                                 std::map<std::string, std::string> trained_with = {}) {
  const registry::ModelSpec spec = registry::ModelGraph::PathA().Model(model);
  registry::ModelManifest m;
  m.name = model;
  m.kind = spec.kind;
  m.inputs = spec.inputs;
  m.outputs = spec.outputs;
  m.architecture = std::move(architecture);
  m.trained_with = std::move(trained_with);
  return m;
}

crop_encoder::CropEncoderNetConfig TinyEncoder() {
  crop_encoder::CropEncoderNetConfig c;
  c.channels = {4, 8, 8, 8};
  c.jersey_channels = 4;
  c.jersey_hidden = 16;
  return c;
}

// A crop encoder package trained "with" `detector_ref`, outputs as given (default: the graph's).
fs::path WriteEncoderPackage(const fs::path& dir, const std::string& detector_ref,
                             std::vector<registry::FieldSpec> outputs = {}, uint64_t seed = 11) {
  torch::manual_seed(seed);
  crop_encoder::CropEncoderNet net(TinyEncoder());
  registry::ModelManifest m = Manifest("crop_encoder", TinyEncoder().ToJson(), {{"detector", detector_ref}});
  if (!outputs.empty()) m.outputs = std::move(outputs);
  registry::WritePackage(dir, io::SerializeSafetensors(nn::ModuleToSafetensors(*net)), &m);
  return dir;
}

// Everything the runs share: a 2-second match (10 fps, small images), a model store
// with tiny packages, a valid collection.
struct World {
  fs::path root, match, store, cache, models_yaml;
  std::map<std::string, std::string> refs;
};

const World& TheWorld() {
  static const World world = [] {
    World w;
    w.root = testing::FreshTempDir("pipeline_run");
    const sim::SimConfig config = sim::testing::TinyMatchConfig();
    w.match = w.root / "match";
    sim::WriteSyntheticMatch(config, 7, 2.0, w.match, {});
    w.store = w.root / "models";
    w.cache = w.root / "cache";
    registry::ModelStore store(w.store);

    torch::manual_seed(3);
    detector::DetectorNetConfig dc;
    dc.encoder_channels = {4, 6, 8, 8, 8};
    dc.decoder_channels = {4, 6, 8, 8};
    detector::DetectorNet det(dc);
    {
      torch::NoGradGuard no_grad;
      det->heat_out->weight.mul_(kTinyDetectorHeatGain);
      det->heat_out->bias.fill_(kTinyDetectorHeatBias);
    }
    nlohmann::json arch = dc.ToJson();
    arch["stride"] = detector::kDetectorStride;
    registry::ModelManifest dm = Manifest("detector", arch);
    registry::WritePackage(w.root / "pkg_detector", io::SerializeSafetensors(nn::ModuleToSafetensors(*det)), &dm);
    w.refs["detector"] = store.Add(w.root / "pkg_detector");
    w.refs["crop_encoder"] = store.Add(WriteEncoderPackage(w.root / "pkg_encoder", w.refs["detector"]));

    // The tracker through `ipt train tracker`'s path, from a recipe.
    std::ofstream(w.root / "tracker_online.yaml") << "model: tracker\ntype: online_tracker\noptions:\n"
                                                     "  confirm_hits: 2\n  kalman:\n    measurement_sigma_m: 0.15\n";
    registry::TrainerRegistry trainers;
    trainers.Register("tracker", TrainTracker);
    registry::ModelCollection upstream;
    upstream.refs = w.refs;
    registry::TrainingContext ctx;
    ctx.recipe = w.root / "tracker_online.yaml";
    w.refs["tracker"] = registry::TrainModel("tracker", registry::ModelGraph::PathA(), upstream, store, ctx, trainers);
    registry::ModelCollection collection;
    collection.refs = w.refs;
    w.models_yaml = w.root / "models.yaml";
    registry::WriteCollection(collection, w.models_yaml);
    return w;
  }();
  return world;
}

RunOptions Options(const World& w) {
  RunOptions o;
  o.models_yaml = w.models_yaml;
  o.model_store = w.store;
  o.cache = w.cache;
  return o;
}

std::string ErrorOf(const std::function<void()>& f) { return testing::MessageOf<Error>(f); }

TEST(Run, EndToEndThenBothLayersFromTheCache) {
  const World& w = TheWorld();
  const fs::path out = w.root / "out";
  const RunReport first = pipeline::Run(w.match, out, Options(w));
  EXPECT_FALSE(first.layers.at("frame").hit);
  EXPECT_FALSE(first.layers.at("track").hit);
  EXPECT_EQ(first.frames, 20);
  std::printf("tiny run: %lld detections, %lld rows (%lld filling gaps), %lld tracks, %lld non-person tracks left out\n",
              static_cast<long long>(first.detections), static_cast<long long>(first.rows),
              static_cast<long long>(first.filled_rows),
              static_cast<long long>(first.tracks), static_cast<long long>(first.dropped_tracks));
  EXPECT_GT(first.detections, 20) << "the tiny detector should fire a few times per frame";
  EXPECT_GT(first.rows, 0);
  EXPECT_GT(first.tracks, 0);
  for (const char* stage : {"decode_stitch", "detector", "crops", "encoder", "tracker", "attributes", "write"}) {
    EXPECT_TRUE(first.stage_seconds.count(stage)) << stage;
  }

  // What eval reads: tracks.csv (strictly), the GSR predictions, and a whole PTFE report.
  const io::MatchDir match = io::OpenMatchDir(w.match);
  const auto rows = eval::ReadTracksCsv(out / "tracks.csv", match.info.frame_count);
  EXPECT_EQ(static_cast<int64_t>(rows.size()), first.rows);
  EXPECT_EQ(eval::ReadGsrPredictions(out / "predictions-gsr.json").size(), rows.size());
  const eval::PtfeReport report = eval::EvaluateMatchDirectory(w.match, out, {}, "tiny");
  EXPECT_EQ(report.frames, 20);
  EXPECT_TRUE(fs::is_regular_file(out / kOutputMarker));

  const nlohmann::json run = io::ParseJson(ReadFile(out / "run.json"), "run.json");
  EXPECT_EQ(run["format"], "ipt-run/1");
  EXPECT_EQ(run["refs"]["tracker"], w.refs.at("tracker"));
  EXPECT_EQ(run["layers"]["frame"]["cache"], "miss");
  EXPECT_EQ(run["layers"]["track"]["key"], first.layers.at("track").key);
  EXPECT_GT(run["timings_ms_per_frame"]["detector"].get<double>(), 0);
  EXPECT_GT(run["frames_per_second"].get<double>(), 0);
  EXPECT_GT(run["peak_memory_mib"].get<double>(), 0);
  EXPECT_EQ(run["attributes"], ToJson(Options(w).attributes));

  // The layers hold their fields by name, row-aligned.
  store::ArtifactStore cache(w.cache);
  const FrameLayer frames = ReadFrameLayer(*cache.Get("frame", first.layers.at("frame").key), "frame");
  EXPECT_EQ(frames.rows, first.detections);
  EXPECT_EQ(frames.crop_fields.size(), crop_encoder::CropFieldWidths().size());
  const TrackLayer tracks = ReadTrackLayer(*cache.Get("track", first.layers.at("track").key), frames.rows, "track");
  int64_t tracked = 0;
  for (int64_t id : tracks.track_id) tracked += id >= 0;
  // Rows of non-person tracks are left out of tracks.csv; filled gaps added.
  EXPECT_GE(tracked, first.rows - first.filled_rows);
  EXPECT_EQ(run["filled_rows"], first.filled_rows);
  EXPECT_EQ(run["dropped_unconfirmed_tracks"], first.dropped_unconfirmed_tracks);
  EXPECT_EQ(run["dropped_non_person_tracks"], first.dropped_tracks);
  EXPECT_EQ(run["number_change_cuts"], first.number_change_cuts);
  EXPECT_EQ(run["name_splices"], first.name_splices);
  EXPECT_EQ(run["name_splice_clashes_unnamed"], first.name_splice_clashes_unnamed);
  EXPECT_EQ(run["tracks_named_by_elimination"], first.tracks_named_by_elimination);
  EXPECT_EQ(run["attributes"]["name_elimination_min_seconds"], tracking::NameEliminationOptions{}.min_seconds);
  EXPECT_EQ(run["attributes"]["number_change_min_gain_nats"], tracking::NumberChangeOptions{}.min_gain_nats);
  EXPECT_EQ(run["kit_change_cuts"], first.kit_change_cuts);
  EXPECT_EQ(run["attributes"]["kit_change_min_gain_nats"], tracking::KitChangeOptions{}.min_gain_nats);

  // The rows are the tracker's, then smoothed and their gaps filled (tracking::SmoothTracks).
  RunOptions raw = Options(w);
  raw.attributes.smoothing.sigma_frames = 0;
  raw.attributes.smoothing.max_filled_gap_frames = 0;
  const RunReport raw_run = pipeline::Run(w.match, w.root / "out_raw", raw);
  EXPECT_EQ(raw_run.filled_rows, 0);
  const auto raw_rows = eval::ReadTracksCsv(w.root / "out_raw" / "tracks.csv", match.info.frame_count);
  std::map<std::pair<int64_t, int>, std::pair<double, double>> tracker_position;
  for (int64_t i = 0; i < frames.rows; ++i) {
    tracker_position[{tracks.track_id[i], static_cast<int>(frames.frame[i])}] = {tracks.position_m[2 * i],
                                                                                tracks.position_m[2 * i + 1]};
  }
  for (const auto& r : raw_rows) {
    const auto [x, z] = tracker_position.at({r.track_id, r.frame});
    EXPECT_NEAR(r.x_m, x, 1e-3);
    EXPECT_NEAR(r.z_m, z, 1e-3);
  }
  const tracking::SmoothedTracks expected = tracking::SmoothTracks(raw_rows, Options(w).attributes.smoothing);
  EXPECT_EQ(expected.filled_rows, first.filled_rows);
  ASSERT_EQ(expected.rows.size(), rows.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    EXPECT_EQ(rows[k].frame, expected.rows[k].frame);
    EXPECT_EQ(rows[k].track_id, expected.rows[k].track_id);
    EXPECT_NEAR(rows[k].x_m, expected.rows[k].x_m, 2e-3);  // tracks.csv keeps millimetres
    EXPECT_NEAR(rows[k].z_m, expected.rows[k].z_m, 2e-3);
    EXPECT_NEAR(rows[k].score, expected.rows[k].score, 1e-3);
    EXPECT_EQ(rows[k].category, expected.rows[k].category);
    EXPECT_EQ(rows[k].jersey, expected.rows[k].jersey);
    EXPECT_EQ(rows[k].player_id, expected.rows[k].player_id);
  }
  // A row taken out of the middle of a track (a missed detection): the match level fills it.
  const auto rows_of = RowsOfTracks(tracks);
  auto longest = std::max_element(rows_of.begin(), rows_of.end(),
                                  [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
  ASSERT_GE(longest->second.size(), 3u);
  const int64_t missed = longest->second[longest->second.size() / 2];
  TrackLayer gapped = tracks;
  gapped.track_id[missed] = -1;
  const MatchLevelOutput filled =
      RunMatchLevel(frames, gapped, match.info, Options(w).attributes, nullptr, nullptr, /*drop_non_person=*/false);
  EXPECT_GE(filled.filled_rows, 1);
  EXPECT_EQ(std::count_if(filled.rows.begin(), filled.rows.end(), [&](const eval::PipelineRow& r) {
              return r.track_id == longest->first && r.frame == frames.frame[missed];
            }),
            1);

  // Again: both layers are hits, the outputs identical.
  const std::string csv = ReadFile(out / "tracks.csv");
  const RunReport second = pipeline::Run(w.match, out, Options(w));
  EXPECT_TRUE(second.layers.at("frame").hit);
  EXPECT_TRUE(second.layers.at("track").hit);
  EXPECT_EQ(second.layers.at("frame").key, first.layers.at("frame").key);
  EXPECT_FALSE(second.stage_seconds.count("detector"));  // nothing recomputed
  EXPECT_EQ(ReadFile(out / "tracks.csv"), csv);
  EXPECT_EQ(io::ParseJson(ReadFile(out / "run.json"), "run.json")["layers"]["track"]["cache"], "hit");

  // The first frames only: another input, its own entries; then a hit as well.
  RunOptions prefix = Options(w);
  prefix.max_frames = 5;
  const RunReport short_run = pipeline::Run(w.match, w.root / "out_short", prefix);
  EXPECT_FALSE(short_run.layers.at("frame").hit);
  EXPECT_NE(short_run.layers.at("frame").key, first.layers.at("frame").key);
  EXPECT_EQ(short_run.frames, 5);
  EXPECT_TRUE(pipeline::Run(w.match, w.root / "out_short", prefix).layers.at("frame").hit);
}

TEST(Run, BadInputsNameTheFileAndLeaveOutAsItWas) {
  const World& w = TheWorld();
  // An earlier output that a failed run must leave alone.
  const fs::path out = w.root / "kept";
  fs::create_directories(out);
  WriteOutputMarker(out);
  std::ofstream(out / "tracks.csv") << "earlier";
  auto copy_match = [&](const std::string& name) {
    const fs::path dir = w.root / name;
    fs::remove_all(dir);
    fs::copy(w.match, dir, fs::copy_options::recursive);
    return dir;
  };
  auto expect_error = [&](const fs::path& match, const RunOptions& options, const std::string& names) {
    const std::string error = ErrorOf([&] { pipeline::Run(match, out, options); });
    EXPECT_NE(error.find(names), std::string::npos) << error;
    EXPECT_EQ(ReadFile(out / "tracks.csv"), "earlier") << error;
  };

  // A missing video.
  const fs::path missing = copy_match("missing_video");
  fs::remove(missing / "right.mp4");
  expect_error(missing, Options(w), "right.mp4");
  // A truncated video (fails while decoding, after the checks).
  const fs::path truncated = copy_match("truncated_video");
  fs::resize_file(truncated / "left.mp4", fs::file_size(truncated / "left.mp4") / 3);
  expect_error(truncated, Options(w), "left.mp4");
  // Calibration that does not match the videos: match.yaml says 640 x 360.
  const fs::path calibration = copy_match("calibration");
  std::string yaml = ReadFile(calibration / "match.yaml");
  for (size_t at = yaml.find("320"); at != std::string::npos; at = yaml.find("320", at + 3)) yaml.replace(at, 3, "640");
  WriteFileAtomic(calibration / "match.yaml", yaml);
  expect_error(calibration, Options(w), "left.mp4: field 'width_px/height_px': video is 320x180, the calibration says 640x180");

  // A collection without a tracker fails validation, naming models.yaml and the field.
  RunOptions options = Options(w);
  options.models_yaml = w.root / "no_tracker.yaml";
  registry::ModelCollection partial;
  partial.refs = {{"detector", w.refs.at("detector")}, {"crop_encoder", w.refs.at("crop_encoder")}};
  registry::WriteCollection(partial, options.models_yaml);
  expect_error(w.match, options, "no_tracker.yaml: field 'models.tracker'");

  // A crop encoder whose recorded schema is not the graph's (a field no validated edge
  // of this collection carries): its model.json and `outputs` are named.
  std::vector<registry::FieldSpec> outputs = registry::ModelGraph::PathA().Model("crop_encoder").outputs;
  for (auto& f : outputs) {
    if (f.name == crop_encoder::kDigitsField) f.shape = {-1, 31};
  }
  registry::ModelStore store(w.store);
  registry::ModelCollection odd;
  odd.refs = w.refs;
  odd.refs["crop_encoder"] = store.Add(WriteEncoderPackage(w.root / "pkg_odd", w.refs.at("detector"), outputs, 12));
  registry::TrainerRegistry trainers;
  trainers.Register("tracker", TrainTracker);
  odd.refs["tracker"] = registry::TrainModel("tracker", registry::ModelGraph::PathA(), odd, store, {}, trainers);
  options.models_yaml = w.root / "odd.yaml";
  registry::WriteCollection(odd, options.models_yaml);
  const std::string error = ErrorOf([&] { pipeline::Run(w.match, out, options); });
  EXPECT_NE(error.find("model.json: field 'outputs'"), std::string::npos) << error;
  EXPECT_NE(error.find("jn.digits.logits"), std::string::npos) << error;

  // OUT may not be an input, nor replace a directory ipt did not write.
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.match, Options(w)); }).find("--out"), std::string::npos);
  const fs::path foreign = w.root / "foreign";
  fs::create_directories(foreign);
  std::ofstream(foreign / "notes.txt") << "mine";
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, foreign, Options(w)); }).find("--out"), std::string::npos);
  EXPECT_EQ(ReadFile(foreign / "notes.txt"), "mine");
}

// The committed JN classifier 46617796 predates the spread selection: it loads reading its
// most legible crops, and `ipt models derive` adds the keys (pipeline::KnownOptions),
// giving exactly the committed, promoted 471aa93b (docs/models.md, "Session 31").
TEST(JnClassifierPackages, TheCommittedSpreadPackageIsTheOldOneDerived) {
  const char* source = std::getenv("IPT_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "ctest sets IPT_SOURCE_DIR";
  const fs::path committed = fs::path(source) / "assets" / "models";
  const std::string old_ref = "46617796098f5dd5e8bce352f5a533ddb093e4d82fc28029b994df5f4e5b2890";
  const std::string spread_ref = "471aa93b47525be39001e1892cdde6f8e1b5ecdcace8fbe8c7368db0fd1b0d35";
  EXPECT_FALSE(jn_classifier::JnClassifier(committed / old_ref).config().spread_selection);
  const jn_classifier::JnClassifier spread(committed / spread_ref);
  EXPECT_TRUE(spread.config().spread_selection);
  EXPECT_EQ(spread.config().spread_min_legible_probability, 0.7);

  const fs::path dir = testing::FreshTempDir("jn_derive");
  registry::ModelStore store(dir / "store");
  ASSERT_EQ(store.Add(committed / old_ref), old_ref);
  const std::map<std::string, nlohmann::json> changes = {{"network.spread_selection", true},
                                                         {"network.spread_min_legible_probability", 0.7}};
  // Without the model's known options the keys are not the package's: refused.
  EXPECT_NE(ErrorOf([&] { registry::DerivePackage(store, old_ref, changes, CheckPackageLoads); }).find("no option"),
            std::string::npos);
  EXPECT_EQ(registry::DerivePackage(store, old_ref, changes, CheckPackageLoads, KnownOptions), spread_ref);
  // A threshold the model refuses never enters the store.
  EXPECT_NE(ErrorOf([&] {
              registry::DerivePackage(store, old_ref, {{"network.spread_min_legible_probability", 1.5}},
                                      CheckPackageLoads, KnownOptions);
            }).find("spread_min_legible_probability"),
            std::string::npos);
  EXPECT_EQ(store.List().packages.size(), 2u);
}

TEST(TrackAttributesOptionsFile, TheCommittedFileListsTheDefaultsAndBadFilesNameTheField) {
  const char* source = std::getenv("IPT_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "ctest sets IPT_SOURCE_DIR";
  const fs::path committed = fs::path(source) / "configs" / "track_attributes.yaml";
  const nlohmann::json defaults = ToJson(tracking::TrackAttributesOptions{});
  EXPECT_EQ(ToJson(ReadTrackAttributesOptions(committed)), defaults);
  EXPECT_EQ(YAML::LoadFile(committed.string()).size(), defaults.size());  // every option listed

  const fs::path dir = testing::FreshTempDir("track_attributes_options");
  const fs::path file = dir / "a.yaml";
  std::ofstream(file) << "roster_numbers_only: false\nmin_jersey_votes: 5\n";
  nlohmann::json expected = defaults;
  expected["roster_numbers_only"] = false;
  expected["min_jersey_votes"] = 5;
  EXPECT_EQ(ToJson(ReadTrackAttributesOptions(file)), expected);  // a subset; the rest default
  std::ofstream(file) << "min_jersey_vote: 5\n";  // a typo
  EXPECT_NE(ErrorOf([&] { ReadTrackAttributesOptions(file); }).find("min_jersey_vote"), std::string::npos);
  std::ofstream(file) << "min_jersey_votes: many\n";
  EXPECT_NE(ErrorOf([&] { ReadTrackAttributesOptions(file); }).find("a.yaml:1: field 'min_jersey_votes'"),
            std::string::npos);
  std::ofstream(file) << "min_allowed_probability: 0\n";  // Check() refuses it
  const std::string error = ErrorOf([&] { ReadTrackAttributesOptions(file); });
  EXPECT_NE(error.find("a.yaml"), std::string::npos);
  EXPECT_NE(error.find("min_allowed_probability"), std::string::npos);
  std::ofstream(file) << "max_filled_gap_frames: -1\n";  // the smoothing's Check()
  EXPECT_NE(ErrorOf([&] { ReadTrackAttributesOptions(file); }).find("max_filled_gap_frames"), std::string::npos);
  // Nested options' checks name their own fields: the error names the key the file gave,
  // and its line.
  for (const char* key : {"fragment_link_max_gap_seconds", "name_splice_max_jump_m", "number_change_min_reads",
                          "smooth_sigma_frames", "name_elimination_min_seconds"}) {
    std::ofstream(file) << "roster_numbers_only: true\n" << key << ": -1\n";
    EXPECT_NE(ErrorOf([&] { ReadTrackAttributesOptions(file); }).find(fmt::format("a.yaml:2: field '{}'", key)),
              std::string::npos)
        << key;
  }
  std::ofstream(file) << "- 1\n";
  EXPECT_NE(ErrorOf([&] { ReadTrackAttributesOptions(file); }).find("a.yaml"), std::string::npos);
}

TEST(OnlineTrackerPackage, OptionsRoundTripAndBadInputsNameTheField) {
  const World& w = TheWorld();
  registry::ModelStore store(w.store);
  const tracking::OnlineTrackerOptions options = ReadOnlineTrackerPackage(store.PackageDir(w.refs.at("tracker")));
  EXPECT_EQ(options.confirm_hits, 2);                     // from the recipe
  EXPECT_DOUBLE_EQ(options.kalman.measurement_sigma_m, 0.15);
  EXPECT_DOUBLE_EQ(options.high_score, tracking::OnlineTrackerOptions{}.high_score);  // default
  EXPECT_EQ(OnlineTrackerOptionsToJson(OnlineTrackerOptionsFromJson(OnlineTrackerOptionsToJson(options), "m.json")),
            OnlineTrackerOptionsToJson(options));
  EXPECT_TRUE(store.Get(w.refs.at("tracker")).trained_with == (std::map<std::string, std::string>{
                  {"detector", w.refs.at("detector")}, {"crop_encoder", w.refs.at("crop_encoder")}}));

  // Packages written before the kit (session 16) and jersey (session 18) terms lack their
  // keys: they load with both off; a package that sets one keeps it.
  nlohmann::json older = OnlineTrackerOptionsToJson(options);
  for (const char* key :
       {"kit_weight_m", "kit_momentum", "kit_in_weak_stage", "jersey_weight_m", "jersey_half_certainty_crops"}) {
    ASSERT_TRUE(older.contains(key)) << key;
    older.erase(key);
  }
  const tracking::OnlineTrackerOptions loaded = OnlineTrackerOptionsFromJson(older, "m.json");
  ASSERT_NE(tracking::OnlineTrackerOptions{}.kit_weight_m, 0.0);  // on by default since session 19
  EXPECT_EQ(loaded.kit_weight_m, 0.0);
  EXPECT_EQ(loaded.jersey_weight_m, 0.0);
  EXPECT_EQ(loaded.jersey_half_certainty_crops, tracking::OnlineTrackerOptions{}.jersey_half_certainty_crops);
  older["jersey_weight_m"] = 2.0;
  older["kit_weight_m"] = 1.5;
  EXPECT_EQ(OnlineTrackerOptionsFromJson(older, "m.json").jersey_weight_m, 2.0);
  EXPECT_EQ(OnlineTrackerOptionsFromJson(older, "m.json").kit_weight_m, 1.5);
  older["jersey_half_certainty_crops"] = 0.0;  // Check() refuses
  EXPECT_NE(ErrorOf([&] { OnlineTrackerOptionsFromJson(older, "m.json"); }).find("jersey_half_certainty_crops"),
            std::string::npos);

  nlohmann::json j = OnlineTrackerOptionsToJson(options);
  j["kalman"].erase("measurement_sigma_m");
  EXPECT_NE(ErrorOf([&] { OnlineTrackerOptionsFromJson(j, "m.json"); })
                .find("m.json: field 'architecture.options.kalman.measurement_sigma_m'"),
            std::string::npos);
  j = OnlineTrackerOptionsToJson(options);
  j["gate_sigma"] = 3;  // a typo
  EXPECT_NE(ErrorOf([&] { OnlineTrackerOptionsFromJson(j, "m.json"); }).find("gate_sigma"), std::string::npos);
  j = OnlineTrackerOptionsToJson(options);
  j["low_score"] = 0.9;  // above high_score: Check() refuses
  EXPECT_NE(ErrorOf([&] { OnlineTrackerOptionsFromJson(j, "m.json"); }).find("low_score"), std::string::npos);

  const fs::path recipe = w.root / "bad_recipe.yaml";
  std::ofstream(recipe) << "model: tracker\ntype: online_tracker\noptions:\n  kalman:\n    sigma: 1\n";
  EXPECT_NE(ErrorOf([&] { ReadOnlineTrackerRecipe(recipe); }).find("field 'options.kalman.sigma'"), std::string::npos);
  std::ofstream(recipe) << "model: tracker\ntype: gnn\n";
  EXPECT_NE(ErrorOf([&] { ReadOnlineTrackerRecipe(recipe); }).find("field 'type'"), std::string::npos);

  // The same options made for other upstream models are another package.
  registry::TrainingContext ctx;
  ctx.upstream_refs = {{"detector", w.refs.at("crop_encoder")}};
  EXPECT_NE(TrainTracker(ctx).weights_safetensors, TrainTracker({}).weights_safetensors);
}

// The GNN tracker through the lifecycle on the tiny world: `ipt train tracker` with a GNN
// recipe reads the frame layers through the store and labels them; `ipt run` with the
// new collection computes the track layer with it (category probabilities included) and
// then hits the store; --tracker online and --tracker gnn pick the other or refuse. Then the
// cascade of a crop-encoder change, as the plan says: a new crop encoder makes the tracker
// retrain (its provenance names the new encoder) and both layers regenerate.
std::string TrainTinyGnnTracker(const World& w, const std::map<std::string, std::string>& upstream_refs,
                                const std::string& run_name) {
  // Match directories named by seed for the seed rule: copies of the tiny match (the same
  // content, so the same frame-layer key).
  for (const char* m : {"gnn_data/train/seed-1000", "gnn_data/val/seed-5000"}) {
    if (!fs::exists(w.root / m)) {
      fs::create_directories((w.root / m).parent_path());
      fs::copy(w.match, w.root / m, fs::copy_options::recursive);
    }
  }
  const fs::path recipe = w.root / "tracker_gnn.yaml";
  std::ofstream(recipe) << "model: tracker\ntype: gnn_tracker\n"
                        << "train_matches: [" << (w.root / "gnn_data/train").string() << "]\n"
                        << "val_matches: [" << (w.root / "gnn_data/val").string() << "]\n"
                        << "training: {steps: 4, steps_per_epoch: 2, loader_workers: 1, threads: 1}\n"
                        << "data: {chunk_stride: 4, chunks_per_step: 1}\n"
                        << "network: {node_dim: 4, edge_dim: 4, hidden: 8, steps: 2,\n"
                        << "          tracking: {overlap_frames: 4, min_track_detections: 2, graph: {chunk_frames: 8}}}\n";
  registry::TrainerRegistry trainers;
  trainers.Register("tracker", TrainTracker);
  registry::ModelCollection upstream;
  upstream.refs = upstream_refs;
  registry::ModelStore store(w.store);
  registry::TrainingContext ctx;
  ctx.recipe = recipe;
  ctx.cache = w.cache;
  ctx.run_dir = w.root / run_name;
  return registry::TrainModel("tracker", registry::ModelGraph::PathA(), upstream, store, ctx, trainers);
}

fs::path WriteCollection(const World& w, const std::map<std::string, std::string>& refs, const std::string& name) {
  registry::ModelCollection c;
  c.refs = refs;
  registry::WriteCollection(c, w.root / name);
  return w.root / name;
}

// Training labels: a per-frame assignment of people to detections within the radius, by
// distance (not each person's nearest: rows 2 and 3 are both near person 2, row 0 is
// person 1's), none beyond the radius. (Preferring the more confident of two detections
// on a person was tried: validation HOTA 0.850 against 0.859, docs/models.md.)
TEST(LabelDetections, AssignPeopleToDetectionsWithinTheRadius) {
  FrameLayer layer;
  layer.rows = 5;
  layer.frame = {1, 1, 1, 1, 2};
  layer.refined_foot_points_m = {10.1f, 5, 10.4f, 5, 20, 5, 20.25f, 5, 11.5f, 5};
  layer.score = {0.3f, 0.9f, 0.8f, 0.8f, 1.0f};
  io::Annotation one, two, later;
  one.frame = 1, one.person_id = 1, one.x_m = 10, one.z_m = 5, one.category = io::Category::kTeamB;
  two.frame = 1, two.person_id = 2, two.x_m = 20.1, two.z_m = 5;
  later = one;
  later.frame = 2;  // 1.5 m from row 4
  std::vector<int> category;
  EXPECT_EQ(LabelDetections(layer, {one, two, later}, 1.0, &category), (std::vector<int>{1, -1, 2, -1, -1}));
  EXPECT_EQ(category, (std::vector<int>{static_cast<int>(io::Category::kTeamB), -1, static_cast<int>(io::Category::kTeamA), -1, -1}));
  // A wider radius reaches frame 2.
  EXPECT_EQ(LabelDetections(layer, {one, two, later}, 2.0)[4], 1);
  // Two people whose nearest detection is the same (row 0 at x = 0): the assignment gives
  // person 4 (0.2 m) row 0 and person 3 (0.3 m from row 0) row 1, 0.6 m away.
  FrameLayer pair;
  pair.rows = 2;
  pair.frame = {1, 1};
  pair.refined_foot_points_m = {0, 0, 0.9f, 0};
  pair.score = {0.9f, 0.9f};
  io::Annotation three = one, four = one;
  three.person_id = 3, three.x_m = 0.3, three.z_m = 0;
  four.person_id = 4, four.x_m = -0.2, four.z_m = 0;
  EXPECT_EQ(LabelDetections(pair, {three, four}, 1.0), (std::vector<int>{4, 3}));
}

// The ground truth's tracks of a layer: labelled rows in their person's track at their
// refined foot-point, the rest in none.
TEST(GroundTruthTrackLayer, LabelledRowsInTheirPersonsTrackTheRestInNone) {
  FrameLayer layer;
  layer.rows = 3;
  layer.frame = {1, 1, 2};
  layer.refined_foot_points_m = {10.1f, 5, 30, 5, 10.3f, 5.2f};
  layer.score = {0.9f, 0.9f, 0.9f};
  io::Annotation one;
  one.frame = 1, one.person_id = 7, one.x_m = 10, one.z_m = 5;
  io::Annotation later = one;
  later.frame = 2;
  const TrackLayer tracks = GroundTruthTrackLayer(layer, {one, later}, 1.0);
  EXPECT_EQ(tracks.track_id, (std::vector<int64_t>{7, -1, 7}));
  EXPECT_FLOAT_EQ(tracks.position_m[4], 10.3f);
  EXPECT_TRUE(std::isnan(tracks.position_m[2]));
  EXPECT_TRUE(tracks.category_probabilities.empty());
}

// `ipt eval tracker --trackers truth`: the same detections (the ground truth's, no noise, no
// drops) through the rest of `ipt run` with the ground truth's association beside the online
// tracker's. The truth never switches and associates at least as well.
TEST(TrackerEvaluation, TheGroundTruthsAssociationNeverSwitchesOnTheSameDetections) {
  const World& w = TheWorld();
  TrackerEvaluationOptions o;
  o.models_yaml = w.models_yaml;
  o.model_store = w.store;
  o.cache = w.cache;
  o.out = w.root / "eval_trackers";
  o.trackers = {"online", kTruthTracker};
  o.ground_truth_detections = true;
  o.ground_truth.noise_m = 0;
  o.ground_truth.drop_probability = 0;
  const std::vector<TrackerEvaluation> results = EvaluateTrackers({w.match}, o);
  ASSERT_EQ(results.size(), 2u);
  const TrackerEvaluation& online = results[0];
  const TrackerEvaluation& truth = results[1];
  EXPECT_EQ(truth.type, "ground_truth");
  EXPECT_TRUE(truth.ref.empty());
  EXPECT_EQ(online.type, kOnlineTrackerType);
  ASSERT_GT(truth.combined.det_tp, 0);
  EXPECT_EQ(truth.combined.tracking.clear.idsw, 0);
  EXPECT_GE(eval::HotaResult::Mean(truth.combined.tracking.hota.ass_a),
            eval::HotaResult::Mean(online.combined.tracking.hota.ass_a) - 1e-9);
  const nlohmann::json run =
      io::ParseJson(ReadFile(o.out / kTruthTracker / w.match.filename() / "run.json"), "run.json");
  EXPECT_EQ(run["tracker"], kGivenTrackLayer);
  EXPECT_EQ(run["layers"]["track"]["key"], "given");
  EXPECT_FALSE(run["refs"].contains("tracker"));  // none ran
  std::printf("%s", FormatTrackerEvaluation(results, false).c_str());

  // On the detector's detections (the frame layer from the store) as well.
  o.ground_truth_detections = false;
  o.trackers = {kTruthTracker};
  o.out = w.root / "eval_trackers_detector";
  const std::vector<TrackerEvaluation> detected = EvaluateTrackers({w.match}, o);
  ASSERT_EQ(detected.size(), 1u);
  EXPECT_EQ(detected[0].combined.tracking.clear.idsw, 0);
  // Given tracks are checked as a stored layer is, and run with the collection's models only.
  RunOptions given = Options(w);
  given.track_layer = [](const FrameLayer& frames) {
    TrackLayer t;
    t.track_id.assign(frames.rows, 0);
    t.position_m.assign(2 * frames.rows, std::numeric_limits<float>::quiet_NaN());
    return t;
  };
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "given_bad", given); }).find("without a finite position"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(w.root / "given_bad"));
  given.tracker = "online";
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "given_online", given); }).find("collection's models"),
            std::string::npos);
}

TEST(GnnTracker, TrainsOnFrameLayersAndRunsThroughTheTrackStore) {
  const World& w = TheWorld();
  std::map<std::string, std::string> refs = w.refs;
  refs.erase("tracker");
  const std::string gnn_ref = TrainTinyGnnTracker(w, refs, "gnn_run");
  ASSERT_FALSE(gnn_ref.empty());
  registry::ModelStore store(w.store);
  const registry::ModelManifest manifest = store.Get(gnn_ref);
  EXPECT_EQ(manifest.architecture["type"], "gnn_tracker");
  EXPECT_TRUE(manifest.trained_with == refs);
  EXPECT_EQ(CheckTrackerPackage(store.PackageDir(gnn_ref)), "gnn_tracker");

  refs["tracker"] = gnn_ref;
  RunOptions o = Options(w);
  o.models_yaml = WriteCollection(w, refs, "models_gnn.yaml");
  const RunReport first = pipeline::Run(w.match, w.root / "out_gnn", o);
  EXPECT_EQ(first.tracker_type, "gnn_tracker");
  EXPECT_TRUE(first.layers.at("frame").hit);   // the training computed it
  EXPECT_FALSE(first.layers.at("track").hit);
  EXPECT_TRUE(first.stage_seconds.count("tracker"));
  store::ArtifactStore cache(w.cache);
  const FrameLayer frames = ReadFrameLayer(*cache.Get("frame", first.layers.at("frame").key), "frame");
  const TrackLayer tracks = ReadTrackLayer(*cache.Get("track", first.layers.at("track").key), frames.rows, "track");
  ASSERT_EQ(tracks.category_probabilities.size(), static_cast<size_t>(frames.rows) * io::kNumCategories);
  for (int64_t i = 0; i < frames.rows; ++i) {
    if (tracks.track_id[i] < 0) continue;
    double sum = 0;
    for (int k = 0; k < io::kNumCategories; ++k) sum += tracks.category_probabilities[i * io::kNumCategories + k];
    EXPECT_NEAR(sum, 1.0, 1e-4) << "row " << i;
  }
  EXPECT_EQ(io::ParseJson(ReadFile(w.root / "out_gnn" / "run.json"), "run.json")["tracker"], "gnn_tracker");
  const RunReport again = pipeline::Run(w.match, w.root / "out_gnn", o);
  EXPECT_TRUE(again.layers.at("track").hit);
  EXPECT_EQ(again.layers.at("track").key, first.layers.at("track").key);

  // --tracker online: another package, another track key; --tracker gnn needs a GNN.
  o.tracker = "online";
  const RunReport online = pipeline::Run(w.match, w.root / "out_online", o);
  EXPECT_EQ(online.tracker_type, "online_tracker");
  EXPECT_NE(online.layers.at("track").key, first.layers.at("track").key);
  RunOptions needs_gnn = Options(w);
  needs_gnn.tracker = "gnn";
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "out_x", needs_gnn); }).find("--tracker gnn"), std::string::npos);
  // A tracker ref made for other upstream models is refused.
  RunOptions other = Options(w);
  other.tracker = registry::ShortRef(w.refs.at("crop_encoder"));
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "out_x", other); }).find("trained_with"), std::string::npos);

  // The cascade of a crop-encoder change (cascade plan row "crop_encoder: regenerate frame,
  // track; retrain tracker, ..."): the tracker retrains with the new encoder, and both
  // layers of the new collection are computed while the old collection's stay hits.
  std::map<std::string, std::string> changed = w.refs;
  changed.erase("tracker");
  changed["crop_encoder"] = store.Add(WriteEncoderPackage(w.root / "pkg_encoder_v2", w.refs.at("detector"), {}, 13));
  const std::string retrained = TrainTinyGnnTracker(w, changed, "gnn_run_v2");
  EXPECT_EQ(store.Get(retrained).trained_with.at("crop_encoder"), changed.at("crop_encoder"));
  changed["tracker"] = retrained;
  RunOptions after = Options(w);
  after.models_yaml = WriteCollection(w, changed, "models_gnn_v2.yaml");
  const RunReport v2 = pipeline::Run(w.match, w.root / "out_gnn_v2", after);
  EXPECT_TRUE(v2.layers.at("frame").hit);  // computed by the retraining, under the new key
  EXPECT_NE(v2.layers.at("frame").key, first.layers.at("frame").key);
  EXPECT_FALSE(v2.layers.at("track").hit);
  EXPECT_NE(v2.layers.at("track").key, first.layers.at("track").key);
  o.tracker = "";
  EXPECT_TRUE(pipeline::Run(w.match, w.root / "out_gnn", o).layers.at("track").hit);  // the old entries stay
}

// Model 4 through the lifecycle on the tiny world: `ipt train jn_classifier` reads the
// collection's frame and track layers (labelled by annotations.csv); `ipt run` with it
// reads the jersey with the classifier; a changed classifier regenerates nothing (both
// layers are hits); --jersey picks the vote or refuses without a classifier; a classifier
// trained with another tracker is refused by the collection check, and not used with
// --tracker online.
std::string TrainTinyJnClassifier(const World& w, uint64_t seed) {
  for (const char* m : {"gnn_data/train/seed-1000", "gnn_data/val/seed-5000"}) {
    if (!fs::exists(w.root / m)) {
      fs::create_directories((w.root / m).parent_path());
      fs::copy(w.match, w.root / m, fs::copy_options::recursive);
    }
  }
  const fs::path recipe = w.root / ("jn_" + std::to_string(seed) + ".yaml");
  std::ofstream(recipe) << "model: jn_classifier\n"
                        << "train_matches: [" << (w.root / "gnn_data/train").string() << "]\n"
                        << "val_matches: [" << (w.root / "gnn_data/val").string() << "]\n"
                        << "training: {steps: 4, steps_per_epoch: 2, loader_workers: 1, threads: 1, seed: " << seed << "}\n"
                        << "data: {batch_tracks: 4, validation_windows: [5]}\n"
                        << "network: {model_dim: 8, heads: 2, layers: 1, feedforward_dim: 8, max_detections: 4}\n";
  registry::TrainerRegistry trainers;
  trainers.Register("jn_classifier", TrainJnClassifierFromLayers);
  registry::ModelCollection collection;
  collection.refs = w.refs;
  registry::ModelStore store(w.store);
  registry::TrainingContext ctx;
  ctx.recipe = recipe;
  ctx.cache = w.cache;
  ctx.run_dir = w.root / ("jn_run_" + std::to_string(seed));
  ctx.overwrite = true;  // the same seed trains the same package again
  return registry::TrainModel("jn_classifier", registry::ModelGraph::PathA(), collection, store, ctx, trainers);
}

TEST(JnClassifier, TrainsOnTheLayersAndAChangeRegeneratesNothing) {
  const World& w = TheWorld();
  const std::string jn = TrainTinyJnClassifier(w, 1);
  ASSERT_FALSE(jn.empty());
  registry::ModelStore store(w.store);
  const registry::ModelManifest manifest = store.Get(jn);
  EXPECT_EQ(manifest.architecture["type"], "jn_classifier");
  EXPECT_EQ(manifest.trained_with.at("tracker"), w.refs.at("tracker"));
  EXPECT_EQ(manifest.trained_with.at("crop_encoder"), w.refs.at("crop_encoder"));

  std::map<std::string, std::string> refs = w.refs;
  refs["jn_classifier"] = jn;
  RunOptions o = Options(w);
  o.models_yaml = WriteCollection(w, refs, "models_jn.yaml");
  const RunReport first = pipeline::Run(w.match, w.root / "out_jn", o);
  EXPECT_EQ(first.jersey_source, "jn_classifier");
  EXPECT_EQ(first.refs.at("jn_classifier"), jn);
  EXPECT_TRUE(first.layers.at("frame").hit);  // the training computed both
  EXPECT_TRUE(first.layers.at("track").hit);
  EXPECT_TRUE(first.stage_seconds.count("jn_classifier"));
  const nlohmann::json run = io::ParseJson(ReadFile(w.root / "out_jn" / "run.json"), "run.json");
  EXPECT_EQ(run["jersey"], "jn_classifier");
  EXPECT_EQ(run["refs"]["jn_classifier"], jn);

  // The match level hands the classifier only the detections it reads (its own selection):
  // the probabilities are those of the whole tracks.
  {
    const MatchLayers layers = GetMatchLayers(w.match, w.refs, w.store, w.cache);
    jn_classifier::JnClassifier classifier(store.PackageDir(jn));
    const MatchTracks resolved = ResolveMatchTracks(layers.frames, layers.tracks, io::OpenMatchDir(w.match).info, {},
                                                    &classifier, true);
    std::vector<jn_classifier::JnTrack> whole;
    bool longer = false;
    for (const auto& [id, rows] : resolved.rows) {
      whole.push_back(JnTrackOfRows(layers.frames, rows));
      longer |= whole.back().size() > classifier.config().max_detections;
    }
    EXPECT_TRUE(longer) << "no track longer than the classifier reads: the selection is not exercised";
    const auto expected = classifier.Classify(whole);
    size_t k = 0;
    for (const auto& [id, probabilities] : resolved.jersey_probabilities) EXPECT_EQ(probabilities, expected[k++]) << id;
  }

  // Another JN classifier: nothing regenerates.
  const std::string jn2 = TrainTinyJnClassifier(w, 2);
  ASSERT_NE(jn2, jn);
  refs["jn_classifier"] = jn2;
  RunOptions changed = Options(w);
  changed.models_yaml = WriteCollection(w, refs, "models_jn2.yaml");
  const RunReport second = pipeline::Run(w.match, w.root / "out_jn2", changed);
  EXPECT_EQ(second.refs.at("jn_classifier"), jn2);
  EXPECT_TRUE(second.layers.at("frame").hit);
  EXPECT_TRUE(second.layers.at("track").hit);
  EXPECT_EQ(second.layers.at("track").key, first.layers.at("track").key);
  EXPECT_FALSE(second.stage_seconds.count("detector"));
  EXPECT_FALSE(second.stage_seconds.count("tracker"));

  // --jersey vote; --jersey classifier needs one; --tracker online falls back to the vote.
  RunOptions vote = o;
  vote.jersey = "vote";
  EXPECT_EQ(pipeline::Run(w.match, w.root / "out_vote", vote).jersey_source, "vote");
  RunOptions needs = Options(w);
  needs.jersey = "classifier";
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "out_x", needs); }).find("models.jn_classifier"), std::string::npos);
  RunOptions online = o;
  online.tracker = "online";
  EXPECT_EQ(pipeline::Run(w.match, w.root / "out_online_jn", online).jersey_source, "vote");
  online.jersey = "classifier";
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "out_x", online); }).find("--tracker online"), std::string::npos);

  // A classifier trained with another tracker does not validate with this collection.
  std::map<std::string, std::string> stale = w.refs;
  stale["tracker"] = TrainTinyGnnTracker(w, {{"detector", w.refs.at("detector")}, {"crop_encoder", w.refs.at("crop_encoder")}},
                                         "gnn_run_for_jn");
  stale["jn_classifier"] = jn;
  RunOptions bad = Options(w);
  bad.models_yaml = WriteCollection(w, stale, "models_jn_stale.yaml");
  const std::string error = ErrorOf([&] { pipeline::Run(w.match, w.root / "out_x", bad); });
  EXPECT_NE(error.find("models_jn_stale.yaml"), std::string::npos) << error;
  EXPECT_NE(error.find("jn_classifier"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(w.root / "out_x"));
}

// `ipt eval jersey` on the tiny world: every track is one whole window, each length cuts
// floor(n / L) windows from a track longer than L, a window's bucket follows the annotated
// legibility of its main person's rows, and on whole tracks the vote's right answers and
// own numbers equal those counted here from the rows and the roster.
TEST(JerseyEvaluation, WindowsAndBucketsFollowTheTracksAndTheirLabels) {
  const World& w = TheWorld();
  std::map<std::string, std::string> refs = w.refs;
  refs["jn_classifier"] = TrainTinyJnClassifier(w, 1);
  JerseyEvaluationOptions o;
  o.models_yaml = WriteCollection(w, refs, "models_jersey_eval.yaml");
  o.model_store = w.store;
  o.cache = w.cache;
  o.window_lengths = {3, 8};
  o.threads = 1;
  const JerseyEvaluation e = EvaluateJersey({w.match}, o);
  EXPECT_EQ(e.jn_classifier, refs["jn_classifier"]);
  EXPECT_FALSE(e.jn_defers_to_vote);  // the tiny recipe has no vote
  ASSERT_EQ(e.lengths, (std::vector<std::string>{"3", "8", "whole"}));

  // The reference, from the layers and annotations directly.
  const MatchLayers layers = GetMatchLayers(w.match, w.refs, w.store, w.cache);
  const io::MatchInfo info = io::OpenMatchDir(w.match).info;
  const RowTruth truth = LabelRows(layers.frames, io::ReadAnnotationsCsv(w.match / io::kAnnotationsCsvName, info.frame_count));
  std::vector<std::vector<int64_t>> expected(3, std::vector<int64_t>(3, 0));  // [length][bucket]
  // Whole tracks, per bucket: the vote right, and "unknown" labels given the own number.
  std::vector<int64_t> vote_right(3, 0), vote_own(3, 0);
  const FrameRowBlock all = AllRows(layers.frames);
  int64_t tracks = 0;
  for (const auto& [id, rows] : RowsOfTracks(layers.tracks)) {
    ++tracks;
    const int n = static_cast<int>(rows.size());
    // The window's main person (most rows; ties: the smaller id, no one = -1).
    auto main_person = [&](int begin, int end) {
      std::map<int, int> count;
      for (int i = begin; i < end; ++i) ++count[truth.person[rows[i]]];
      return std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    };
    auto legible_of = [&](int begin, int end) {
      const int person = main_person(begin, end);
      int legible = 0;
      for (int i = begin; i < end; ++i) {
        legible += person >= 0 && truth.person[rows[i]] == person && truth.legibility[rows[i]] == io::Legibility::kLegible &&
                   truth.jersey[rows[i]] >= 0;
      }
      return legible;
    };
    auto bucket = [&](int legible) { return legible == 0 ? 0 : legible < 5 ? 1 : 2; };
    const int lengths[] = {3, 8};
    for (int l = 0; l < 2; ++l) {
      for (int b = 0; lengths[l] < n && b + lengths[l] <= n; b += lengths[l]) ++expected[l][bucket(legible_of(b, b + lengths[l]))];
    }
    const int legible = legible_of(0, n);
    ++expected[2][bucket(legible)];
    // The vote of the whole track among the main person's team numbers, from the rows.
    const int person = main_person(0, n);
    tracking::JerseySet allowed;
    allowed.set();
    int own = -1;
    for (const io::RosterEntry& entry : info.roster) {
      if (person < 0 || entry.player_id != person) continue;
      own = entry.jersey.value_or(-1);
    }
    std::vector<tracking::DetectionEvidence> evidence;
    for (int64_t r : rows) {
      std::array<float, crop_encoder::kNumRoles> roles;
      evidence.push_back(DetectionEvidenceOfRow(layers.frames, all, r, &layers.frames.refined_foot_points_m[2 * r], &roles));
    }
    for (const io::RosterEntry& entry : info.roster) {
      if (person >= 0 && entry.player_id == person)
        allowed = tracking::TeamJerseys(info, entry.category, {evidence.front().frame, evidence.back().frame});
    }
    const int vote = tracking::VoteJersey(evidence, o.attributes, allowed).value_or(-1);
    const int label = legible > 0 ? own : -1;
    vote_right[bucket(legible)] += vote == label;
    vote_own[bucket(legible)] += label == -1 && vote >= 0 && vote == own;
  }
  ASSERT_GT(tracks, 0);
  EXPECT_EQ(e.tracks, tracks);
  EXPECT_EQ(e.matches, 1);
  for (int l = 0; l < 3; ++l) {
    for (int b = 0; b < 3; ++b) EXPECT_EQ(e.cells[l][b].windows, expected[l][b]) << e.lengths[l] << " " << e.legibility[b];
  }
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(e.cells[2][b].vote_right, vote_right[b]) << e.legibility[b];
    EXPECT_EQ(e.cells[2][b].vote_own_number, vote_own[b]) << e.legibility[b];
  }
  const nlohmann::json j = e.ToJson();
  EXPECT_EQ(j["cells"].size(), 9u);
  EXPECT_TRUE(j["cells"][0].contains("classifier_own_number"));
}

// Model 5 through the lifecycle on the tiny world: `ipt train identity_resolver` cuts the
// collection's tracks into pieces and learns on them; `ipt run` with the JN classifier and
// the resolver names players through it (run.json says so), a changed resolver
// regenerates nothing, and one trained with another tracker is refused.
std::string TrainTinyIdentityResolver(const World& w, const std::map<std::string, std::string>& upstream, uint64_t seed) {
  TrainTinyJnClassifier(w, 1);  // the match copies
  const fs::path recipe = w.root / ("ir_" + std::to_string(seed) + ".yaml");
  std::ofstream(recipe) << "model: identity_resolver\n"
                        << "train_matches: [" << (w.root / "gnn_data/train").string() << "]\n"
                        << "val_matches: [" << (w.root / "gnn_data/val").string() << "]\n"
                        << "training: {steps: 4, steps_per_epoch: 2, loader_workers: 1, threads: 1, seed: " << seed << "}\n"
                        << "data: {batch_pairs: 8, cut: {min_piece_frames: 3, max_piece_frames: 5, min_gap_frames: 1,"
                        << " max_gap_frames: 2}}\n"
                        << "network: {hidden: 4}\n";
  registry::TrainerRegistry trainers;
  trainers.Register("identity_resolver", TrainIdentityResolverFromLayers);
  registry::ModelCollection collection;
  collection.refs = upstream;
  registry::ModelStore store(w.store);
  registry::TrainingContext ctx;
  ctx.recipe = recipe;
  ctx.cache = w.cache;
  ctx.run_dir = w.root / ("ir_run_" + std::to_string(seed));
  ctx.overwrite = true;
  return registry::TrainModel("identity_resolver", registry::ModelGraph::PathA(), collection, store, ctx, trainers);
}

TEST(IdentityResolver, TrainsOnPiecesAndNamesPlayersThroughTheRun) {
  const World& w = TheWorld();
  const std::string ir = TrainTinyIdentityResolver(w, w.refs, 1);
  ASSERT_FALSE(ir.empty());
  registry::ModelStore store(w.store);
  const registry::ModelManifest manifest = store.Get(ir);
  EXPECT_EQ(manifest.architecture["type"], "identity_resolver");
  EXPECT_EQ(manifest.trained_with.at("tracker"), w.refs.at("tracker"));
  EXPECT_FALSE(manifest.trained_with.count("jn_classifier"));  // its output is not trained on

  std::map<std::string, std::string> refs = w.refs;
  refs["jn_classifier"] = TrainTinyJnClassifier(w, 1);
  refs["identity_resolver"] = ir;
  RunOptions o = Options(w);
  o.models_yaml = WriteCollection(w, refs, "models_ir.yaml");
  const RunReport first = pipeline::Run(w.match, w.root / "out_ir", o);
  EXPECT_EQ(first.identity_source, "identity_resolver");
  EXPECT_EQ(first.refs.at("identity_resolver"), ir);
  EXPECT_TRUE(first.layers.at("frame").hit);
  EXPECT_TRUE(first.layers.at("track").hit);
  EXPECT_TRUE(first.stage_seconds.count("identity_resolver"));
  EXPECT_GT(first.identities, 0);
  const nlohmann::json run = io::ParseJson(ReadFile(w.root / "out_ir" / "run.json"), "run.json");
  EXPECT_EQ(run["player_id"], "identity_resolver");
  EXPECT_EQ(run["identities"], first.identities);
  EXPECT_EQ(run["identities_named_unsure"], first.identities_named_unsure);
  EXPECT_LE(first.identities_named_unsure, first.identities);
  // The output still reads as tracks.csv; every player id is a roster player of the row's category.
  const io::MatchDir match = io::OpenMatchDir(w.match);
  for (const auto& row : eval::ReadTracksCsv(w.root / "out_ir" / "tracks.csv", match.info.frame_count)) {
    if (!row.player_id) continue;
    const auto entry = std::find_if(match.info.roster.begin(), match.info.roster.end(),
                                    [&](const io::RosterEntry& e) { return e.player_id == *row.player_id; });
    ASSERT_NE(entry, match.info.roster.end());
    EXPECT_EQ(std::optional<io::Category>(entry->category), row.category);
  }

  // `ipt run` read the frame layer from its store file block by block: the match level
  // with both models gives the output it gives on the layer in memory, whatever the block.
  {
    const MatchLayers layers = GetMatchLayers(w.match, w.refs, w.store, w.cache);
    // A track's pooled reading (tracking::IdentityTrack::pooled_reading) is its crops'
    // from the layer's named jn fields, written out: P(shown) = 1 - P(none) of the
    // presence head, crops below 0.3 left out, P(shown) x log((1e-3 + P(n)) / (1e-3 + 1/100)).
    {
      std::map<int64_t, std::vector<int64_t>> rows_of;
      for (int64_t i = 0; i < layers.frames.rows; ++i) rows_of[layers.tracks.track_id[i]].push_back(i);
      int shown_crops = 0;
      for (const auto& [id, rows] : rows_of) {
        if (id < 0) continue;
        double shown_sum = 0;
        const tracking::IdentityTrack t =
            IdentityTrackOfRows(layers.frames, layers.tracks, rows, id, io::Category::kTeamA, {});
        std::vector<double> expected(io::kNumJerseys, 0.0);
        for (int64_t r : rows) {
          const float* presence = layers.frames.Row(crop_encoder::kPresenceField, r);
          const double top = std::max({presence[0], presence[1], presence[2]});
          double z = 0;
          for (int k = 0; k < 3; ++k) z += std::exp(presence[k] - top);
          const double shown = 1 - std::exp(presence[0] - top) / z;  // io::Legibility::kNone first
          if (shown < 0.3) continue;
          ++shown_crops;
          shown_sum += shown;
          const auto p = crop_encoder::JerseyNumberProbabilities(layers.frames.Row(crop_encoder::kNumberField, r),
                                                                 layers.frames.Row(crop_encoder::kDigitsField, r));
          for (int n = 0; n < io::kNumJerseys; ++n) expected[n] += shown * std::log((1e-3 + p[n]) / (1e-3 + 0.01));
        }
        for (int n = 0; n < io::kNumJerseys; ++n)
          EXPECT_NEAR(t.pooled_reading[n], expected[n], 1e-3 * (1 + std::abs(expected[n]))) << "track " << id << " #" << n;
        EXPECT_NEAR(t.pooled_crops, shown_sum, 1e-3 * (1 + shown_sum)) << "track " << id;
      }
      EXPECT_GT(shown_crops, 0);  // the tiny world's reader shows some numbers
    }
    jn_classifier::JnClassifier jn(store.PackageDir(refs["jn_classifier"]));
    identity_resolver::IdentityResolver resolver(store.PackageDir(ir), 1);
    const MatchLevelOutput in_memory =
        RunMatchLevel(layers.frames, layers.tracks, match.info, {}, &jn, &resolver, true, layers.frames.rows);
    EXPECT_GT(in_memory.identities, 0);
    const std::optional<fs::path> file = store::ArtifactStore(w.cache).GetFile("frame", layers.frame_key);
    ASSERT_TRUE(file.has_value());
    const FrameLayer opened = OpenFrameLayer(*file, "frame layer");
    for (int64_t block_rows : {int64_t{3}, kRowBlockRows}) {
      const MatchLevelOutput by_block =
          RunMatchLevel(opened, layers.tracks, match.info, {}, &jn, &resolver, true, block_rows);
      EXPECT_EQ(by_block.identities, in_memory.identities);
      testing::ExpectSameRows(by_block, in_memory, "blocks of " + std::to_string(block_rows));
    }
    // The same with a resolver that weighs the pooled reading (summed only then).
    {
      const std::string pooled = registry::DerivePackage(
          store, ir, {{"resolving.pooled_reading_weight", 1.0}, {"resolving.pooled_reading_max_crops", 5.0}});
      identity_resolver::IdentityResolver weighing(store.PackageDir(pooled), 1);
      EXPECT_EQ(weighing.options().pooled_reading_weight, 1.0);
      const MatchLevelOutput pooled_in_memory =
          RunMatchLevel(layers.frames, layers.tracks, match.info, {}, &jn, &weighing, true, layers.frames.rows);
      const MatchLevelOutput pooled_by_block =
          RunMatchLevel(opened, layers.tracks, match.info, {}, &jn, &weighing, true, 3);
      EXPECT_EQ(pooled_by_block.identities, pooled_in_memory.identities);
      testing::ExpectSameRows(pooled_by_block, pooled_in_memory, "pooled, blocks of 3");
    }
    // A resolver that names down to 0.001: its guesses' players are marked on each of their
    // rows, and only theirs.
    {
      const std::string guessing = registry::DerivePackage(store, ir, {{"resolving.min_name_probability", 0.001}});
      identity_resolver::IdentityResolver resolver_guessing(store.PackageDir(guessing), 1);
      const MatchLevelOutput guesses =
          RunMatchLevel(layers.frames, layers.tracks, match.info, {}, &jn, &resolver_guessing, true, 3);
      ASSERT_FALSE(guesses.guessed_player_ids.empty());  // the tiny world's reader is unsure of most
      const std::set<int> guessed(guesses.guessed_player_ids.begin(), guesses.guessed_player_ids.end());
      std::set<int> marked;
      for (const auto& row : guesses.rows) {
        EXPECT_EQ(row.player_guessed.has_value(), row.player_id.has_value());  // a mark on each name, only there
        if (!row.player_id) continue;
        EXPECT_EQ(*row.player_guessed, guessed.count(*row.player_id) == 1) << "player " << *row.player_id;
        if (*row.player_guessed) marked.insert(*row.player_id);
      }
      EXPECT_EQ(marked, guessed);  // every guessed player keeps rows here
      for (const auto& row : in_memory.rows) EXPECT_NE(row.player_guessed, true);  // at 0.5 nothing is a guess
      // ... and `ipt run` writes the marks into tracks.csv.
      std::map<std::string, std::string> guessing_refs = refs;
      guessing_refs["identity_resolver"] = guessing;
      RunOptions with_guesses = Options(w);
      with_guesses.models_yaml = WriteCollection(w, guessing_refs, "models_guessing.yaml");
      const RunReport run_guessing = pipeline::Run(w.match, w.root / "out_guessing", with_guesses);
      EXPECT_EQ(run_guessing.identities_named_unsure, static_cast<int64_t>(guessed.size()));
      const auto written_guesses = eval::ReadTracksCsv(w.root / "out_guessing" / "tracks.csv", match.info.frame_count);
      ASSERT_EQ(written_guesses.size(), guesses.rows.size());
      for (size_t i = 0; i < written_guesses.size(); ++i) {
        EXPECT_EQ(written_guesses[i].player_id, guesses.rows[i].player_id) << i;
        EXPECT_EQ(written_guesses[i].player_guessed, guesses.rows[i].player_guessed) << i;
      }
    }
    // The track level reads a frame layer in a file chunk by chunk: the same layer.
    const fs::path tracker = store.PackageDir(w.refs.at("tracker"));
    EXPECT_EQ(io::SerializeSafetensors(ComputeTrackLayerWith(opened, w.match, tracker, nullptr)),
              io::SerializeSafetensors(ComputeTrackLayerWith(layers.frames, w.match, tracker, nullptr)));
    // And the run wrote the same rows.
    const auto written = eval::ReadTracksCsv(w.root / "out_ir" / "tracks.csv", match.info.frame_count);
    ASSERT_EQ(written.size(), in_memory.rows.size());
    for (size_t i = 0; i < written.size(); ++i) EXPECT_EQ(written[i].player_id, in_memory.rows[i].player_id) << i;
  }

  // Another resolver: nothing regenerates.
  refs["identity_resolver"] = TrainTinyIdentityResolver(w, w.refs, 2);
  ASSERT_NE(refs["identity_resolver"], ir);
  RunOptions changed = Options(w);
  changed.models_yaml = WriteCollection(w, refs, "models_ir2.yaml");
  const RunReport second = pipeline::Run(w.match, w.root / "out_ir2", changed);
  EXPECT_TRUE(second.layers.at("frame").hit);
  EXPECT_TRUE(second.layers.at("track").hit);
  EXPECT_FALSE(second.stage_seconds.count("tracker"));
  // --jersey vote: no JN classifier, so player ids by roster look-up.
  RunOptions vote = o;
  vote.jersey = "vote";
  EXPECT_EQ(pipeline::Run(w.match, w.root / "out_ir_vote", vote).identity_source, "roster_lookup");
  // A resolver trained with another crop encoder does not validate with this collection.
  std::map<std::string, std::string> stale = refs;
  stale["identity_resolver"] = ir;
  stale["crop_encoder"] = store.Add(WriteEncoderPackage(w.root / "pkg_encoder_ir", w.refs.at("detector"), {}, 17));
  RunOptions bad = Options(w);
  bad.models_yaml = WriteCollection(w, stale, "models_ir_stale.yaml");
  EXPECT_NE(ErrorOf([&] { pipeline::Run(w.match, w.root / "out_x", bad); }).find("models_ir_stale.yaml"), std::string::npos);
  EXPECT_FALSE(fs::exists(w.root / "out_x"));
}


// The design's cascade for real on the tiny world (`ipt cascade step` for every step of the
// plan, in order): a new crop encoder regenerates the frame and track layers, retrains the
// tracker, the JN classifier and the identity resolver with their trainers, and scores the
// new pipeline with PTFE; each step reads the collection the plan gives it. Then a JN
// classifier change runs only the evaluation, on both layers from the store.
TEST(Cascade, ACropEncoderChangeRetrainsModels3To5AndAJnChangeRegeneratesNothing) {
  const World& w = TheWorld();
  const fs::path root = w.root / "cascade";
  fs::create_directories(root / "recipes");
  for (const char* m : {"train/seed-1000", "eval/seed-5000"}) {
    fs::create_directories((root / m).parent_path());
    fs::copy(w.match, root / m, fs::copy_options::recursive);
  }
  const std::string data = "train_matches: [" + (root / "train").string() + "]\nval_matches: [" + (root / "eval").string() + "]\n";
  // The online tracker's "training" packages its options for the new encoder (a 4-step GNN
  // would leave the identity resolver's trainer no pair to learn from; GnnTracker tests train it).
  std::ofstream(root / "recipes/tracker.yaml") << "model: tracker\ntype: online_tracker\n";
  std::ofstream(root / "recipes/jn_classifier.yaml")
      << "model: jn_classifier\n" << data << "training: {steps: 4, steps_per_epoch: 2, loader_workers: 1, threads: 1}\n"
      << "data: {batch_tracks: 4, validation_windows: [5]}\n"
      << "network: {model_dim: 8, heads: 2, layers: 1, feedforward_dim: 8, max_detections: 4}\n";
  std::ofstream(root / "recipes/identity_resolver.yaml")
      << "model: identity_resolver\n" << data
      << "training: {steps: 4, steps_per_epoch: 2, loader_workers: 1, threads: 1}\n"
      << "data: {batch_pairs: 8, cut: {min_piece_frames: 3, max_piece_frames: 5, min_gap_frames: 1, max_gap_frames: 2}}\n"
      << "network: {hidden: 4}\n";
  registry::TrainerRegistry trainers;
  trainers.Register("tracker", TrainTracker);
  trainers.Register("jn_classifier", TrainJnClassifierFromLayers);
  trainers.Register("identity_resolver", TrainIdentityResolverFromLayers);
  registry::ModelStore store(w.store);

  std::map<std::string, std::string> input = w.refs;
  // Seed 31: a tiny random encoder whose role head calls some tracks people (with one that
  // calls none, the identity resolver's trainer has no pair to learn from, and says so).
  input["crop_encoder"] = store.Add(WriteEncoderPackage(root / "pkg_encoder", w.refs.at("detector"), {}, 31));
  CascadeStepOptions o;
  o.changed = {"crop_encoder"};
  o.models = WriteCollection(w, input, "cascade_input.yaml");
  o.matches = root / "train";
  o.eval_matches = root / "eval";
  o.outputs = root / "outputs";
  o.state = root / "state";
  o.recipes = root / "recipes";
  o.model_store = w.store;
  o.cache = w.cache;
  const cascade::Plan plan = cascade::PlanCascade(registry::ModelGraph::PathA(), {"crop_encoder"});
  std::map<std::string, CascadeStepResult> results;
  for (const auto& step : plan.steps) {  // an execution order
    o.step = step.id;
    results[step.id] = RunCascadeStep(o, trainers);
  }
  // Both layers are new (the new encoder's keys) for the training and evaluation matches.
  EXPECT_EQ(results["precompute:frame"].computed + results["precompute:frame"].hits, 2);
  EXPECT_GE(results["precompute:frame"].computed, 1);  // the two matches are copies: one key
  EXPECT_GE(results["precompute:track"].computed, 1);
  // Each retrained model names the models it was trained with: the new encoder, the new tracker.
  const std::string tracker = results["train:tracker"].ref;
  EXPECT_EQ(store.Get(tracker).trained_with.at("crop_encoder"), input.at("crop_encoder"));
  for (const char* m : {"jn_classifier", "identity_resolver"}) {
    EXPECT_EQ(store.Get(results[std::string("train:") + m].ref).trained_with.at("tracker"), tracker) << m;
  }
  // The tracking evaluation ran without models 4 and 5; the pipeline's with the new ones.
  const auto tracking = registry::ReadCollection(cascade::StepCollectionFile(o.state, "evaluate:tracking"));
  EXPECT_EQ(tracking.refs.count("jn_classifier") + tracking.refs.count("identity_resolver"), 0u);
  EXPECT_EQ(tracking.refs.at("tracker"), tracker);
  const auto final_collection = registry::ReadCollection(cascade::FinalCollectionFile(o.state));
  EXPECT_EQ(final_collection.refs.at("jn_classifier"), results["train:jn_classifier"].ref);
  EXPECT_EQ(final_collection.refs.at("identity_resolver"), results["train:identity_resolver"].ref);
  EXPECT_TRUE(registry::ValidateCollection(final_collection, registry::ModelGraph::PathA(), store).empty());
  ASSERT_EQ(results["evaluate:pipeline"].reports.size(), 2u);  // the match and COMBINED
  EXPECT_GT(results["evaluate:pipeline"].reports.back().frames, 0);
  EXPECT_TRUE(fs::is_regular_file(o.outputs / "pipeline" / "ptfe.json"));
  EXPECT_TRUE(fs::is_regular_file(o.outputs / "pipeline" / "report.html"));

  // A JN classifier change: one step, the evaluation, with both layers from the store.
  CascadeStepOptions jn = o;
  jn.changed = {"jn_classifier"};
  jn.step = "evaluate:pipeline";
  jn.models = cascade::FinalCollectionFile(o.state);
  jn.state = root / "state_jn";
  jn.outputs = root / "outputs_jn";
  RunCascadeStep(jn, trainers);
  const nlohmann::json run = io::ParseJson(ReadFile(jn.outputs / "pipeline/seed-5000/run.json"), "run.json");
  EXPECT_EQ(run["layers"]["frame"]["cache"], "hit");
  EXPECT_EQ(run["layers"]["track"]["cache"], "hit");

  // A later step without the ref of a training before it fails, naming the file.
  CascadeStepOptions missing = o;
  missing.state = root / "state_empty";
  missing.step = "precompute:track";
  EXPECT_NE(ErrorOf([&] { RunCascadeStep(missing, trainers); }).find("tracker.ref"), std::string::npos);
}


// `ipt bench`: the cold run computes both layers and every stage, the warm one hits both;
// a store that is not empty is refused (its hits would pass for a cold run). The match
// level on synthesized layers runs models 4 and 5 over every track.
TEST(Bench, PipelineColdAndWarmAndTheMatchLevelOnSynthesizedLayers) {
  const World& w = TheWorld();
  RunOptions o = Options(w);
  o.cache = w.root / "bench_cache";
  const PipelineBench b = BenchPipeline(w.match, w.root / "bench_out", o);
  EXPECT_FALSE(b.cold.layers.at("frame").hit);
  EXPECT_FALSE(b.cold.layers.at("track").hit);
  EXPECT_TRUE(b.warm.layers.at("frame").hit);
  for (const char* stage : {kDecodeStitchStage, kDetectorStage, kCropsStage, kEncoderStage, "tracker", kAttributesStage}) {
    EXPECT_TRUE(b.cold.stage_seconds.count(stage)) << stage;
  }
  EXPECT_FALSE(b.warm.stage_seconds.count("detector"));
  const nlohmann::json j = ToJson(b);
  EXPECT_EQ(j["frames"], b.cold.frames);
  EXPECT_GT(j["cold"]["frames_per_second"].get<double>(), 0);
  EXPECT_NE(ErrorOf([&] { BenchPipeline(w.match, w.root / "bench_out", o); }).find("must be empty"), std::string::npos);

  std::map<std::string, std::string> refs = w.refs;
  refs["jn_classifier"] = TrainTinyJnClassifier(w, 1);
  refs["identity_resolver"] = TrainTinyIdentityResolver(w, w.refs, 1);
  SyntheticLayersOptions layers;
  layers.minutes = 0.5;  // 300 frames at the tiny match's 10 fps
  layers.mean_track_seconds = 5;
  const MatchLevelBench m = BenchMatchLevel(w.match, WriteCollection(w, refs, "models_bench.yaml"), w.store, layers, 1);
  EXPECT_EQ(m.frames, 300);
  EXPECT_GT(m.rows, 0);
  EXPECT_GT(m.person_tracks, 0);
  EXPECT_GT(m.identities, 0);
  for (const char* stage : {kReadLayerStage, kJnClassifierStage, kAttributesStage, kIdentityStage, kWriteOutputsStage}) {
    EXPECT_TRUE(m.stage_seconds.count(stage)) << stage;
  }
  EXPECT_GT(m.output_rows, 0);
  EXPECT_LE(m.output_rows, m.rows);
  EXPECT_GT(m.frame_layer_bytes, m.rows * 211 * 4);  // the crop fields, in the file
  EXPECT_TRUE(m.peak_is_the_match_levels);  // the peak is the match level's (util/resources_test.cc)
  // The track layer computed from the frame layer's file by the collection's tracker.
  const MatchLevelBench t = BenchMatchLevel(w.match, WriteCollection(w, refs, "models_bench.yaml"), w.store, layers, 1,
                                            /*track_level=*/true);
  EXPECT_TRUE(t.tracked);
  EXPECT_TRUE(t.stage_seconds.count(kTrackerStage));
  EXPECT_GT(t.tracks, 0);
  EXPECT_GT(t.output_rows, 0);
  EXPECT_EQ(ToJson(t)["track_layer"], "computed by the collection's tracker");
}

}  // namespace
}  // namespace ipt::pipeline
