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

// The match level (attributes with the default options, JN classifier, identity resolver:
// the collection's models 4 and 5) on frame and track layers synthesized for
// `layers.minutes` of `match_dir`'s match (its roster and fps).
struct MatchLevelBench {
  double minutes = 0;
  int frames = 0, people = 0;
  int64_t rows = 0, tracks = 0, person_tracks = 0;
  int identities = 0;
  double synthesize_seconds = 0, match_level_seconds = 0;
  std::map<std::string, double> stage_seconds;
  int64_t layers_bytes = 0;            // the two layers' arrays in memory
  int64_t rss_before_bytes = 0;        // with the layers and models loaded
  int64_t peak_rss_bytes = 0;          // peak during the match level (the layers included)
  bool peak_is_the_match_levels = false;  // the peak was reset before it (else the process's)
};
MatchLevelBench BenchMatchLevel(const std::filesystem::path& match_dir, const std::filesystem::path& models_yaml,
                                const std::filesystem::path& model_store, const SyntheticLayersOptions& layers,
                                int threads);
nlohmann::json ToJson(const MatchLevelBench& bench);

}  // namespace ipt::pipeline
