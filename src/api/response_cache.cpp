#include "api/response_cache.h"

#include <utility>

namespace pharos::api {
namespace {

// What an entry costs beyond its strings: list and hash nodes, the response's fields. An
// estimate, so that many tiny entries cannot slip past the budget.
constexpr size_t kEntryOverhead = 160;

size_t costOf(const std::string& key, std::string_view resource,
              const net::HttpResponse& response) {
  size_t n = kEntryOverhead + 2 * key.size() + resource.size() + response.body.size() +
             response.contentType.size();
  for (const auto& [name, value] : response.headers)
    n += name.size() + value.size() + 32;
  return n;
}

}  // namespace

ResponseCache::ResponseCache(Clock& clock, Millis ttl, size_t maxBytes)
    : clock_(clock), ttl_(ttl), maxBytes_(maxBytes) {}

void ResponseCache::eraseLocked(Lru::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

std::optional<net::HttpResponse> ResponseCache::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  Lru::iterator it = found->second;
  if (clock_.monotonic() >= it->expiresAt) {
    eraseLocked(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it);
  return it->response;
}

uint64_t ResponseCache::generation(std::string_view resource) const {
  std::lock_guard lock(mutex_);
  auto it = generations_.find(std::string(resource));
  return it == generations_.end() ? 0 : it->second;
}

void ResponseCache::put(const std::string& key, std::string_view resource, uint64_t generation,
                        const net::HttpResponse& response) {
  if (ttl_.count() <= 0) return;
  size_t cost = costOf(key, resource, response);
  std::lock_guard lock(mutex_);
  auto gen = generations_.find(std::string(resource));
  if ((gen == generations_.end() ? 0 : gen->second) != generation) return;
  if (cost > maxBytes_) return;
  if (auto old = index_.find(key); old != index_.end()) eraseLocked(old->second);
  while (bytes_ + cost > maxBytes_ && !lru_.empty())
    eraseLocked(std::prev(lru_.end()));
  lru_.push_front(Entry{key, std::string(resource), clock_.monotonic() + ttl_, cost, response});
  index_.emplace(key, lru_.begin());
  bytes_ += cost;
}

void ResponseCache::invalidate(std::string_view resource) {
  std::lock_guard lock(mutex_);
  ++generations_[std::string(resource)];
  // A scan rather than a second index: writes are rare next to reads, and the budget keeps
  // the list to thousands of entries at most.
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->resource == resource) eraseLocked(it);
    it = next;
  }
}

size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

size_t ResponseCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace pharos::api
