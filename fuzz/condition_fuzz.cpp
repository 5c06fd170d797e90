// Health-check conditions from API clients: parsing never crashes, hangs or recurses without
// bound, a syntax error names an offset inside the text, and evaluating a parsed condition
// against an HTTP observation with a JSON body (and one without a body) never crashes and
// keeps its explanation short.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "health/condition.h"

namespace {

constexpr std::string_view kBody = R"({"status":"ok","ok":true,"version":"1.2.3",
"data":[{"id":42,"name":"a"},{"id":43,"tags":["x","y"]}],"count":"10","empty":[],
"nested":{"a":{"b":null}},"big":9007199254740993,"ratio":0.5})";

pharos::health::ProbeObservation httpObservation() {
  pharos::health::ProbeObservation o;
  o.checkType = "http";
  o.status = 200;
  o.responseTimeMs = 123.5;
  o.body = kBody;
  o.connected = true;
  o.certExpiresInMs = 200LL * 3'600'000;
  o.ip = "127.0.0.1";
  o.headers = {{"Content-Type", "application/json"}, {"X-Multi", "a"}, {"x-multi", "b"}};
  return o;
}

pharos::health::ProbeObservation dnsObservation() {
  pharos::health::ProbeObservation o;
  o.checkType = "dns";
  o.responseTimeMs = 3;
  o.dnsRcode = "NXDOMAIN";
  o.body = "<not json>";
  return o;
}

void checkOutcome(const pharos::health::ConditionOutcome& outcome) {
  if (outcome.explanation.empty() || outcome.explanation.size() > 1024 + 3) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = pharos::health::Condition::parse(text);
  if (const auto* error = std::get_if<pharos::health::ConditionSyntaxError>(&parsed)) {
    if (error->message.empty() || error->offset > size) std::abort();
    return 0;
  }
  const auto& condition = std::get<pharos::health::Condition>(parsed);
  if (condition.placeholders().empty() || condition.text() != text) std::abort();
  static const pharos::health::ProbeObservation kHttp = httpObservation();
  static const pharos::health::ProbeObservation kDns = dnsObservation();
  pharos::health::ConditionContext context;
  checkOutcome(condition.evaluate(kHttp, context));
  checkOutcome(condition.evaluate(kHttp, context));  // from the cached body
  checkOutcome(condition.evaluate(kDns));
  return 0;
}
