// Crash-safe outputs: everything is written under a temporary sibling path and
// renamed into place only when complete, so a crash or error never leaves a
// half-written file or directory that looks finished.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace ipt {

// Writes `bytes` to `path` atomically (temporary sibling + fsync-free rename).
void WriteFileAtomic(const std::filesystem::path& path, const std::string& bytes);
// The same with the bytes streamed by `write` (big outputs, never held whole).
void WriteFileAtomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);

// Reads a whole file; throws InputError naming the path if it cannot.
std::string ReadFile(const std::filesystem::path& path);

// True when `name` is a temporary of AtomicPath ("<stem>.tmp-<pid>-<n>-<hex>..."),
// being written or left by a killed writer: never a finished output.
bool IsTemporaryName(const std::string& name);

// True when `name` is a temporary of AtomicPath ("<stem>.tmp-<pid>-<n>-<hex>...")
// whose writing process no longer runs on this machine: a killed writer's leftover.
bool IsStaleTemporary(const std::string& name);

// A temporary sibling of `final_path` (same directory, same extension, so tools
// that pick a format from the extension still work). Removed on destruction
// unless Commit() renamed it into place. Creating one also removes stale
// temporaries of the same final path left by killed processes.
class AtomicPath {
 public:
  explicit AtomicPath(std::filesystem::path final_path);
  ~AtomicPath();
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;

  const std::filesystem::path& temp() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }
  // Renames temp() onto final_path(). For a directory whose final path exists,
  // `replace_existing` must be true; the old one is removed after the swap.
  void Commit(bool replace_existing = true);

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

}  // namespace ipt
