#include "ipt/io/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <sstream>

#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::io {
namespace {
using ::testing::HasSubstr;
using ::testing::Not;

std::string ErrorOf(const std::function<void()>& f) { return testing::MessageOf<InputError>(f); }

TEST(CsvReader, ColumnsByNameInAnyOrderWithBomAndCrlf) {
  CsvReader csv("\xEF\xBB\xBF" "b , a\r\n\r\n 2, 1 \r\n4,3\r\n", "t.csv");
  csv.Header({"a", "b"});
  ASSERT_TRUE(csv.Next());
  EXPECT_EQ(csv.line(), 3);
  EXPECT_EQ(csv.Int(csv.Column("a"), 0, 9), 1);
  EXPECT_EQ(csv.Int(csv.Column("b"), 0, 9), 2);
  ASSERT_TRUE(csv.Next());
  EXPECT_EQ(csv.Int(csv.Column("a"), 0, 9), 3);
  EXPECT_FALSE(csv.Next());
  EXPECT_EQ(csv.Column("c"), -1);
}

// What `read` logs through spdlog's default logger, as text.
std::string LogOf(const std::function<void()>& read) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  capture->set_pattern("%l %v");
  spdlog::set_default_logger(capture);
  read();
  spdlog::set_default_logger(previous);
  return log.str();
}

// A column the caller does not read is listed and named in one warning, so that a
// misspelt optional column such as tracks.csv's player_guess is not dropped unseen.
TEST(CsvReader, ColumnsReadNeitherAsRequiredNorAsOptionalAreNamedInOneWarning) {
  std::vector<std::string> unknown;
  const std::string log = LogOf([&] {
    CsvReader csv("a,Player_Guess,b,extra,c,\n1,2,3,4,5,\n", "t.csv");
    csv.Header({"a", "b"}, {"c", "player_guess"});
    unknown = csv.unknown_columns();
    ASSERT_TRUE(csv.Next());
    EXPECT_EQ(csv.Int(csv.Column("c"), 0, 9), 5);
    EXPECT_EQ(csv.Column("player_guess"), -1);  // names are case-sensitive
  });
  EXPECT_EQ(unknown, (std::vector<std::string>{"Player_Guess", "extra", ""}));
  EXPECT_EQ(log,
            "warning t.csv:1: columns are not read: 'Player_Guess' (did you mean 'player_guess'? names are "
            "case-sensitive), 'extra', column 6 (no name: a trailing comma?)\n");

  // Only the first few are named; no hint for a known column that is there too.
  std::string header = "a,b,player_guess,PLAYER_GUESS";
  for (int i = 0; i < 20; ++i) header += ",x" + std::to_string(i);
  const std::string many = LogOf([&] { CsvReader(header + "\n", "t.csv").Header({"a", "b"}, {"player_guess"}); });
  EXPECT_THAT(many, HasSubstr("columns are not read: 'PLAYER_GUESS', 'x0', "));
  EXPECT_THAT(many, HasSubstr("'x6' and 13 more\n"));
  EXPECT_THAT(many, Not(HasSubstr("did you mean")));

  EXPECT_EQ(LogOf([] { CsvReader("b,a\n", "t.csv").Header({"a", "b"}); }), "");
}

// Integers are read as integers: ids above 2^53 (where doubles collide) stay exact.
TEST(CsvReader, IntegersAreExact) {
  CsvReader csv("id\n9007199254740993\n9007199254740992\n-9223372036854775808\n+7\n12.000\n", "t.csv");
  csv.Header({"id"});
  std::vector<int64_t> ids;
  while (csv.Next()) ids.push_back(csv.Int(0, INT64_MIN, INT64_MAX));
  EXPECT_EQ(ids, (std::vector<int64_t>{9007199254740993, 9007199254740992, INT64_MIN, 7, 12}));
  EXPECT_NE(static_cast<double>(ids[0]) == static_cast<double>(ids[1]), ids[0] == ids[1]);  // why: doubles collide
}

