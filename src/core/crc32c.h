#pragma once

#include <cstdint>
#include <string_view>

namespace pharos {

// CRC32C (Castagnoli), the checksum stored with every object file. Chosen by measurement on
// the development machine (1 MiB of random bytes): CRC32C with the SSE4.2 instruction ran at
// ~7.9 GB/s in one chain (~25 GB/s in three since), about 130 us per MiB, or ~6% of the ~2 ms
// the disk needs to write that MiB;
// BLAKE2b (libsodium's crypto_generichash) runs at ~0.55 GB/s, as slow as the disk itself,
// and would double the time of a put. The checksum guards against accidental corruption
// (bit rot, torn or truncated files), which a CRC detects well; tampering is the job of the
// crypto module's authenticated encryption.
//
// `crc` continues a running checksum: crc32c(b, crc32c(a)) == crc32c(a + b).
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

// The table-driven version used where SSE4.2 is missing; exposed so tests check both agree.
uint32_t crc32cPortable(std::string_view data, uint32_t crc = 0);

bool crc32cUsesHardware();

}  // namespace pharos
