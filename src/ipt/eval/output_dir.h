// Output directories the eval commands write (`eval perturb --out`, `eval match
// --export-gsr`): written whole under a temporary sibling, marked with kOutputMarker
// (util/paths.h) and renamed into place, so that re-running a command replaces its own
// output but never writes into a directory ipt did not write.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace ipt::eval {

// Checks `dir` as util/paths.h CheckReplaceableOutputDir does with force (eval
// commands replace their own output without a flag), then write(temp_dir) fills a fresh temporary directory that
// gets kOutputMarker and replaces `dir` (symlinks resolved: a link to an output
// directory keeps pointing at the new one). On an exception nothing is replaced.
void WriteOutputDirectory(const std::filesystem::path& dir, std::string_view what,
                          const std::function<void(const std::filesystem::path& temp_dir)>& write);

}  // namespace ipt::eval
