#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pharos::net {

// The DNS wire format (RFC 1035) for DNS health checks: one query out, one response in,
// answers turned into the presentation text that check conditions compare against. No I/O
// here: DnsClient does the sending, the fuzzer feeds parseDnsResponse arbitrary bytes.

// The record types a DNS check may ask for.
enum class DnsType : uint16_t {
  kA = 1,
  kNs = 2,
  kCname = 5,
  kSoa = 6,
  kPtr = 12,
  kMx = 15,
  kTxt = 16,
  kAaaa = 28,
  kSrv = 33,
  kCaa = 257,
};

// "AAAA", "aaaa" -> kAaaa; kInvalidArgument naming the supported types otherwise.
Result<DnsType> parseDnsType(std::string_view name);
// "A", "MX", ...; any other number as RFC 3597 spells it: "TYPE65".
std::string dnsTypeName(uint16_t type);
// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", ... (RFC 6895's names
// for 0..11); any other value as its number.
std::string dnsRcodeName(int rcode);

// What was asked: a name (trailing dot optional, compared case-insensitively) and a type.
struct DnsQuestion {
  std::string name;
  uint16_t type = 0;
};

// One answer record. `data` is the record in presentation format, as dig prints it:
//   A "93.184.216.34", AAAA "2001:db8::1", CNAME/NS/PTR "target.example.com.",
//   MX "10 mail.example.com.", TXT its strings concatenated (as SPF and DKIM read them),
//   SOA "mname. rname. serial refresh retry expire minimum", SRV "prio weight port target.",
//   CAA `0 issue "letsencrypt.org"`, any other type RFC 3597's "\# 4 0a000001".
// Names are fully qualified with a trailing dot; bytes that are not printable ASCII, and
// '.' or '\' inside a label, are escaped as \DDD or \. (TXT: control bytes only).
struct DnsRecord {
  std::string name;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string data;
};

struct DnsResponse {
  uint16_t id = 0;
  int rcode = 0;
  std::string rcodeName;   // dnsRcodeName(rcode)
  bool truncated = false;  // TC: the answer did not fit; ask again over TCP
  bool authoritative = false;
  bool recursionAvailable = false;
  std::vector<DnsRecord> answers;  // the answer section only, in the server's order
};

// The query message: one question of class IN. The name is validated first: labels of 1 to
// 63 bytes of printable ASCII (no spaces, no '\'), at most 253 bytes in all, no empty label;
// "." alone is the root, and a trailing dot is accepted. kInvalidArgument saying which rule
// the name breaks.
Result<std::string> encodeDnsQuery(uint16_t id, std::string_view name, DnsType type,
                                   bool recursionDesired = true);

// Parses a response to the query with `expectedId` and `expectedQuestion`. Every length and
// offset is checked against the message; a compression pointer must point before the name
// part that contains it, so no sequence of pointers can loop. kInvalidArgument with the
// reason: "malformed DNS response: ..." for bytes that are not a valid response, and
// "answer does not match the query: ..." for a valid one to another query (wrong id or
// question), which is what a confused or lying server sends. A response with no question
// section is accepted only with an error rcode (servers answer FORMERR that way).
Result<DnsResponse> parseDnsResponse(std::string_view bytes, uint16_t expectedId,
                                     const DnsQuestion& expectedQuestion);

// The id of a message (its first two bytes), or nothing when it is shorter than that: lets a
// client skip answers to other queries without parsing them.
std::optional<uint16_t> dnsMessageId(std::string_view bytes);

}  // namespace pharos::net
