// Fuzzes the renderer config of `ipt sim --config`: sim::LoadSimConfig.
#include "fuzz_util.h"
#include "ipt/sim/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("sim.yaml", ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::sim::LoadSimConfig(path); });
  return 0;
}
