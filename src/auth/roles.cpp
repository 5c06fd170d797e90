#include <array>

#include <fmt/format.h>

#include "auth/auth.h"

namespace pharos::auth {
namespace {

constexpr std::array kRoles{Role::kViewer, Role::kIngest, Role::kEditor, Role::kAdmin};

// The one role -> scopes table. Ingest is deliberately not a subset of editor: a log shipper's
// key must not read, and an editor does not push logs.
constexpr std::array kViewerScopes{Scope::kRead};
constexpr std::array kIngestScopes{Scope::kIngest};
constexpr std::array kEditorScopes{Scope::kRead, Scope::kEdit};
constexpr std::array kAdminScopes{Scope::kRead, Scope::kIngest, Scope::kEdit, Scope::kAdmin};

}  // namespace

std::string_view roleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kIngest:
      return "ingest";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

Result<Role> parseRole(std::string_view name) {
  for (Role role : kRoles) {
    if (roleName(role) == name) return role;
  }
  return makeError(
      ErrorCode::kInvalidArgument,
      fmt::format("unknown role '{}' (valid roles: viewer, ingest, editor, admin)", name));
}

std::string_view scopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead:
      return "read";
    case Scope::kIngest:
      return "ingest";
    case Scope::kEdit:
      return "edit";
    case Scope::kAdmin:
      return "admin";
  }
  return "read";
}

std::span<const Scope> scopesOf(Role role) {
  switch (role) {
    case Role::kViewer:
      return kViewerScopes;
    case Role::kIngest:
      return kIngestScopes;
    case Role::kEditor:
      return kEditorScopes;
    case Role::kAdmin:
      return kAdminScopes;
  }
  return {};
}

bool hasScope(Role role, Scope scope) {
  for (Scope s : scopesOf(role)) {
    if (s == scope) return true;
  }
  return false;
}

}  // namespace pharos::auth
