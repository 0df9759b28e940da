#include "ipt/eval/output_dir.h"

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::eval {
namespace fs = std::filesystem;

void WriteOutputDirectory(const fs::path& dir, std::string_view what,
                          const std::function<void(const fs::path& temp_dir)>& write) {
  CheckReplaceableOutputDir(dir, /*force=*/true, what);  // eval commands replace their own output
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
