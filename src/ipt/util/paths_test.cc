#include "ipt/util/paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "ipt/util/check.h"
#include "ipt/util/limits.h"
#include "ipt/util/test_util.h"

namespace ipt {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

void Touch(const fs::path& p) { std::ofstream(p) << "x"; }

std::string ErrorOf(const std::function<void()>& f) { return testing::MessageOf<Error>(f); }

TEST(Paths, IsWithinResolvesDotsAndSymlinks) {
  fs::path dir = testing::FreshTempDir("paths_within");
  fs::create_directories(dir / "store/layer");
  fs::create_directories(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "store/link");
  EXPECT_TRUE(IsWithin(dir / "store/layer/x", dir / "store"));
  EXPECT_TRUE(IsWithin(dir / "store", dir / "store"));
  EXPECT_FALSE(IsWithin(dir / "store/../elsewhere/x", dir / "store"));
  EXPECT_FALSE(IsWithin(dir / "store/link/x", dir / "store"));  // a symlink out of the store
  EXPECT_FALSE(IsWithin(dir / "storefront", dir / "store"));    // a prefix of the name is not inside
  EXPECT_THAT(ErrorOf([&] { CheckInside(dir / "store/../elsewhere", dir / "store", "cache entry"); }),
              HasSubstr("lies outside"));
}

TEST(Paths, OutputMayNotBeAnInputOrHoldOne) {
  fs::path dir = testing::FreshTempDir("paths_output");
  fs::create_directories(dir / "m");
  Touch(dir / "m/left.mp4");
  fs::create_symlink(dir / "m/left.mp4", dir / "alias.mp4");
  const std::vector<fs::path> inputs = {dir / "m/match.yaml", dir / "m/left.mp4"};
  EXPECT_THAT(ErrorOf([&] { CheckOutputNotInput(dir / "m/left.mp4", inputs, "--out"); }), HasSubstr("is an input"));
  EXPECT_THAT(ErrorOf([&] { CheckOutputNotInput(dir / "m/./x/../left.mp4", inputs, "--out"); }), HasSubstr("is an input"));
  EXPECT_THAT(ErrorOf([&] { CheckOutputNotInput(dir / "alias.mp4", inputs, "--out"); }), HasSubstr("is an input"));
  EXPECT_THAT(ErrorOf([&] { CheckOutputNotInput(dir / "m", inputs, "--out"); }), HasSubstr("holds an input"));
  EXPECT_NO_THROW(CheckOutputNotInput(dir / "m/panorama.mp4", inputs, "--out"));
}

TEST(Paths, ForceReplacesOnlyDirectoriesIptWrote) {
  fs::path dir = testing::FreshTempDir("paths_force");
  EXPECT_NO_THROW(CheckReplaceableOutputDir(dir / "new", false, "--out"));
  fs::create_directories(dir / "empty");
  EXPECT_NO_THROW(CheckReplaceableOutputDir(dir / "empty", false, "--out"));  // nothing to lose
  fs::create_directories(dir / "theirs");
  Touch(dir / "theirs/thesis.tex");
  EXPECT_THAT(ErrorOf([&] { CheckReplaceableOutputDir(dir / "theirs", false, "--out"); }), HasSubstr("--force"));
  EXPECT_THAT(ErrorOf([&] { CheckReplaceableOutputDir(dir / "theirs", true, "--out"); }),
              HasSubstr("not written by ipt"));
  Touch(dir / "file");
  EXPECT_THAT(ErrorOf([&] { CheckReplaceableOutputDir(dir / "file", true, "--out"); }), HasSubstr("not a directory"));
  fs::create_directories(dir / "ours");
  WriteOutputMarker(dir / "ours");
  EXPECT_NO_THROW(CheckReplaceableOutputDir(dir / "ours", true, "--out"));
}

TEST(Paths, RegularFilesOnlyWithinASize) {
  fs::path dir = testing::FreshTempDir("paths_regular");
  Touch(dir / "small");
  EXPECT_EQ(CheckRegularFile(dir / "small", 10), 1);
  EXPECT_THAT(ErrorOf([&] { CheckRegularFile("/dev/zero", limits::kMaxTextFileBytes); }),
              HasSubstr("not a regular file"));
  EXPECT_THAT(ErrorOf([&] { CheckRegularFile(dir, 10); }), HasSubstr("is a directory"));
  EXPECT_THAT(ErrorOf([&] { CheckRegularFile(dir / "missing", 10); }), HasSubstr("does not exist"));
  EXPECT_THAT(ErrorOf([&] { CheckRegularFile(dir / "small", 0); }), HasSubstr("more than"));
}

TEST(Paths, EchoCapsAndEscapes) {
  EXPECT_EQ(Echo("abc"), "abc");
  EXPECT_EQ(Echo(std::string("a\nb\x01", 4)), "a\\x0ab\\x01");
  const std::string long_value(1000, '9');
  EXPECT_EQ(Echo(long_value), std::string(limits::kMaxEchoedChars, '9') + "...");
}

}  // namespace
}  // namespace ipt
