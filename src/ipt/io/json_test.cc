#include "ipt/io/json.h"

#include <gtest/gtest.h>

#include "ipt/util/check.h"
#include "ipt/util/test_util.h"

namespace ipt::io {
namespace {

std::string ErrorOf(const std::string& text, JsonLimits limits = {}) {
  return testing::MessageOf<InputError>([&] { ParseJson(text, "f.json", limits); });
}

TEST(Json, ParsesValidText) {
  const auto j = ParseJson(R"({"a": [1, {"b": 2}], "c": "d"})", "f.json");
  EXPECT_EQ(j["a"][1]["b"], 2);
  EXPECT_EQ(j["c"], "d");
}

// nlohmann keeps the last of a key given twice; a reader must not score
// `{"predictions": [...], "predictions": []}` as an empty prediction.
TEST(Json, KeyGivenTwiceIsNamedByItsPath) {
  EXPECT_EQ(ErrorOf(R"({"predictions": [1], "predictions": []})"),
            "f.json: field 'predictions': key given twice in one object");
  EXPECT_EQ(ErrorOf(R"({"a": [{"b": 1, "b": 2}]})"), "f.json: field 'a[].b': key given twice in one object");
  EXPECT_EQ(ErrorOf(R"({"a": {"x": 1}, "b": {"x": 2}})"), "no error");  // same key in different objects
}

TEST(Json, MalformedOutOfRangeDeepAndInvalidUtf8) {
  EXPECT_EQ(ErrorOf(R"({"a": )").rfind("f.json: malformed JSON at byte 7", 0), 0u);
  EXPECT_EQ(ErrorOf(R"({"a": 1e999})"), "f.json: malformed JSON: a number is out of range");
  EXPECT_EQ(ErrorOf(R"({"a": {"b": {}}})", {2}), "f.json: field 'a': nested deeper than 2 levels");
  EXPECT_EQ(ErrorOf("{\"a\": \"\xff\"}").rfind("f.json: malformed JSON", 0), 0u);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_NE(ErrorOf(deep).find("nested deeper than 64 levels"), std::string::npos);
  EXPECT_EQ(ErrorOf("{\"a\": 1} trailing").find("json.exception"), std::string::npos);
}

}  // namespace
}  // namespace ipt::io
