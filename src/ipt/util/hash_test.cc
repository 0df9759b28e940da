#include "ipt/util/hash.h"

#include <gtest/gtest.h>

namespace ipt {
namespace {

// FIPS 180-2 test vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256().Update("a").Update("bc").Hex(), Sha256Hex("abc"));
}

TEST(Sha256, FieldsAreLengthPrefixed) {
  EXPECT_NE(Sha256().Field("ab").Field("c").Hex(), Sha256().Field("a").Field("bc").Hex());
}

}  // namespace
}  // namespace ipt
