#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth.h"
#include "core/clock.h"

namespace pharos::testing {

// In-memory ApiKeys for code that needs callers with roles but not the real store and hashing
// (the gateway's fuzzer). Tokens are "fake_<id>_secret<n>"; lookups are plain map finds: the
// real, constant-time implementation has its own tests.
class FakeApiKeys final : public auth::ApiKeys {
 public:
  explicit FakeApiKeys(Clock& clock) : clock_(clock) {}

  Result<auth::CreatedKey> create(std::string_view name, auth::Role role) override {
    std::lock_guard lock(mutex_);
    auth::ApiKeyInfo info;
    info.id = "key" + std::to_string(++next_);
    info.name = std::string(name);
    info.role = role;
    info.createdAt = clock_.now();
    std::string token = "fake_" + info.id + "_secret" + std::to_string(next_);
    keys_[info.id] = Stored{info, token};
    return auth::CreatedKey{info, Secret(token)};
  }
  Result<std::vector<auth::ApiKeyInfo>> list() override {
    std::lock_guard lock(mutex_);
    std::vector<auth::ApiKeyInfo> out;
    for (const auto& [id, k] : keys_)
      out.push_back(k.info);
    return out;
  }
  Status revoke(std::string_view id) override {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(std::string(id));
    if (it == keys_.end()) return makeError(ErrorCode::kNotFound, "no such key");
    if (!it->second.info.revokedAt) it->second.info.revokedAt = clock_.now();
    return okStatus();
  }
  Result<auth::Principal> authenticate(std::string_view token) override {
    std::lock_guard lock(mutex_);
    // The id sits between the first two underscores, like in real tokens.
    size_t start = token.find('_');
    size_t end = start == std::string_view::npos ? start : token.find('_', start + 1);
    if (end != std::string_view::npos) {
      auto it = keys_.find(std::string(token.substr(start + 1, end - start - 1)));
      if (it != keys_.end() && it->second.token == token && !it->second.info.revokedAt) {
        it->second.info.lastUsedAt = clock_.now();
        return auth::Principal{it->second.info.id, it->second.info.name, it->second.info.role};
      }
    }
    return makeError(ErrorCode::kUnauthenticated, "invalid or revoked API key");
  }
  Status ensureBootstrapKey(const Secret&) override { return okStatus(); }
  Result<size_t> activeKeyCount() override {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& [id, k] : keys_)
      n += k.info.revokedAt ? 0 : 1;
    return n;
  }

 private:
  struct Stored {
    auth::ApiKeyInfo info;
    std::string token;
  };
  Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Stored> keys_;
  int next_ = 0;
};

// In-memory AuditLog that keeps every entry, oldest first, for assertions.
class FakeAuditLog final : public auth::AuditLog {
 public:
  explicit FakeAuditLog(Clock& clock) : clock_(clock) {}

  Status record(const auth::AuditEntry& entry) override {
    std::lock_guard lock(mutex_);
    auth::AuditEntry e = entry;
    e.id = static_cast<int64_t>(entries_.size()) + 1;
    e.at = clock_.now();
    entries_.push_back(std::move(e));
    return okStatus();
  }
  Result<std::vector<auth::AuditEntry>> list(size_t limit,
                                             std::optional<int64_t> beforeId) override {
    std::lock_guard lock(mutex_);
    std::vector<auth::AuditEntry> out;
    for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < limit; ++it) {
      if (!beforeId || it->id < *beforeId) out.push_back(*it);
    }
    return out;
  }
  Result<size_t> prune(Millis) override { return size_t{0}; }

  std::vector<auth::AuditEntry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  Clock& clock_;
  mutable std::mutex mutex_;
  std::vector<auth::AuditEntry> entries_;
};

}  // namespace pharos::testing
