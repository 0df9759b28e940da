// Fuzzes a model collection, models.yaml: registry::ReadCollection.
#include "fuzz_util.h"
#include "ipt/registry/collection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = ipt::fuzz::WriteScratchFile("models.yaml", ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::registry::ReadCollection(path); });
  return 0;
}
