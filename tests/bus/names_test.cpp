#include "bus/names.h"

#include <gtest/gtest.h>

#include <string>

namespace pharos::bus {
namespace {

TEST(BusNamesTest, AcceptsTheDocumentedAlphabet) {
  EXPECT_TRUE(validateName("orders", "queue").ok());
  EXPECT_TRUE(validateName("logs.batch-v2_A9", "queue").ok());
  EXPECT_TRUE(validateName(std::string(128, 'q'), "queue").ok());
}

TEST(BusNamesTest, RejectsEverythingElseWithInvalidArgument) {
  for (std::string bad :
       {std::string(), std::string(129, 'q'), std::string("a b"), std::string("a/b"),
        std::string("a*"), std::string("caf\xc3\xa9"), std::string("nul\0byte", 8)}) {
    Status s = validateName(bad, "topic");
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find("topic"), std::string::npos) << s.error().message;
  }
}

}  // namespace
}  // namespace pharos::bus
