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

namespace {
// The length (2-4) of the well-formed UTF-8 sequence of more than one byte at
// value[i], with its code point, or 0 (RFC 3629: no overlong forms, no surrogates).
int Utf8Sequence(std::string_view value, size_t i, char32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(value[k]); };
  const unsigned char lead = byte(i);
  int length = 0;
  unsigned char low = 0x80, high = 0xbf;  // the second byte's range (RFC 3629, section 4)
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // no overlong forms
    if (lead == 0xed) high = 0x9f;  // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // no overlong forms
    if (lead == 0xf4) high = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;  // a continuation byte, an overlong lead (0xc0, 0xc1) or beyond 0xf4
  }
  if (i + static_cast<size_t>(length) > value.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
  char32_t cp = lead & (0xff >> (length + 1));
  for (int k = 1; k < length; ++k) {
    if (k > 1 && (byte(i + k) < 0x80 || byte(i + k) > 0xbf)) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  *code_point = cp;
  return length;
}

// Characters a terminal acts on rather than shows: C1 controls, and the marks that
// reorder how text displays (bidirectional overrides and isolates).
bool IsFormatControl(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}
}  // namespace

std::string Echo(std::string_view value) {
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < value.size();) {
    if (shown == static_cast<size_t>(limits::kMaxEchoedChars)) return out + "...";
    ++shown;
    const auto u = static_cast<unsigned char>(value[i]);
    char32_t cp = u;
    const int length = u < 0x80 ? 1 : Utf8Sequence(value, i, &cp);
    if (length == 0 || u < 0x20 || u == 0x7f) {  // not UTF-8, or an ASCII control: the byte, escaped
      out += fmt::format("\\x{:02x}", u);
      ++i;
      continue;
    }
    if (IsFormatControl(cp)) out += fmt::format("\\u{:04x}", static_cast<uint32_t>(cp));
    else out.append(value.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace ipt
