// Paths the tool can trust: what a user or a file on disk names is resolved
// (symlinks included) before it becomes a place to write or delete.
//  - an output must not be one of the command's inputs, nor a directory holding one;
//  - `--force` replaces only a directory IPT itself wrote (it holds kOutputMarker);
//  - a path read from disk (a cache entry, a model ref) is used only when it lies
//    inside the store it belongs to.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ipt {

// Marker file in every output directory IPT writes (match directories, pipeline
// outputs, GSR exports): only such a directory may be replaced with --force.
constexpr const char* kOutputMarker = ".ipt-output";

// Absolute, lexically normal, with every symlink of the existing part resolved.
std::filesystem::path ResolvedPath(const std::filesystem::path& path);

// True when `path` is `root` or lies below it (after resolving both).
bool IsWithin(const std::filesystem::path& path, const std::filesystem::path& root);

// Throws ipt::Error when `output` resolves to one of `inputs`, or when it is a
// directory that holds one of them (replacing it would destroy the input).
// `option` names the output in the message ("--out").
void CheckOutputNotInput(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs,
                         std::string_view option);

// The one rule for replacing an output directory `dir`: fine when it does not exist
// or is an empty directory; otherwise throws unless `force` is set and `dir` is a
// directory holding kOutputMarker. Commands with a --force flag pass it; commands that
// replace their own output implicitly (eval perturb, --export-gsr) pass true.
void CheckReplaceableOutputDir(const std::filesystem::path& dir, bool force, std::string_view option);

// Writes kOutputMarker into `dir` (call on the temporary directory before committing).
void WriteOutputMarker(const std::filesystem::path& dir);

// Throws ipt::Error unless `path` lies inside `root` (both resolved): for paths
// built from names read from disk. `what` describes the path in the message.
void CheckInside(const std::filesystem::path& path, const std::filesystem::path& root, std::string_view what);

// Throws InputError naming `path` unless it is a regular file (not a directory,
// FIFO, device such as /dev/zero) of at most `max_bytes`. Returns its size.
int64_t CheckRegularFile(const std::filesystem::path& path, int64_t max_bytes);

// A user-given value for an error message: at most limits::kMaxEchoedChars
// characters (UTF-8 sequences kept whole), "..." when cut; control characters,
// bytes that are not UTF-8, C1 controls and bidirectional marks escaped (\x1b,
// \xff, \u202e), so that an echoed value cannot act on the terminal.
std::string Echo(std::string_view value);

}  // namespace ipt
