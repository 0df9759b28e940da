// The one place that connects the model modules to the lifecycle: trainers for
// `ipt train` and the cascade, producers for the precompute layers.
#pragma once

namespace ipt::pipeline {

// Registers every model's trainer with registry::TrainerRegistry::Global() and
// every layer producer with store::ProducerRegistry::Global(). Idempotent.
void RegisterModels();

}  // namespace ipt::pipeline
