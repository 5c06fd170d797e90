#include "bus/embedded/receipt.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace pharos::bus {
namespace {

TEST(BusReceiptTest, RoundTripsIncludingNegativeTokens) {
  for (Receipt r :
       {Receipt{1, 0}, Receipt{42, -1}, Receipt{9'007'199'254'740'993, 0x7fffffffffffffff}}) {
    std::string text = formatReceipt(r);
    auto back = parseReceipt(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().toString();
    EXPECT_EQ(back->id, r.id);
    EXPECT_EQ(back->token, r.token);
  }
}

TEST(BusReceiptTest, RejectsMalformedText) {
  for (std::string bad : {std::string(), std::string("."), std::string("12"), std::string("12."),
                          std::string(".0123456789abcdef"), std::string("0.0123456789abcdef"),
                          std::string("-5.0123456789abcdef"), std::string("5.0123456789abcdeg"),
                          std::string("5.0123456789abcde"), std::string("5.0123456789abcdef0"),
                          std::string("5x.0123456789abcdef"), std::string(200, '9')}) {
    auto r = parseReceipt(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(BusReceiptTest, TokensDiffer) {
  std::set<int64_t> seen;
  for (int i = 0; i < 100; ++i)
    seen.insert(newReceiptToken());
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace pharos::bus