TEST(CsvReader, ErrorsNameFileLineAndField) {
  auto read_one = [](const std::string& text, const std::function<void(CsvReader&)>& f) {
    return ErrorOf([&] {
      CsvReader csv(text, "t.csv");
      csv.Header({"frame", "x_m"});
      while (csv.Next()) f(csv);
    });
  };
  auto frame = [](CsvReader& c) { c.Int(0, 1, 100); };
  auto x = [](CsvReader& c) { c.Number(1, -1e4, 1e4); };
  EXPECT_EQ(read_one("frame,x_m\n1.5,0\n", frame), "t.csv:2: field 'frame': expected an integer, got '1.5'");
  EXPECT_EQ(read_one("frame,x_m\n\n101,0\n", frame), "t.csv:3: field 'frame': 101 is outside 1..100");
  EXPECT_EQ(read_one("frame,x_m\n1,1e308\n", x), "t.csv:2: field 'x_m': 1e308 is outside [-10000, 10000]");
  EXPECT_EQ(read_one("frame,x_m\n1,nan\n", x), "t.csv:2: field 'x_m': expected a finite number, got 'nan'");
  EXPECT_EQ(read_one("frame,x_m\n1\n", x), "t.csv:2: expected 2 fields (as the header), found 1");
  EXPECT_EQ(read_one("frame\n", x), "t.csv:1: field 'x_m': missing column; the header must hold frame,x_m");
  EXPECT_EQ(read_one("", x), "t.csv:1: empty file, expected a header");
  EXPECT_EQ(read_one("frame,x_m,frame\n1,2,3\n", x),
            "t.csv:1: field 'frame': column given twice in the header (as column 3)");
  EXPECT_EQ(read_one("frame,x_m,,\n1,2,3,4\n", x),
            "t.csv:1: field '(no name)': column given twice in the header (as column 4)");
  EXPECT_EQ(read_one("FRAME,x_m\n1,2\n", x),
            "t.csv:1: field 'frame': missing column; the header must hold frame,x_m (it has 'FRAME': names are "
            "case-sensitive)");
  EXPECT_EQ(read_one(std::string("frame,x_m\n1,\0\n", 15), x), "t.csv:2: holds a NUL byte (not a text file)");
  // An echoed value is capped: a 309-digit number is not printed whole.
  const std::string huge(309, '9');
  EXPECT_THAT(read_one("frame,x_m\n" + huge + ",0\n", frame), HasSubstr("expected an integer, got '9999"));
  EXPECT_LT(read_one("frame,x_m\n" + huge + ",0\n", frame).size(), 140u);
  EXPECT_LT(read_one("frame,x_m\n1," + huge + "\n", x).size(), 140u);
}

TEST(CsvReader, PositionalSkipsAHeaderLineOnly) {
  CsvReader with_header("frame,id,x,z\n1,2,3,4\n", "a.txt");
  with_header.Positional({"frame", "id", "x", "z"});
  ASSERT_TRUE(with_header.Next(4));
  EXPECT_EQ(with_header.line(), 2);
  EXPECT_FALSE(with_header.Next(4));
  // A byte-order mark does not turn the first data row into a header.
  CsvReader bom("\xEF\xBB\xBF" "1,2,3,4\n5,6,7,8,9\n", "b.txt");
  bom.Positional({"frame", "id", "x", "z"});
  ASSERT_TRUE(bom.Next(4));
  EXPECT_EQ(bom.Int(0, 1, 9), 1);
  EXPECT_EQ(bom.line(), 1);
  ASSERT_TRUE(bom.Next(4));
  EXPECT_EQ(bom.field_count(), 5);
  CsvReader short_row("1,2,3\n", "c.txt");
  short_row.Positional({"frame", "id", "x", "z"});
  EXPECT_EQ(ErrorOf([&] { short_row.Next(4); }),
            "c.txt:1: expected at least 4 comma-separated columns (frame,id,x,z), found 3");
}

}  // namespace
}  // namespace ipt::io
