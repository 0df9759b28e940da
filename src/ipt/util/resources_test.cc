#include "ipt/util/resources.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace ipt {
namespace {

// 256 MiB touched then freed (a block this large is its own mapping, returned at once).
void TouchAndFree() {
  constexpr size_t kBytes = size_t{256} << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);
  asm volatile("" : : "r"(block.get()) : "memory");  // the compiler may not elide the block
}

// The high-water mark follows a block's life: it rises by the block while it lives, and a
// reset after it is freed starts again from the current (smaller) resident size.
TEST(Resources, PeakResetsToTheCurrentResidentSize) {
  ASSERT_TRUE(ResetPeakRss()) << "/proc/self/clear_refs is not writable here";
  const int64_t before = CurrentRssBytes();
  ASSERT_GT(before, 0);
  TouchAndFree();
  const int64_t with_block = PeakRssSinceResetBytes();
  EXPECT_GE(with_block, before + (int64_t{200} << 20));
  EXPECT_LT(CurrentRssBytes(), with_block - (int64_t{200} << 20));  // freed
  ASSERT_TRUE(ResetPeakRss());
  EXPECT_LT(PeakRssSinceResetBytes(), with_block - (int64_t{200} << 20));
  EXPECT_LT(PeakRssBytes(), with_block - (int64_t{200} << 20));  // getrusage's peak is the same mark
}

}  // namespace
}  // namespace ipt
