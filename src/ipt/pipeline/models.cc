#include "ipt/pipeline/models.h"

#include "ipt/detector/detector_training.h"
#include "ipt/registry/training.h"

namespace ipt::pipeline {

void RegisterModels() {
  auto& trainers = registry::TrainerRegistry::Global();
  detector::RegisterDetectorTrainer(trainers);
}

}  // namespace ipt::pipeline
