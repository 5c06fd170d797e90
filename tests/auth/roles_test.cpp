#include <gtest/gtest.h>

#include "auth/auth.h"

namespace pharos::auth {
namespace {

TEST(RolesTest, NamesRoundTrip) {
  for (Role role : {Role::kViewer, Role::kIngest, Role::kEditor, Role::kAdmin}) {
    Result<Role> parsed = parseRole(roleName(role));
    ASSERT_TRUE(parsed.ok()) << roleName(role);
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(roleName(Role::kEditor), "editor");
  EXPECT_EQ(scopeName(Scope::kIngest), "ingest");
}

TEST(RolesTest, UnknownRoleListsTheValidOnes) {
  Result<Role> parsed = parseRole("root");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().message.find("root"), std::string::npos);
  EXPECT_NE(parsed.error().message.find("viewer, ingest, editor, admin"), std::string::npos)
      << parsed.error().message;
  EXPECT_FALSE(parseRole("Admin").ok());  // names are exact
  EXPECT_FALSE(parseRole("").ok());
}

TEST(RolesTest, ScopesTable) {
  EXPECT_TRUE(hasScope(Role::kViewer, Scope::kRead));
  EXPECT_FALSE(hasScope(Role::kViewer, Scope::kIngest));
  EXPECT_FALSE(hasScope(Role::kViewer, Scope::kEdit));
  EXPECT_FALSE(hasScope(Role::kViewer, Scope::kAdmin));

  EXPECT_TRUE(hasScope(Role::kIngest, Scope::kIngest));
  EXPECT_FALSE(hasScope(Role::kIngest, Scope::kRead));
  EXPECT_FALSE(hasScope(Role::kIngest, Scope::kEdit));
  EXPECT_FALSE(hasScope(Role::kIngest, Scope::kAdmin));
  EXPECT_EQ(scopesOf(Role::kIngest).size(), 1u);

  EXPECT_TRUE(hasScope(Role::kEditor, Scope::kRead));
  EXPECT_TRUE(hasScope(Role::kEditor, Scope::kEdit));
  EXPECT_FALSE(hasScope(Role::kEditor, Scope::kAdmin));
  EXPECT_FALSE(hasScope(Role::kEditor, Scope::kIngest));

  for (Scope s : {Scope::kRead, Scope::kIngest, Scope::kEdit, Scope::kAdmin}) {
    EXPECT_TRUE(hasScope(Role::kAdmin, s)) << scopeName(s);
  }
  EXPECT_EQ(scopesOf(Role::kAdmin).size(), 4u);
}

}  // namespace
}  // namespace pharos::auth
