// `ipt run MATCH --models models.yaml --out OUT`: the whole Path A pipeline on one
// match, through the precompute store.
//
//   models.yaml ─► validated (provenance + schemas) for detector, crop_encoder, tracker
//   frame layer  (store: hit, or detector + crop encoder over the match)   frame_level.h
//   track layer  (store: hit, or the tracker over the frame layer: the GNN tracker, or
//                the online tracker; --tracker gnn|online)                   track_level.h
//   per track: category (role + kit clusters + side convention), jersey (the JN
//              classifier when the collection names one, else the vote),
//              player_id (roster look-up)                  tracking/track_attributes.h
//   identities (the collection's identity resolver, when it names one and the JN classifier
//              runs): tracks linked and named from the roster   tracking/identity.h
//   OUT/tracks.csv           eval/pipeline_output.h (what `ipt eval match --pred OUT` scores)
//   OUT/predictions-gsr.json SoccerNet GSR predictions (eval/ptfe.h WriteGsrPredictions)
//   OUT/run.json             model refs, layer keys and hit/miss, timings, memory
//
// Evidence per detection, read from the frame layer by field name: role probabilities =
// softmax of team.role.logits (player, goalkeeper, referee, none; the first three go to
// the attributes), kit = team.kit, jersey presence = softmax of jn.presence.logits,
// number = argmax of softmax(jn.number.logits) with its probability.
// OUT is written whole under a temporary sibling and renamed into place: a run that
// fails leaves an existing OUT as it was. OUT may replace only an empty directory or one
// ipt wrote (util/paths.h), never an input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ipt/eval/pipeline_output.h"
#include "ipt/io/safetensors.h"
#include "ipt/tracking/track_attributes.h"

