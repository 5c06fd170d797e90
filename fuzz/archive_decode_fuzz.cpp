// The raw archive's objects (logs/archive_codec.h). Any bytes as an object: decodeArchive gives
// a segment or an error, never a crash, a hang or more than its limit. And any bytes as a
// segment, both as they are and read as a recipe of batches: encodeArchive then decodeArchive
// must give exactly the segment back, and verifyArchive must agree; anything else aborts.
//
// The recipe: lines (split at '\n') are entries; a line's fields (split at '\t') are the
// service, the level, the message, then attribute keys and values; a line starting with '#'
// ends the batch, one starting with '!' is a record kept as it is (not a batch). The bytes after
// a '\x1e' are a torn tail.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/framed_records.h"
#include "core/varint.h"
#include "logs/archive_codec.h"

namespace {

void putString(std::string& out, std::string_view s) {
  pharos::putVarint(out, s.size());
  out.append(s);
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    std::size_t at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::string segmentOf(std::string_view recipe) {
  std::string_view tail;
  if (std::size_t at = recipe.find('\x1e'); at != std::string_view::npos) {
    tail = recipe.substr(at + 1);
    recipe = recipe.substr(0, at);
  }
  std::string segment, batch;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;  // timestamps from the bytes seen so far
  auto open = [&](std::string_view line) {
    batch.assign(1, '\x01');
    batch.push_back(line.empty() ? '\x05' : line[0]);  // any source byte
    pharos::putVarint(batch, pharos::zigzag(static_cast<std::int64_t>(state)));
  };
  auto close = [&] {
    if (!batch.empty()) pharos::appendFramedRecord(segment, batch);
    batch.clear();
  };
  for (std::string_view line : split(recipe, '\n')) {
    for (char c : line)
      state = (state ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
    if (!line.empty() && line[0] == '#') {
      close();
      continue;
    }
    if (!line.empty() && line[0] == '!') {
      close();
      pharos::appendFramedRecord(segment, line.substr(1));
      continue;
    }
    if (batch.empty()) open(line);
    auto fields = split(line, '\t');
    fields.resize(std::max<std::size_t>(fields.size(), 3));
    // Small differences mostly, sometimes anything.
    const auto timestamp = static_cast<std::int64_t>(state % 7 == 0 ? state : state % 1000);
    pharos::putVarint(batch, pharos::zigzag(timestamp));
    putString(batch, fields[0]);
    putString(batch, fields[1]);
    putString(batch, fields[2]);
    const std::size_t attributes = (fields.size() - 3) / 2;
    pharos::putVarint(batch, attributes);
    for (std::size_t k = 0; k < attributes; ++k) {
      putString(batch, fields[3 + 2 * k]);
      putString(batch, fields[4 + 2 * k]);
    }
  }
  close();
  segment.append(tail);
  return segment;
}

void roundTrip(std::string_view segment) {
  auto object = pharos::logs::encodeArchive(segment, 1);
  if (!object.ok()) std::abort();
  auto decoded = pharos::logs::decodeArchive(*object);
  if (!decoded.ok() || *decoded != segment) std::abort();
  if (!pharos::logs::verifyArchive(*object, segment).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kLimit = 1 << 20;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = pharos::logs::decodeArchive(input, kLimit);
  if (decoded.ok() && decoded->size() > kLimit) std::abort();
  roundTrip(input);
  roundTrip(segmentOf(input));
  return 0;
}
