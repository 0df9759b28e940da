#include "ipt/eval/output_dir.h"

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace fs = std::filesystem;

void CheckWritableOutputDir(const fs::path& dir, std::string_view what) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);  // follows symlinks
  if (!fs::exists(status)) return;
  IPT_CHECK(fs::is_directory(status), "{} {} exists and is not a directory: refusing to replace it", what,
            dir.string());
  const bool empty = fs::is_empty(dir, ec);
  if (!ec && empty) return;
  IPT_CHECK(fs::is_regular_file(dir / kOutputMarker),
            "{} {} is a non-empty directory not written by ipt (no {} file in it): refusing to write into it; "
            "remove it yourself or choose another path",
            what, dir.string(), kOutputMarker);
}

void WriteOutputDirectory(const fs::path& dir, std::string_view what,
                          const std::function<void(const fs::path& temp_dir)>& write) {
  CheckWritableOutputDir(dir, what);
  // Write next to what the path resolves to: "out/", "./out" and a link to out all
  // replace the same directory.
  fs::path target = ResolvedPath(dir);
  if (!target.has_filename()) target = target.parent_path();
  IPT_CHECK(target.has_filename() && target != target.root_path(), "{} {}: not a directory ipt can replace", what,
            dir.string());
  AtomicPath out(target);
  fs::create_directories(out.temp());
  write(out.temp());
  WriteOutputMarker(out.temp());
  out.Commit(/*replace_existing=*/true);
}

}  // namespace ipt::eval
