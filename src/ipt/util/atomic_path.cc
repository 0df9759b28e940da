#include "ipt/util/atomic_path.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <regex>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/paths.h"

namespace ipt {
namespace fs = std::filesystem;

namespace {
std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return fmt::format("tmp-{}-{}-{:x}", ::getpid(), counter++, rd());
}
constexpr const char* kTemporaryTag = ".tmp-";

bool ProcessRuns(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// Removes the stale temporaries of `final_path` in its directory.
void RemoveStaleTemporaries(const fs::path& final_path) {
  const fs::path parent = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
  const std::string prefixes[] = {final_path.stem().string() + kTemporaryTag,
                                  final_path.filename().string() + kTemporaryTag};
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    bool ours = false;
    for (const auto& prefix : prefixes) ours |= name.rfind(prefix, 0) == 0;
    if (ours && IsStaleTemporary(name)) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}
}  // namespace

namespace {
const std::regex& TemporaryPattern() {
  static const std::regex kPattern(R"(.*\.tmp-([0-9]+)-[0-9]+-[0-9a-f]+(\..*)?)");
  return kPattern;
}
}  // namespace

bool IsTemporaryName(const std::string& name) { return std::regex_match(name, TemporaryPattern()); }

bool IsStaleTemporary(const std::string& name) {
  const std::regex& kPattern = TemporaryPattern();
  std::smatch m;
  if (!std::regex_match(name, m, kPattern)) return false;
  const std::string pid = m[1];
  return pid.size() < 10 && !ProcessRuns(std::stol(pid));
}

AtomicPath::AtomicPath(fs::path final_path) : final_(std::move(final_path)) {
  fs::path parent = final_.parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  RemoveStaleTemporaries(final_);
  // "name.tmp-<pid>-<n>-<rand>.ext": keeps the extension for format-sniffing writers.
  temp_ = parent / (final_.stem().string() + "." + UniqueSuffix() + final_.extension().string());
}

AtomicPath::~AtomicPath() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

void AtomicPath::Commit(bool replace_existing) {
  IPT_ASSERT(!committed_);
  IPT_CHECK(fs::exists(temp_), "nothing was written to {}", temp_.string());
  std::error_code ec;
  if (fs::is_directory(temp_) && fs::exists(final_)) {
    IPT_CHECK(replace_existing, "{} already exists", final_.string());
    // rename() cannot replace a non-empty directory: move the old one aside first.
    fs::path old = final_.parent_path() / (final_.filename().string() + "." + UniqueSuffix() + ".old");
    fs::rename(final_, old);
    fs::rename(temp_, final_);
    fs::remove_all(old, ec);
  } else {
    if (!replace_existing) IPT_CHECK(!fs::exists(final_), "{} already exists", final_.string());
    fs::rename(temp_, final_);
  }
  committed_ = true;
}

void WriteFileAtomic(const fs::path& path, const std::string& bytes) {
  WriteFileAtomic(path, [&](std::ostream& f) { f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

void WriteFileAtomic(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  AtomicPath out(path);
  {
    std::ofstream f(out.temp(), std::ios::binary);
    IPT_CHECK(f.good(), "cannot open {} for writing", out.temp().string());
    write(f);
    f.flush();
    IPT_CHECK(f.good(), "failed writing {}", out.temp().string());
  }
  out.Commit();
}

std::string ReadFile(const fs::path& path) {
  CheckRegularFile(path, limits::kMaxTextFileBytes);  // not /dev/zero, a FIFO, or a directory
  std::ifstream f(path, std::ios::binary);
  if (!f.good()) throw InputError(path.string(), 0, "", "cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace ipt
