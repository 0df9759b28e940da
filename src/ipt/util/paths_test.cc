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

// Well-formed UTF-8 is shown as it is; what is not (RFC 3629's table: overlong forms,
// surrogates, beyond U+10FFFF, cut sequences) is escaped byte by byte, and so are the
// characters a terminal acts on (C1 controls, bidirectional marks).
TEST(Paths, EchoKeepsUtf8AndEscapesWhatIsNot) {
  const std::string shown = "Müller \xE2\x82\xAC \xF0\x9D\x84\x9E";  // ü, €, U+1D11E
  EXPECT_EQ(Echo(shown), shown);
  EXPECT_EQ(Echo("\xC3"), "\\xc3");                            // cut before its second byte
  EXPECT_EQ(Echo("\xE2\x82"), "\\xe2\\x82");                  // cut before its third
  EXPECT_EQ(Echo("\xC0\xAF"), "\\xc0\\xaf");                  // overlong '/'
  EXPECT_EQ(Echo("\xE0\x80\xAF"), "\\xe0\\x80\\xaf");        // overlong, 3 bytes
  EXPECT_EQ(Echo("\xED\xA0\x80"), "\\xed\\xa0\\x80");        // a surrogate, U+D800
  EXPECT_EQ(Echo("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // U+110000
  EXPECT_EQ(Echo("\xFF\xFE"), "\\xff\\xfe");
  EXPECT_EQ(Echo("a\xC2\x9B" "31m"), "a\\u009b31m");              // C1 CSI
  EXPECT_EQ(Echo("\xE2\x80\xAEtxt.exe"), "\\u202etxt.exe");       // right-to-left override
  // The cap counts characters and never cuts one in half.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
  std::string expected;
  for (int i = 0; i < limits::kMaxEchoedChars; ++i) expected += "\xC3\xA9";
  EXPECT_EQ(Echo(accents), expected + "...");
}

}  // namespace
}  // namespace ipt
