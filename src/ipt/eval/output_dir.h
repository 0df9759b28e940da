// Output directories the eval commands write (`eval perturb --out`, `eval match
// --export-gsr`): written whole under a temporary sibling, marked with kOutputMarker
// (util/paths.h) and renamed into place, so that re-running a command replaces its own
// output but never writes into a directory ipt did not write.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace ipt::eval {

// Throws ipt::Error unless `dir` may be written: it does not exist, or is an empty
// directory, or is a directory holding kOutputMarker (ipt wrote it; it is replaced).
// A file, or a non-empty directory without the marker, is refused. `what` names the
// output in messages ("--out").
void CheckWritableOutputDir(const std::filesystem::path& dir, std::string_view what);

// CheckWritableOutputDir, then write(temp_dir) fills a fresh temporary directory that
// gets kOutputMarker and replaces `dir` (symlinks resolved: a link to an output
// directory keeps pointing at the new one). On an exception nothing is replaced.
void WriteOutputDirectory(const std::filesystem::path& dir, std::string_view what,
                          const std::function<void(const std::filesystem::path& temp_dir)>& write);

}  // namespace ipt::eval
