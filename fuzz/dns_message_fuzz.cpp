// Any bytes as a DNS response: parsing must return a response or an error saying which kind
// ("malformed DNS response: ..." or "answer does not match the query: ..."), never crash or
// loop, and what it accepts must be well-formed presentation text. The first two bytes pick
// the expected question type, the rest is the message; the expected name is example.com and
// the expected id the message's own, so that inputs get past the matching checks.
// The same bytes as a query name: a name that encodes must come back from its echoed answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/dns_message.h"

namespace {

using pharos::net::DnsResponse;

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void checkResponse(const DnsResponse& r) {
  if (r.rcodeName.empty() || r.rcode < 0 || r.rcode > 15) std::abort();
  for (const auto& a : r.answers) {
    if (a.name.empty() || a.name.back() != '.' || a.name.size() > 4 * 255) std::abort();
    if (a.ttl > 0x7fffffffU) std::abort();
    if (pharos::net::dnsTypeName(a.type).empty()) std::abort();
  }
}

void roundTripName(std::string_view name) {
  auto query = pharos::net::encodeDnsQuery(0x5150, name, pharos::net::DnsType::kTxt);
  if (!query.ok()) {
    if (query.error().code != pharos::ErrorCode::kInvalidArgument) std::abort();
    return;
  }
  std::string answer = *query;
  answer[2] = static_cast<char>(answer[2] | 0x80);
  auto parsed = pharos::net::parseDnsResponse(
      answer, 0x5150, {std::string(name), static_cast<uint16_t>(pharos::net::DnsType::kTxt)});
  if (!parsed.ok() || !parsed->answers.empty() || parsed->rcodeName != "NOERROR") std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() < 2) return 0;
  auto type = static_cast<uint16_t>((data[0] << 8) | data[1]);
  std::string_view message = input.substr(2);
  uint16_t id = pharos::net::dnsMessageId(message).value_or(0);
  auto r = pharos::net::parseDnsResponse(message, id, {"example.com", type});
  if (r.ok()) {
    checkResponse(*r);
  } else {
    const std::string& m = r.error().message;
    if (r.error().code != pharos::ErrorCode::kInvalidArgument ||
        (!startsWith(m, "malformed DNS response: ") &&
         !startsWith(m, "answer does not match the query: "))) {
      std::abort();
    }
  }
  if (message.size() <= 300) roundTripName(message);
  return 0;
}
