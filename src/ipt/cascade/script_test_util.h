// Test helpers for the cascade suites: a fake `ipt` executable that records the
// argv of every call, so that tests can run an emitted script (or the executor)
// for real and compare what arrived with what was meant (tests only).
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ipt/cascade/plan.h"

namespace ipt::cascade::testing {

// Values no shell must interpret: command substitutions, backticks, both kinds of
// quotes, spaces, newlines, globs, leading dashes. Every one would run `touch
// PWNED*` or split into several arguments if pasted into a script unquoted.
inline std::vector<std::string> HostileNames() {
  return {"-m $(touch PWNED1) models.yaml",
          "`touch PWNED2` it's \"quoted\" *\n  -rf",
          "--out'; touch PWNED3; '",
          "logs $(touch PWNED4) 'x\ntouch PWNED5 #\\",
          "bin $(touch PWNED6) `touch PWNED7` 'q' \"d\"\n-x"};
}

// Forward declaration: defined below.
inline std::filesystem::path WriteFakeIpt(const std::filesystem::path& dir, const std::string& subdir,
                                          const std::filesystem::path& record_dir);

// Script options whose every value is one of HostileNames(); `ipt` is a fake ipt
// (WriteFakeIpt) in a hostile subdirectory of `dir`, recording into dir/record.
inline ScriptOptions HostileScriptOptions(const std::filesystem::path& dir) {
  const auto names = HostileNames();
  ScriptOptions o;
  o.models = names[0];
  o.matches = names[1];
  o.outputs = names[2];
  o.logs = names[3];
  o.eval_matches = names[1] + " eval";
  o.state = names[2] + " state";
  o.recipes = names[0] + " recipes";
  o.store = names[3] + " store";
  o.cache = names[4] + " cache";
  o.ipt = WriteFakeIpt(dir, names[4], dir / "record").string();
  return o;
}

// Writes DIR/<subdir>/ipt, a shell script that records each call's argv ($0
// first) NUL-separated in its own file under `record_dir`, and returns its path.
inline std::filesystem::path WriteFakeIpt(const std::filesystem::path& dir, const std::string& subdir,
                                          const std::filesystem::path& record_dir) {
  std::filesystem::create_directories(dir / subdir);
  std::filesystem::create_directories(record_dir);
  const std::filesystem::path ipt = dir / subdir / "ipt";
  std::ofstream(ipt) << "#!/bin/sh\n"
                     << "f=$(mktemp '" << record_dir.string() << "/call.XXXXXX') || exit 99\n"
                     << "{ printf '%s\\0' \"$0\"; for a in \"$@\"; do printf '%s\\0' \"$a\"; done; } > \"$f\"\n";
  ::chmod(ipt.c_str(), 0755);
  return ipt;
}

// Every recorded call's argv, sorted (calls of one wave run in any order).
inline std::vector<std::vector<std::string>> RecordedCalls(const std::filesystem::path& record_dir) {
  std::vector<std::vector<std::string>> calls;
  for (const auto& e : std::filesystem::directory_iterator(record_dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    std::vector<std::string> argv;
    size_t start = 0;
    for (size_t end; (end = bytes.find('\0', start)) != std::string::npos; start = end + 1) {
      argv.push_back(bytes.substr(start, end - start));
    }
    calls.push_back(argv);
  }
  std::sort(calls.begin(), calls.end());
  return calls;
}

// Files under `dir` (recursively) whose name starts with "PWNED": evidence of an
// injected command that ran.
inline std::vector<std::string> InjectedFiles(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().rfind("PWNED", 0) == 0) out.push_back(e.path().string());
  }
  return out;
}

// Runs `script` with bash in `cwd` (the IPT/MODELS/... overrides unset); returns
// the exit status, leaving stdout+stderr in cwd/script.out.
// Runs `script` with bash in `cwd` (output in cwd/script.out), the script's variables unset
// except those `env` sets ("NAME=value ...", single-quoted values).
inline int RunBash(const std::filesystem::path& script, const std::filesystem::path& cwd, const std::string& env = "") {
  const std::string cmd = "cd '" + cwd.string() +
                          "' && env -u IPT -u MODELS -u MATCHES -u EVAL_MATCHES -u OUTPUTS -u STATE -u RECIPES -u STORE "
                          "-u CACHE -u LOGS " + env + " bash '" + script.string() + "' > script.out 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

}  // namespace ipt::cascade::testing
