// `ipt bench`: the pipeline's costs measured on a match (ms per frame per stage, frames
// per second, peak memory), and the match level on a whole match synthesized at full size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ipt/pipeline/run.h"
#include "ipt/pipeline/synthetic_layers.h"

namespace ipt::pipeline {

// `ipt run` twice on one match into a fresh precompute store (options.cache, which must
// be empty or absent): cold (every stage computed) and warm (both layers cache hits).
struct PipelineBench {
  RunReport cold, warm;
  int64_t cold_peak_rss_bytes = 0;  // peak during the cold run (the process's when it cannot be reset)
  bool peak_is_the_runs = false;    // the peak was reset before the run (ResetPeakRss)
};
PipelineBench BenchPipeline(const std::filesystem::path& match_dir, const std::filesystem::path& out_dir,
                            const RunOptions& options);
// {"frames", "stages_ms_per_frame" {stage: ms}, "cold"/"warm" {seconds, frames_per_second}, "peak_rss_mib"}.
nlohmann::json ToJson(const PipelineBench& bench);

// What `ipt run` does after the streaming levels, on frame and track layers synthesized
// for `layers.minutes` of `match_dir`'s match (its roster and fps): the frame layer read
// from a store entry (verified, then block by block), the match level (attributes with
// the default options, the collection's JN classifier and identity resolver), and the
// outputs written (tracks.csv, predictions-gsr.json), in a scratch directory under the
// system's temporary directory, removed after.
inline constexpr const char* kReadLayerStage = "read_frame_layer";  // verify the entry, read its per-row vectors
inline constexpr const char* kWriteOutputsStage = "write_outputs";
struct MatchLevelBench {
  double minutes = 0;
  int frames = 0, people = 0;
  int64_t rows = 0, tracks = 0, person_tracks = 0, output_rows = 0;
  int identities = 0;
  double synthesize_seconds = 0;
  double match_level_seconds = 0;             // read, match level and write
  std::map<std::string, double> stage_seconds;  // the above and RunMatchLevel's stages
  int64_t frame_layer_bytes = 0;              // its file
  int64_t track_layer_bytes = 0;              // in memory
  bool tracked = false;                       // the track layer computed by the collection's tracker
  int64_t rss_before_bytes = 0;               // with the track layer and models loaded
  int64_t peak_rss_bytes = 0;                 // peak from reading the frame layer to the outputs written
  bool peak_is_the_match_levels = false;      // the peak was reset before it (else the process's)
};
// With `track_level`, the track layer is not the synthesized one but computed from the
// frame layer's file by the collection's tracker (ProduceTrackLayer's way: chunk by
// chunk), stage "tracker", inside the measured peak.
MatchLevelBench BenchMatchLevel(const std::filesystem::path& match_dir, const std::filesystem::path& models_yaml,
                                const std::filesystem::path& model_store, const SyntheticLayersOptions& layers,
                                int threads, bool track_level = false);
nlohmann::json ToJson(const MatchLevelBench& bench);

}  // namespace ipt::pipeline
