#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "net/http.h"

namespace pharos::api {

// Responses of cacheable GET routes, so a dashboard polling the same query does not recompute
// it. Entries live `ttl` (monotonic time) and are dropped sooner by a write to their
// `resource` ("keys", "checks") or, when the byte budget is exceeded, least recently used
// first. Thread-safe.
//
// A GET that runs while a write to its resource commits could store what it read before the
// write. To prevent that, the caller reads generation(resource) before running the handler
// and passes it to put(); a put whose resource was invalidated in between is dropped.
class ResponseCache {
 public:
  ResponseCache(Clock& clock, Millis ttl, size_t maxBytes);
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // The stored response, or nullopt when absent or expired.
  std::optional<net::HttpResponse> get(const std::string& key);

  // A counter that invalidate(resource) increments.
  uint64_t generation(std::string_view resource) const;

  // Stores `response` unless `generation` is stale or the entry alone exceeds the budget.
  void put(const std::string& key, std::string_view resource, uint64_t generation,
           const net::HttpResponse& response);

  // Drops every entry of `resource`.
  void invalidate(std::string_view resource);

  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::string resource;
    MonoTime expiresAt;
    size_t bytes = 0;
    net::HttpResponse response;
  };
  using Lru = std::list<Entry>;  // front: most recently used

  void eraseLocked(Lru::iterator it);

  Clock& clock_;
  const Millis ttl_;
  const size_t maxBytes_;
  mutable std::mutex mutex_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> index_;
  std::unordered_map<std::string, uint64_t> generations_;
  size_t bytes_ = 0;
};

}  // namespace pharos::api
