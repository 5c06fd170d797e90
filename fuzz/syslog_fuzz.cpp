// Syslog over TCP and UDP from any client: the framer must give the same frames however the
// stream is split, never emit an empty or over-long frame, and the header parser and SD
// walker must accept any frame without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "logs/syslog_framer.h"
#include "logs/syslog_parse.h"

namespace {

constexpr std::size_t kMaxFrame = 64;

std::vector<std::string> frameAll(std::string_view stream, std::size_t step,
                                  std::uint64_t& truncated, std::uint64_t& errors) {
  pharos::logs::SyslogFramer framer(kMaxFrame);
  std::vector<std::string> frames;
  auto collect = [&](std::string_view frame) {
    if (frame.empty() || frame.size() > kMaxFrame) std::abort();
    frames.emplace_back(frame);
  };
  for (std::size_t i = 0; i < stream.size(); i += step)
    framer.feed(stream.substr(i, step), collect);
  framer.finish(collect);
  truncated = framer.framesTruncated();
  errors = framer.framingErrors();
  return frames;
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the split size, the rest is the stream.
  const std::size_t step = 1 + data[0] % 17;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::uint64_t truncatedWhole = 0, errorsWhole = 0, truncatedSplit = 0, errorsSplit = 0;
  auto whole = frameAll(stream, stream.size() + 1, truncatedWhole, errorsWhole);
  auto split = frameAll(stream, step, truncatedSplit, errorsSplit);
  if (whole != split || truncatedWhole != truncatedSplit || errorsWhole != errorsSplit)
    std::abort();

  std::string scratch;
  for (std::int64_t received :
       {std::int64_t{0}, std::int64_t{1'700'000'000'000'000'000}, INT64_MIN, INT64_MAX}) {
    pharos::logs::SyslogMessage message;
    pharos::logs::parseSyslog(stream, received, message);
    for (std::string_view field : {message.hostname, message.appName, message.procId, message.msgId,
                                   message.structuredData, message.message}) {
      if (!inside(field, stream)) std::abort();
    }
    pharos::logs::forEachSdParam(message.structuredData, scratch,
                                 [](std::string_view, std::string_view, std::string_view) {});
  }
  pharos::logs::forEachSdParam(stream, scratch,
                               [](std::string_view, std::string_view, std::string_view) {});
  return 0;
}
