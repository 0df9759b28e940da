// Fuzzes a precompute cache entry's meta.json: store::ParseEntryMeta.
#include "fuzz_util.h"
#include "ipt/store/artifact_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ipt::fuzz::ExpectOnlyIptErrors(
      [&] { ipt::store::ParseEntryMeta(std::string(ipt::fuzz::AsText(data, size)), "meta.json"); });
  return 0;
}
