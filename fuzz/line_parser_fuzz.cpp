// The processor parses whatever a client stored: any message, level and attributes under any
// source must give a Record without crashing, and the Record must not keep state from the
// line before.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "logs/line_parser.h"

namespace {

constexpr pharos::logs::Source kSources[] = {
    pharos::logs::Source::kNative,    pharos::logs::Source::kOtlp,
    pharos::logs::Source::kLoki,      pharos::logs::Source::kElastic,
    pharos::logs::Source::kSyslogTcp, pharos::logs::Source::kSyslogUdp};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pharos::logs::LineParser parser;  // reused, as the processor does
  static pharos::logs::Record record;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Layout: [timestamp flag byte] then '\x1f'-separated level, service, attribute key/value
  // pairs..., and the message last (so the message may hold anything but the separator).
  std::int64_t timestamp = 0;
  if (!input.empty()) {
    timestamp =
        static_cast<std::int64_t>(static_cast<unsigned char>(input[0])) * 1'000'000'000'000'000;
    input.remove_prefix(1);
  }
  std::vector<std::string_view> parts;
  for (std::size_t sep; (sep = input.find('\x1f')) != std::string_view::npos && parts.size() < 8;) {
    parts.push_back(input.substr(0, sep));
    input.remove_prefix(sep + 1);
  }
  std::vector<pharos::logs::AttributeView> attributes;
  for (std::size_t i = 2; i + 1 < parts.size(); i += 2)
    attributes.push_back({parts[i], parts[i + 1]});
  pharos::logs::EntryView entry;
  entry.timestampNs = timestamp;
  entry.level = parts.size() > 0 ? parts[0] : std::string_view();
  entry.service = parts.size() > 1 ? parts[1] : std::string_view();
  entry.message = input;
  entry.attributes = attributes;
  for (pharos::logs::Source source : kSources) {
    parser.parse(source, 1'700'000'000'000'000'000, entry, record);
    // Every entry attribute is kept, except that each of the four fixed fields an attribute
    // can fill (host, status, latency, trace id) takes at most one.
    if (record.attributes.size() + 4 < attributes.size()) std::abort();
    if (record.timestampNs == 0) std::abort();
    if (entry.timestampNs != 0 && record.timestampNs != entry.timestampNs) std::abort();
  }
  return 0;
}
