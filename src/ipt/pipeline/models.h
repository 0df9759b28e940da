// The one place that connects the model modules to the lifecycle: trainers for
// `ipt train` and the cascade, producers for the precompute layers.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "ipt/registry/model_package.h"

namespace ipt::pipeline {

// Registers every model's trainer with registry::TrainerRegistry::Global() and
// every layer producer with store::ProducerRegistry::Global(). Idempotent.
void RegisterModels();

// Loads a package as `ipt run` would, with the run-time class of its model, which reads and
// checks the options it uses (not every key of the architecture is read: the detector's
// `stride` is recorded only); InputError naming model.json and the field otherwise (`ipt
// models derive` checks a package so before it enters the store).
void CheckPackageLoads(const std::filesystem::path& package_dir);

// The options a package's model knows, architecture-shaped, at their defaults, for the options
// `ipt models derive` may add to a package made before its model had them: the identity
// resolver's `resolving` (tracking::IdentityOptions) and the JN classifier's detection
// selection (network.spread_selection, network.spread_min_legible_probability); null for
// the other models, whose every option is in their packages.
nlohmann::json KnownOptions(const registry::ModelManifest& manifest);

}  // namespace ipt::pipeline
