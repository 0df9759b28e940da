#include "ipt/util/atomic_path.h"

#include <gtest/gtest.h>

#include "ipt/util/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "ipt/util/check.h"

namespace ipt {
namespace fs = std::filesystem;

fs::path FreshDir(const std::string& name) { return testing::FreshTempDir("util_" + name); }

TEST(AtomicPath, FileAppearsOnlyOnCommit) {
  fs::path dir = FreshDir("file");
  fs::path target = dir / "video.mp4";
  {
    AtomicPath out(target);
    EXPECT_EQ(out.temp().extension(), ".mp4");
    std::ofstream(out.temp()) << "data";
    EXPECT_FALSE(fs::exists(target));
    out.Commit();
  }
  EXPECT_EQ(ReadFile(target), "data");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(AtomicPath, AbandonedWriteLeavesNothing) {
  fs::path dir = FreshDir("abandon");
  {
    AtomicPath out(dir / "match");
    fs::create_directories(out.temp());
    std::ofstream(out.temp() / "a.txt") << "partial";
  }  // no Commit: e.g. an exception unwound us
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(AtomicPath, DirectoryReplacesExistingOnlyWhenAllowed) {
  fs::path dir = FreshDir("replace");
  fs::create_directories(dir / "match");
  std::ofstream(dir / "match" / "old.txt") << "old";
  {
    AtomicPath out(dir / "match");
    fs::create_directories(out.temp());
    std::ofstream(out.temp() / "new.txt") << "new";
    EXPECT_THROW(out.Commit(/*replace_existing=*/false), Error);
  }
  EXPECT_TRUE(fs::exists(dir / "match" / "old.txt"));
  {
    AtomicPath out(dir / "match");
    fs::create_directories(out.temp());
    std::ofstream(out.temp() / "new.txt") << "new";
    out.Commit(true);
  }
  EXPECT_FALSE(fs::exists(dir / "match" / "old.txt"));
  EXPECT_EQ(ReadFile(dir / "match" / "new.txt"), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(ReadFile, MissingFileNamesThePath) {
  try {
    ReadFile("/nonexistent/ipt.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ipt.yaml"), std::string::npos);
  }
}

TEST(Check, MessageCarriesFileAndLine) {
  try {
    IPT_CHECK(1 + 1 == 3, "arithmetic is {}", "broken");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[atomic_path_test.cc:"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("arithmetic is broken"), std::string::npos);
  }
}

}  // namespace ipt

namespace ipt {
// A killed writer leaves "OUT.tmp-<pid>-..." behind; the next writer of OUT removes
// it, but never the temporary of a process that still runs.
TEST(AtomicPath, KilledWritersTemporariesAreCleanedByTheNextWriter) {
  fs::path dir = FreshDir("stale");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    AtomicPath out(dir / "match");
    fs::create_directories(out.temp());
    std::ofstream(out.temp() / "left.mp4") << "partial";
    _exit(0);  // like a kill: no destructor runs
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  const std::string stale = fs::directory_iterator(dir)->path().filename().string();
  EXPECT_TRUE(IsStaleTemporary(stale)) << stale;
  AtomicPath live(dir / "other");  // a live writer's temporary of another output
  fs::create_directories(live.temp());
  EXPECT_FALSE(IsStaleTemporary(live.temp().filename().string()));
  {
    AtomicPath next(dir / "match");
    fs::create_directories(next.temp());
    next.Commit();
  }
  EXPECT_FALSE(fs::exists(dir / stale));
  EXPECT_TRUE(fs::exists(dir / "match"));
  EXPECT_TRUE(fs::exists(live.temp()));
  EXPECT_FALSE(IsStaleTemporary("match.mp4"));
  EXPECT_FALSE(IsStaleTemporary("notes.tmp-x.txt"));
}

TEST(ReadFile, RefusesDevicesAndDirectories) {
  try {
    ReadFile("/dev/zero");
    ADD_FAILURE() << "read /dev/zero";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ReadFile(FreshDir("readdir")), InputError);
}
}  // namespace ipt
