// Fuzzes a model package's model.json through registry::ReadPackage (JSON parse,
// ManifestFromJson, ref check) on a package directory with fixed, valid weights.
#include "fuzz_util.h"
#include "ipt/io/safetensors.h"
#include "ipt/registry/model_package.h"

namespace {

// One tiny valid weights file, written once per process.
void WriteWeightsOnce(const std::filesystem::path& package) {
  static const bool written = [&] {
    ipt::io::SafetensorsFile weights;
    weights.tensors.push_back({"w", ipt::io::DType::kF32, {1}, std::string(sizeof(float), '\0')});
    ipt::fuzz::WriteScratchFile((package / "weights.safetensors").string(), ipt::io::SerializeSafetensors(weights));
    return true;
  }();
  (void)written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::filesystem::path package = "package";
  WriteWeightsOnce(package);
  ipt::fuzz::WriteScratchFile((package / "model.json").string(), ipt::fuzz::AsText(data, size));
  ipt::fuzz::ExpectOnlyIptErrors([&] { ipt::registry::ReadPackage(ipt::fuzz::ScratchDir::Get() / package); });
  return 0;
}