namespace ipt::pipeline {

struct FrameLayer;  // frame_level.h
struct TrackLayer;  // track_level.h

struct RunOptions {
  std::filesystem::path models_yaml = "models.yaml";  // the collection
  std::filesystem::path model_store;                  // "" = registry::DefaultModelStoreRoot()
  std::filesystem::path cache;                        // "" = store::DefaultArtifactStoreRoot()
  int max_frames = 0;  // frames 1..max_frames only (0 = all); its own cache entries
  // Recorded in run.json; the caller sets LibTorch's threads (nn::SetTorchThreads).
  int threads = 2;
  tracking::TrackAttributesOptions attributes;
  // Which tracker makes the track layer: "" = the collection's; "gnn" = the collection's,
  // which must be a gnn_tracker; "online" = the online tracker with its default options,
  // packaged for the collection's detector and crop encoder (added to the model store, so
  // its track layer has a key of its own); or a tracker ref (or unique prefix) in the
  // model store trained with the collection's detector and crop encoder.
  std::string tracker;
  // Who reads the jersey: "" = the collection's JN classifier when it names one and the
  // run uses the collection's tracker (the one it was trained with), else the vote;
  // "vote"; "classifier" (an error when the collection's cannot be used).
  std::string jersey;
  // When set, the frame layer (not read from the store; e.g. from ground-truth
  // detections), and the track layer computed from it is not stored either.
  const io::SafetensorsFile* frame_layer = nullptr;
  // When set, makes the track layer from the frame layer in place of the tracker (stored
  // nowhere; run.json's tracker says "given"); models 4 and 5 are chosen as for the
  // collection's tracker. `ipt eval tracker --trackers truth` gives the ground truth's.
  std::function<TrackLayer(const FrameLayer&)> track_layer;
  // Tracks whose mean role probability is highest for "none" (not a person: grass,
  // boards, half-people the detector fired on) are left out of the outputs.
  bool drop_non_person_tracks = true;
  // Progress per stage ("frame level" in frames, "track level", "attributes" in tracks).
  std::function<void(const std::string& stage, int64_t done, int64_t total)> progress;
  void Check() const;
};

struct RunReport {
  std::string match;
  std::map<std::string, std::string> refs;  // model -> full ref (the models the run uses)
  struct Layer {
    std::string key;
    bool hit = false;
    double seconds = 0;  // getting or computing it
  };
  std::map<std::string, Layer> layers;  // "frame", "track"
  int frames = 0;
  int64_t detections = 0, rows = 0, tracks = 0, dropped_tracks = 0;
  int64_t dropped_unconfirmed_tracks = 0;  // too few confident detections (attributes.min_confident_detections)
  int64_t substitution_cuts = 0;   // tracks split at substitution gaps (attributes.substitution_gaps)
  int64_t number_change_cuts = 0;  // tracks split where their numbers change (attributes.number_changes)
  int64_t kit_change_cuts = 0;     // ... where their kit changes (attributes.kit_changes)
  int64_t appearance_change_cuts = 0;  // ... where their appearance changes (attributes.appearance_changes)
  int64_t appearance_cuts_undone = 0;  // of those, undone after naming (not named apart)
  int64_t exchanges = 0;           // tracks that exchanged people where they met, undone (attributes.exchanges)
  int64_t name_splices = 0;        // players named on two tracks at once, spliced (attributes.name_splices)
  int64_t name_splice_clashes_unnamed = 0;  // short tracks in a splice's way that lost the name
  int64_t tracks_named_by_elimination = 0;  // unnamed tracks the roster left one player (attributes.name_elimination)
  int64_t fragment_links = 0;      // track fragments joined after naming (attributes.fragment_links)
  int64_t handover_rows_dropped = 0;  // rows of hand-overs and duplicates dropped before joining (tracking::HandoverRows)
  int64_t stray_end_rows_dropped = 0;  // tracks' stray end rows dropped first (tracking::StrayEndRows)
  int64_t filled_rows = 0;  // of rows, those filling gaps of tracks (attributes.smoothing)
  // Seconds per stage measured in this run (the frame-level stages only on a miss of the
  // frame layer, the tracker only on a miss of the track layer): decode_stitch,
  // detector, crops, encoder, tracker, substitution_cuts, number_changes, kit_changes,
  // appearance_changes, exchanges, jn_classifier, attributes,
  // identity_resolver, name_splices, name_elimination, fragment_links, smooth_tracks, write.
  std::map<std::string, double> stage_seconds;
  double total_seconds = 0;
  int64_t peak_rss_bytes = 0;
  int threads = 0;
  tracking::TrackAttributesOptions attributes;  // the options the run used
  std::string tracker_type;                     // gnn_tracker, online_tracker or given (RunOptions::track_layer)
  std::string jersey_source;                    // jn_classifier or vote
  std::string identity_source;                  // identity_resolver or roster_lookup
  int identities = 0;                           // identities the resolver made
  int64_t identities_named_unsure = 0;          // of those, named as the assignment's best guess (MatchLevelOutput)
  nlohmann::json ToJson() const;  // what OUT/run.json holds
};

// Per-track attribute options from a YAML map whose keys are TrackAttributesOptions'
// fields (any subset; the rest keep their defaults; configs/track_attributes.yaml lists
// them all). Unknown keys, bad values and options failing Check() throw InputError
// naming the file and field.
tracking::TrackAttributesOptions ReadTrackAttributesOptions(const std::filesystem::path& path);

// The options as a JSON object, field name -> value (recorded in run.json).
nlohmann::json ToJson(const tracking::TrackAttributesOptions& options);

// Runs the pipeline on `match_dir` and writes `out`. Bad input throws ipt::Error /
// InputError naming the file and field: a missing or truncated video, calibration
// that does not match the videos, a models.yaml that fails validation for the models
// the run uses, a package whose schema is not the graph's.
RunReport Run(const std::filesystem::path& match_dir, const std::filesystem::path& out, const RunOptions& options);

// A run's rows as its output files in `dir`: kTracksCsv (eval::WriteTracksCsv) and
// kGsrPredictionsJson (SoccerNet GSR predictions), each streamed to its file.
inline constexpr const char* kTracksCsv = eval::kTracksCsvName;
inline constexpr const char* kGsrPredictionsJson = "predictions-gsr.json";
void WriteRunRows(const io::MatchInfo& match, const std::vector<eval::PipelineRow>& rows,
                  const std::filesystem::path& dir);

// The models the run uses, in pipeline order: detector, crop_encoder, tracker.
const std::vector<std::string>& RunModels();

// Checks the collection for `models`: registry::ValidateCollection's violations that
// concern them (as the downstream model, or missing), and each package's kind and
// outputs against the graph's. Returns their full refs; throws InputError naming
// models.yaml (or the package's model.json) and the field.
std::map<std::string, std::string> CheckRunCollection(const std::filesystem::path& models_yaml,
                                                      const std::filesystem::path& model_store,
                                                      const std::vector<std::string>& models = RunModels());

// `ipt encode`: fills the frame layer for each match (store::GetOrCompute per match).
struct EncodeOptions {
  std::filesystem::path models_yaml = "models.yaml";
  std::filesystem::path model_store;  // "" = registry::DefaultModelStoreRoot()
  std::filesystem::path cache;        // "" = store::DefaultArtifactStoreRoot()
  int max_frames = 0;                 // frames 1..max_frames only (0 = all)
  // (match index, frames done, frames of the match) while a match is computed.
  std::function<void(size_t match, int64_t done, int64_t total)> progress;
};
struct EncodeReport {
  std::vector<std::string> keys;  // per match
  std::vector<bool> hits;         // per match
  int frames_computed = 0;        // frames of the matches computed (misses)
  std::map<std::string, double> stage_seconds;  // frame-level stages of the misses
  double seconds = 0;
};
EncodeReport EncodeMatches(const std::vector<std::filesystem::path>& matches, const EncodeOptions& options);

}  // namespace ipt::pipeline
