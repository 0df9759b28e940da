#include "ipt/util/paths.h"

#include <fmt/format.h>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt {
namespace fs = std::filesystem;

namespace {
// A refused path is the user's doing, not a failed check inside ipt: the message
// carries no "[file.cc:line]" location.
template <typename... Args>
void Refuse(bool ok, fmt::format_string<Args...> format, Args&&... args) {
  if (!ok) throw Error(fmt::format(format, std::forward<Args>(args)...));
}
}  // namespace

fs::path ResolvedPath(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) absolute = path;
  fs::path resolved = fs::weakly_canonical(absolute, ec);
  if (ec) resolved = absolute;
  return resolved.lexically_normal();
}

bool IsWithin(const fs::path& path, const fs::path& root) {
  const fs::path p = ResolvedPath(path), r = ResolvedPath(root);
  auto pi = p.begin();
  for (auto ri = r.begin(); ri != r.end(); ++ri, ++pi) {
    if (ri->empty()) continue;  // trailing separator of a directory path
    if (pi == p.end() || *pi != *ri) return false;
  }
  return true;
}

void CheckOutputNotInput(const fs::path& output, const std::vector<fs::path>& inputs, std::string_view option) {
  if (output.empty()) return;
  const fs::path out = ResolvedPath(output);
  for (const auto& input : inputs) {
    if (input.empty()) continue;
    const fs::path in = ResolvedPath(input);
    Refuse(in != out, "{} {} is an input of this command ({}): refusing to overwrite it", option, output.string(),
           input.string());
    Refuse(!IsWithin(in, out), "{} {} holds an input of this command ({}): refusing to replace it", option,
           output.string(), input.string());
  }
}

void CheckReplaceableOutputDir(const fs::path& dir, bool force, std::string_view option) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return;
  if (fs::is_directory(dir, ec) && fs::is_empty(dir, ec) && !ec) return;  // nothing to lose
  Refuse(force, "{} {} already exists (use --force to replace it)", option, dir.string());
  Refuse(fs::is_directory(dir), "{} {} exists and is not a directory: ipt replaces only directories it wrote",
            option, dir.string());
  Refuse(fs::is_regular_file(dir / kOutputMarker),
            "{} {} exists and was not written by ipt (no {} file in it): ipt replaces only directories it "
            "wrote; remove it yourself or choose another path",
            option, dir.string(), kOutputMarker);
}

void WriteOutputMarker(const fs::path& dir) {
  std::FILE* f = std::fopen((dir / kOutputMarker).c_str(), "w");
  IPT_CHECK(f != nullptr, "cannot write {}", (dir / kOutputMarker).string());
  std::fputs("written by ipt; `--force` may replace this directory\n", f);
  std::fclose(f);
}

void CheckInside(const fs::path& path, const fs::path& root, std::string_view what) {
  Refuse(IsWithin(path, root), "{} {} lies outside {}: refusing to use it", what, path.string(), root.string());
}

int64_t CheckRegularFile(const fs::path& path, int64_t max_bytes) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError(path.string(), 0, "", "cannot open file (it does not exist)");
  if (fs::is_directory(status)) throw InputError(path.string(), 0, "", "is a directory, expected a file");
  if (!fs::is_regular_file(status)) {
    throw InputError(path.string(), 0, "", "is not a regular file (a device, FIFO or socket cannot be read)");
  }
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) throw InputError(path.string(), 0, "", "cannot read its size");
  if (size > max_bytes) {
    throw InputError(path.string(), 0, "", fmt::format("is {} bytes, more than the {} bytes ipt reads", size, max_bytes));
  }
  return size;
}

std::string Echo(std::string_view value) {
  std::string out;
  size_t shown = 0;
  for (char c : value) {
    if (shown == static_cast<size_t>(limits::kMaxEchoedChars)) return out + "...";
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
    ++shown;
  }
  return out;
}

}  // namespace ipt
