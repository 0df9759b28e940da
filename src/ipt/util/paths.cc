#include "ipt/util/paths.h"

#include <fmt/format.h>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"

namespace ipt {
namespace fs = std::filesystem;

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
    if (in == out) {
      IPT_THROW("{} {} is an input of this command ({}): refusing to overwrite it", option, output.string(),
                input.string());
    }
    if (IsWithin(in, out)) {
      IPT_THROW("{} {} holds an input of this command ({}): refusing to replace it", option, output.string(),
                input.string());
    }
  }
}

void CheckReplaceableOutputDir(const fs::path& dir, bool force, std::string_view option) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return;
  IPT_CHECK(force, "{} {} already exists (use --force to replace it)", option, dir.string());
  IPT_CHECK(fs::is_directory(dir), "{} {} exists and is not a directory: --force replaces only directories ipt wrote",
            option, dir.string());
  IPT_CHECK(fs::is_regular_file(dir / kOutputMarker),
            "{} {} exists and was not written by ipt (no {} file in it): --force replaces only directories ipt "
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
  IPT_CHECK(IsWithin(path, root), "{} {} lies outside {}: refusing to use it", what, path.string(), root.string());
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
