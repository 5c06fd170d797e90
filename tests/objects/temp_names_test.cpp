#include "objects/local/temp_names.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "objects/object_store.h"

namespace pharos::objects::local {
namespace {

TEST(TempNamesTest, NamesAreUniqueAndNeverValidKeys) {
  std::string a = newTempName();
  std::string b = newTempName();
  EXPECT_NE(a, b);
  EXPECT_TRUE(isTempName(a));
  EXPECT_FALSE(validateKey(a).ok()) << a;
  EXPECT_LT(a.size(), 64u);
  EXPECT_FALSE(isTempName("tmp-1"));
  EXPECT_FALSE(isTempName("chunk-0001.zst"));
}

TEST(TempNamesTest, OwnTempFilesAreLive) {
  EXPECT_FALSE(isStaleTemp(newTempName()));
}

TEST(TempNamesTest, TempFilesOfGoneProcessesAreStale) {
  // Above any pid Linux hands out (pid_max is at most 2^22).
  EXPECT_TRUE(isStaleTemp("~tmp-2147483646-0badf00d-3"));
  // Our pid with another token: a previous process that had the same pid (pid 1 in a container).
  EXPECT_TRUE(isStaleTemp("~tmp-" + std::to_string(::getpid()) + "-00000000-1"));
  EXPECT_TRUE(isStaleTemp("~tmp-garbage"));
  EXPECT_TRUE(isStaleTemp("~tmp--1-x-1"));
  EXPECT_FALSE(isStaleTemp("chunk-1"));
}

TEST(TempNamesTest, TempFilesOfOtherLiveProcessesAreKept) {
  EXPECT_FALSE(isStaleTemp("~tmp-" + std::to_string(::getppid()) + "-12345678-1"));
}

}  // namespace
}  // namespace pharos::objects::local
