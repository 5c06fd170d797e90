#include "core/ids.h"

#include <sys/random.h>

#include <array>
#include <cstring>
#include <random>
#include <stdexcept>

namespace pharos {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void fillRandom(uint8_t* out, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      // getrandom cannot fail on Linux >= 3.17 once the pool is initialised; if it does,
      // fall back to the per-thread generator rather than hand out predictable zeros.
      for (size_t i = 0; i < n; ++i)
        out[i] = static_cast<uint8_t>(fastRandom());
      return;
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
}

}  // namespace

std::string newId(WallTime at) {
  std::array<uint8_t, 16> raw{};
  uint64_t ms = static_cast<uint64_t>(toUnixMillis(at));
  for (int i = 5; i >= 0; --i) {
    raw[static_cast<size_t>(i)] = static_cast<uint8_t>(ms & 0xff);
    ms >>= 8;
  }
  fillRandom(raw.data() + 6, 10);
  // 128 bits -> 26 base32 digits (the first digit carries only 3 bits).
  std::string out(26, '0');
  unsigned __int128 value = 0;
  for (uint8_t b : raw)
    value = (value << 8) | b;
  for (int i = 25; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kCrockford[static_cast<size_t>(value & 31)];
    value >>= 5;
  }
  return out;
}

std::string newId() {
  return newId(systemClock().now());
}

std::string randomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  fillRandom(reinterpret_cast<uint8_t*>(raw.data()), bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

uint64_t fastRandom() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine();
}

}  // namespace pharos
