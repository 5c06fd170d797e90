#include "logs/record_codec.h"

#include <zstd.h>

#include <cstring>
#include <memory>

#include "core/error.h"
#include "core/varint.h"

namespace pharos::logs {
namespace {

constexpr char kVersion = 1;
// A block decodes into at most this much; a corrupt header cannot ask for more.
constexpr std::size_t kMaxBlockBytes = 256u << 20;

void putString(std::string& out, std::string_view s) {
  putVarint(out, s.size());
  out.append(s);
}

bool getString(std::string_view& in, std::string& out) {
  std::uint64_t n = 0;
  if (!getVarint(in, n) || n > in.size()) return false;
  out.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

}  // namespace

std::string encodeRecordBlock(std::span<const Record* const> records, int zstdLevel) {
  std::string raw;
  std::size_t guess = 16;
  for (const Record* r : records)
    guess += r->message.size() + 64;
  raw.reserve(guess);
  putVarint(raw, records.size());
  for (const Record* record : records) {
    const Record& r = *record;
    putVarint(raw, zigzag(r.timestampNs));
    putVarint(raw, zigzag(r.receivedNs - r.timestampNs));
    putString(raw, r.service);
    raw.push_back(static_cast<char>(r.level));
    putString(raw, r.message);
    putVarint(raw, static_cast<std::uint64_t>(r.httpStatus));
    std::uint64_t latencyBits = 0;
    double latency = r.latencyMs;
    std::memcpy(&latencyBits, &latency, sizeof latencyBits);
    putVarint(raw, latencyBits);
    putString(raw, r.traceId);
    putString(raw, r.host);
    putVarint(raw, r.templateId);
    putVarint(raw, r.attributes.size());
    for (const auto& a : r.attributes) {
      putString(raw, a.key);
      putString(raw, a.value);
    }
  }
  std::string out(1 + ZSTD_compressBound(raw.size()), '\0');
  out[0] = kVersion;
  // One context per thread, kept: a fresh one (ZSTD_compress) allocates and clears its tables
  // for every block, a tenth of the block's compression time.
  thread_local std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(),
                                                                               ZSTD_freeCCtx);
  std::size_t n = ZSTD_compressCCtx(context.get(), out.data() + 1, out.size() - 1, raw.data(),
                                    raw.size(), zstdLevel);
  out.resize(1 + n);  // ZSTD_compress cannot fail with a bound-sized buffer
  return out;
}

Status decodeRecordBlock(std::string_view bytes, std::vector<Record>& out) {
  auto corrupt = [](std::string_view why) {
    return makeError(ErrorCode::kDataLoss, "log block: " + std::string(why));
  };
  if (bytes.empty() || bytes[0] != kVersion) return corrupt("unknown version");
  bytes.remove_prefix(1);
  unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxBlockBytes) {
    return corrupt("bad frame header");
  }
  std::string raw(size, '\0');
  std::size_t got = ZSTD_decompress(raw.data(), raw.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(got) || got != size) return corrupt("does not decompress");
  std::string_view in(raw);
  std::uint64_t count = 0;
  if (!getVarint(in, count) || count > in.size()) return corrupt("bad count");
  out.resize(count);
  for (auto& r : out) {
    std::uint64_t ts = 0, lag = 0, status = 0, latencyBits = 0, attributes = 0;
    if (!getVarint(in, ts) || !getVarint(in, lag) || !getString(in, r.service) || in.empty()) {
      return corrupt("cut record");
    }
    r.timestampNs = unzigzag(ts);
    r.receivedNs = r.timestampNs + unzigzag(lag);
    auto level = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    r.level = level <= static_cast<std::uint8_t>(Level::kFatal) ? static_cast<Level>(level)
                                                                : Level::kUnknown;
    if (!getString(in, r.message) || !getVarint(in, status) || !getVarint(in, latencyBits) ||
        !getString(in, r.traceId) || !getString(in, r.host) || !getVarint(in, r.templateId) ||
        !getVarint(in, attributes) || attributes > in.size()) {
      return corrupt("cut record");
    }
    r.httpStatus = static_cast<int>(status);
    std::memcpy(&r.latencyMs, &latencyBits, sizeof latencyBits);
    r.attributes.resize(attributes);
    for (auto& a : r.attributes) {
      if (!getString(in, a.key) || !getString(in, a.value)) return corrupt("cut attribute");
    }
  }
  return okStatus();
}

}  // namespace pharos::logs
