#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace pharos {

// A 26-character ULID: 48 bits of milliseconds then 80 random bits, Crockford base32.
// Ids sort by creation time, which keeps table and object listings in a useful order.
std::string newId(WallTime at);
std::string newId();

// `bytes` random bytes from the operating system's CSPRNG, as lowercase hex. For tokens
// that must not be guessed (receipt handles, API keys).
std::string randomHex(size_t bytes);

// A fast, non-cryptographic random number, for jitter and sampling.
uint64_t fastRandom();

}  // namespace pharos
