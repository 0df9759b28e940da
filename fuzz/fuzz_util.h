// Shared by the libFuzzer targets (one per reader, see README "Fuzzing").
//
// The contract every reader is fuzzed against: any input may only end in a
// value or an ipt::Error (InputError names file, line and field). Everything
// else is a finding: another exception type escaping, a crash, an ASan/UBSan
// report, a timeout, or an allocation past libFuzzer's -malloc_limit_mb.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>

#include <spdlog/spdlog.h>

#include "ipt/util/check.h"

namespace ipt::fuzz {

// A scratch directory for this process, <tmp>/ipt-fuzz-<pid>, removed at exit
// (libFuzzer's -jobs/-fork workers are separate processes and get their own).
class ScratchDir {
 public:
  static const std::filesystem::path& Get() {
    static const ScratchDir dir;
    return dir.path_;
  }

 private:
  ScratchDir()
      : path_(std::filesystem::temp_directory_path() / ("ipt-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path path_;
};

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Writes `bytes` to ScratchDir()/relative (parent directories created) and
// returns the path: the path-based readers read exactly the fuzzer's bytes.
inline std::filesystem::path WriteScratchFile(const std::string& relative, std::string_view bytes) {
  const std::filesystem::path path = ScratchDir::Get() / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();  // the harness, not the reader, failed: stop rather than fuzz nothing
  }
  return path;
}

// Readers' warnings (e.g. a CSV column not read) are expected on fuzzed input:
// silenced, so that logging neither floods the output nor slows the fuzzing.
inline const bool kLogsOff = (spdlog::set_level(spdlog::level::off), true);

// Runs `read` under the contract above. A foreign exception is printed with its
// type and aborts, so that libFuzzer reports it as a crash and saves the input.
template <typename Read>
void ExpectOnlyIptErrors(Read&& read) {
  (void)kLogsOff;  // odr-used: initialised before the first read
  try {
    read();
  } catch (const ipt::Error&) {
    // Bad input, cleanly reported: the expected outcome for most inputs.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: reader let a non-ipt exception escape: %s: %s\n", typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: reader let a non-std exception escape\n");
    std::abort();
  }
}

}  // namespace ipt::fuzz
