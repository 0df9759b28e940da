// Helpers shared by the test suites (header-only; tests only).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

namespace ipt::testing {

// An empty directory for one test: <tmp>/ipt_<name>_<pid>, emptied if it existed.
inline std::filesystem::path FreshTempDir(const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ipt_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The project's shared reference data (TrackEval values, a GS-HOTA case): $IPT_SHARED_DIR/data,
// which CMake sets for every test (../shared beside the checkout unless configured otherwise).
inline std::filesystem::path SharedData() {
  const char* env = std::getenv("IPT_SHARED_DIR");
  return std::filesystem::path(env ? env : "../shared") / "data";
}

// What to add to a test failure when SharedData() lacks a file.
inline constexpr const char* kSharedDataHint =
    " (a checkout outside the project folder: configure with IPT_SHARED_DIR set)";

// The message of the exception of type E that `f` throws, or "no error": for
// tests that check which error a bad input gives, not merely that one is thrown.
template <typename E>
std::string MessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace ipt::testing
