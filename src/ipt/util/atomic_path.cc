#include "ipt/util/atomic_path.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>

#include "ipt/util/check.h"

namespace ipt {
namespace fs = std::filesystem;

namespace {
std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return fmt::format("tmp-{}-{}-{:x}", ::getpid(), counter++, rd());
}
}  // namespace

AtomicPath::AtomicPath(fs::path final_path) : final_(std::move(final_path)) {
  fs::path parent = final_.parent_path();
  if (!parent.empty()) fs::create_directories(parent);
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
  AtomicPath out(path);
  {
    std::ofstream f(out.temp(), std::ios::binary);
    IPT_CHECK(f.good(), "cannot open {} for writing", out.temp().string());
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    IPT_CHECK(f.good(), "failed writing {}", out.temp().string());
  }
  out.Commit();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f.good()) throw InputError(path.string(), 0, "", "cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace ipt
