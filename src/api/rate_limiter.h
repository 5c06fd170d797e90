#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace pharos::api {

// What one request learns from its bucket; enough to answer 429 and to write the
// X-RateLimit-* and Retry-After headers.
struct RateLimitDecision {
  bool allowed = true;
  int64_t limit = 0;      // the burst: what a full bucket holds
  int64_t remaining = 0;  // whole tokens left after this request
  Millis retryAfter{0};   // when denied: until one token is back
  Millis resetAfter{0};   // until the bucket is full again
};

// Token buckets keyed by a string (an API key id, a client address): `rate` tokens a second,
// at most `burst` saved up, time from the Clock's monotonic reading so a test can move it.
//
// Memory is bounded: at most `maxBuckets` buckets. A new key at the limit evicts an idle
// bucket (one that has refilled completely) when there is one, which loses nothing since a
// new bucket starts full; otherwise the least recently used one, which at worst hands that
// client a fresh burst. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(Clock& clock, double ratePerSecond, int64_t burst, size_t maxBuckets = 100'000);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from `key`'s bucket, creating a full one for a new key.
  RateLimitDecision take(std::string_view key);

  size_t size() const;

 private:
  struct Bucket;
  using Buckets = std::unordered_map<std::string, Bucket>;
  using Lru = std::list<Buckets::value_type*>;                     // front: most recently used
  using ByFullAt = std::multimap<MonoTime, Buckets::value_type*>;  // when each bucket is full
  struct Bucket {
    double tokens = 0;
    MonoTime updated;
    Lru::iterator lru;
    ByFullAt::iterator fullAt;
  };

  void evictOne(MonoTime now);
  void erase(Buckets::value_type* entry);
  MonoTime fullAt(const Bucket& bucket) const;

  Clock& clock_;
  const double rate_;
  const int64_t burst_;
  const size_t maxBuckets_;
  mutable std::mutex mutex_;
  Buckets buckets_;
  Lru lru_;
  ByFullAt byFullAt_;
};

}  // namespace pharos::api
