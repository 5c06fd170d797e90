// The DNS wire format against messages built byte by byte from RFC 1035 (and 3596, 2782,
// 8659 for AAAA, SRV, CAA), plus one response captured from dnsmasq: every record type in
// presentation form, compression, and every way a response can be malformed or answer
// another query.
#include "net/dns_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

namespace pharos::net {
namespace {

constexpr uint16_t kA = 1;
constexpr uint16_t kAaaa = 28;
constexpr uint16_t kQr = 0x8000;
constexpr uint16_t kRd = 0x0100;
constexpr uint16_t kRa = 0x0080;

// Writes a DNS message field by field, in network byte order.
class Bytes {
 public:
  Bytes& u8(unsigned v) {
    s_.push_back(static_cast<char>(v & 0xff));
    return *this;
  }
  Bytes& u16(unsigned v) { return u8(v >> 8).u8(v); }
  Bytes& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Bytes& raw(std::string_view b) {
    s_.append(b);
    return *this;
  }
  // Labels of a dotted name, without the terminating zero (so a pointer may follow).
  Bytes& labels(std::string_view dotted) {
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string_view::npos) dot = dotted.size();
      u8(static_cast<unsigned>(dot - start)).raw(dotted.substr(start, dot - start));
      start = dot + 1;
    }
    return *this;
  }
  Bytes& name(std::string_view dotted) { return labels(dotted).u8(0); }
  Bytes& pointer(unsigned offset) { return u16(0xC000 | offset); }
  Bytes& header(unsigned id, unsigned flags, unsigned qd, unsigned an) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(0);
  }
  Bytes& question(std::string_view dotted, unsigned type) { return name(dotted).u16(type).u16(1); }
  // An answer's fixed part after its name: type, class IN, TTL, RDLENGTH.
  Bytes& rr(unsigned type, uint32_t ttl, unsigned rdlength) {
    return u16(type).u16(1).u32(ttl).u16(rdlength);
  }
  size_t size() const { return s_.size(); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

std::string fromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// A response to "example.com <type>" (question at offset 12, name pointer 0xC00C) with one
// answer whose RDATA is `rdata`.
std::string oneAnswer(unsigned type, const std::string& rdata, uint32_t ttl = 300) {
  Bytes b;
  b.header(0x1234, kQr | kRd | kRa, 1, 1).question("example.com", type);
  b.pointer(12).rr(type, ttl, static_cast<unsigned>(rdata.size())).raw(rdata);
  return b.str();
}

DnsRecord onlyAnswer(const std::string& message, unsigned type) {
  Result<DnsResponse> r =
      parseDnsResponse(message, 0x1234, {"example.com", static_cast<uint16_t>(type)});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok() || r->answers.size() != 1) return {};
  return r->answers[0];
}

std::string parseError(const std::string& message, uint16_t id = 0x1234,
                       DnsQuestion q = {"example.com", kA}) {
  Result<DnsResponse> r = parseDnsResponse(message, id, q);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

TEST(DnsMessageTest, EncodesTheQueryOfRfc1035) {
  Result<std::string> q = encodeDnsQuery(0xBEEF, "www.example.com", DnsType::kAaaa);
  ASSERT_TRUE(q.ok());
  Bytes expected;
  expected.header(0xBEEF, kRd, 1, 0).question("www.example.com", kAaaa);
  EXPECT_EQ(*q, expected.str());

  // A trailing dot is the same name; recursion can be left off.
  Result<std::string> dotted = encodeDnsQuery(0xBEEF, "www.example.com.", DnsType::kAaaa);
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(*dotted, expected.str());
  Result<std::string> noRd = encodeDnsQuery(7, "example.com", DnsType::kMx, false);
  ASSERT_TRUE(noRd.ok());
  EXPECT_EQ(noRd->substr(0, 4), std::string("\x00\x07\x00\x00", 4));
  EXPECT_EQ(noRd->substr(noRd->size() - 4), std::string("\x00\x0f\x00\x01", 4));

  // The root is a single zero byte.
  Result<std::string> root = encodeDnsQuery(1, ".", DnsType::kNs);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->substr(12), std::string("\x00\x00\x02\x00\x01", 5));
}

TEST(DnsMessageTest, RejectsNamesThatCannotBeEncoded) {
  std::string label63(63, 'a');
  std::string label64(64, 'a');
  // 4 labels of 63 bytes and 3 dots are 255 bytes; cut to exactly 253 and 254.
  std::string long253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  std::string long254 = long253 + "b";
  ASSERT_EQ(long253.size(), 253U);
  EXPECT_TRUE(encodeDnsQuery(1, label63 + ".com", DnsType::kA).ok());
  EXPECT_TRUE(encodeDnsQuery(1, long253, DnsType::kA).ok());
  EXPECT_TRUE(encodeDnsQuery(1, long253 + ".", DnsType::kA).ok());
  EXPECT_TRUE(encodeDnsQuery(1, "_sip._tcp.example.com", DnsType::kSrv).ok());

  struct Case {
    std::string name;
    std::string reason;
  };
  for (const Case& c : {Case{"", "empty"}, Case{"a..b", "empty label"}, Case{".a", "empty label"},
                        Case{"a.b..", "empty label"}, Case{"..", "empty label"},
                        Case{label64 + ".com", "longer than 63"}, Case{long254, "longer than 253"},
                        Case{"a b.com", "printable ASCII"}, Case{"a\\.b", "printable ASCII"},
                        Case{"b\xc3\xbcro.de", "punycode"}}) {
    Result<std::string> q = encodeDnsQuery(1, c.name, DnsType::kA);
    ASSERT_FALSE(q.ok()) << c.name;
    EXPECT_EQ(q.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(q.error().message.find(c.reason), std::string::npos) << q.error().message;
  }
}

TEST(DnsMessageTest, TypeAndRcodeNames) {
  for (std::string_view name : {"aaaa", "AAAA", "AaAa"}) {
    Result<DnsType> t = parseDnsType(name);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, DnsType::kAaaa);
  }
  for (std::string_view name : {"A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "SRV", "CAA"}) {
    Result<DnsType> t = parseDnsType(name);
    ASSERT_TRUE(t.ok()) << name;
    EXPECT_EQ(dnsTypeName(static_cast<uint16_t>(*t)), name);
  }
  Result<DnsType> bad = parseDnsType("ANY");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("'ANY'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("CAA"), std::string::npos);
  EXPECT_EQ(dnsTypeName(65), "TYPE65");

  EXPECT_EQ(dnsRcodeName(0), "NOERROR");
  EXPECT_EQ(dnsRcodeName(1), "FORMERR");
  EXPECT_EQ(dnsRcodeName(2), "SERVFAIL");
  EXPECT_EQ(dnsRcodeName(3), "NXDOMAIN");
  EXPECT_EQ(dnsRcodeName(4), "NOTIMP");
  EXPECT_EQ(dnsRcodeName(5), "REFUSED");
  EXPECT_EQ(dnsRcodeName(12), "12");
  EXPECT_EQ(dnsRcodeName(15), "15");
}

TEST(DnsMessageTest, ParsesAnAnswerCapturedFromDnsmasq) {
  // dnsmasq 2.90's answer to "alias.test A" with id 0x1234: a CNAME to web.test (compressed
  // owner name) then web.test's A record, whose owner points into the CNAME's data.
  std::string captured = fromHex(
      "12348580000100020000000005616c69617304746573740000010001c00c0005000100000000000a03776562"
      "047465737400c028000100010000000000040a010203");
  Result<DnsResponse> r = parseDnsResponse(captured, 0x1234, {"alias.test", kA});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_EQ(r->rcode, 0);
  EXPECT_EQ(r->rcodeName, "NOERROR");
  EXPECT_TRUE(r->authoritative);
  EXPECT_TRUE(r->recursionAvailable);
  EXPECT_FALSE(r->truncated);
  ASSERT_EQ(r->answers.size(), 2U);
  EXPECT_EQ(r->answers[0].name, "alias.test.");
  EXPECT_EQ(r->answers[0].type, 5);
  EXPECT_EQ(r->answers[0].data, "web.test.");
  EXPECT_EQ(r->answers[1].name, "web.test.");
  EXPECT_EQ(r->answers[1].type, kA);
  EXPECT_EQ(r->answers[1].data, "10.1.2.3");
}

TEST(DnsMessageTest, RoundTripsAQueryIntoItsResponse) {
  Result<std::string> q = encodeDnsQuery(0x4242, "Mail.Example.ORG", DnsType::kA);
  ASSERT_TRUE(q.ok());
  // A server answers by echoing the query with QR set and appending the answer.
  Bytes response;
  response.raw(q->substr(0, 2)).u16(kQr | kRd | kRa).raw(q->substr(4, 2)).u16(1);
  response.raw(q->substr(8)).pointer(12).rr(kA, 3600, 4).u8(192).u8(0).u8(2).u8(1);
  Result<DnsResponse> r = parseDnsResponse(response.str(), 0x4242, {"mail.example.org.", kA});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->answers.size(), 1U);
  EXPECT_EQ(r->answers[0].name, "Mail.Example.ORG.");
  EXPECT_EQ(r->answers[0].ttl, 3600U);
  EXPECT_EQ(r->answers[0].data, "192.0.2.1");
}

TEST(DnsMessageTest, PresentsEveryRecordType) {
  EXPECT_EQ(onlyAnswer(oneAnswer(kA, std::string("\x5d\xb8\xd8\x22", 4)), kA).data,
            "93.184.216.34");
  // RFC 5952: the longest run of zero groups compressed, lower case.
  EXPECT_EQ(onlyAnswer(oneAnswer(kAaaa, fromHex("20010db8000000000000000000000001")), kAaaa).data,
            "2001:db8::1");
  EXPECT_EQ(onlyAnswer(oneAnswer(kAaaa, fromHex("20010db8000100000001000000000001")), kAaaa).data,
            "2001:db8:1:0:1::1");

  // CNAME, NS, PTR: a name, here partly a pointer to the question's "example.com".
  for (unsigned type : {5U, 2U, 12U}) {
    Bytes rdata;
    rdata.labels("www").pointer(12);
    EXPECT_EQ(onlyAnswer(oneAnswer(type, rdata.str()), type).data, "www.example.com.");
  }

  Bytes mx;
  mx.u16(10).name("mail.example.com");
  EXPECT_EQ(onlyAnswer(oneAnswer(15, mx.str()), 15).data, "10 mail.example.com.");

  // TXT: the strings joined, as SPF reads a record split at 255 bytes; an empty string too.
  Bytes txt;
  txt.u8(6).raw("v=spf1").u8(13).raw(" include:a.b ").u8(0).u8(4).raw("-all");
  EXPECT_EQ(onlyAnswer(oneAnswer(16, txt.str()), 16).data, "v=spf1 include:a.b -all");
  Bytes controlTxt;
  controlTxt.u8(3).raw("a\nb");
  EXPECT_EQ(onlyAnswer(oneAnswer(16, controlTxt.str()), 16).data, "a\\010b");

  Bytes soa;
  soa.labels("ns1").pointer(12).labels("hostmaster").pointer(12);
  soa.u32(2024010101).u32(7200).u32(3600).u32(1209600).u32(300);
  EXPECT_EQ(onlyAnswer(oneAnswer(6, soa.str()), 6).data,
            "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");

  Bytes srv;
  srv.u16(10).u16(60).u16(5060).name("sip.example.com");
  EXPECT_EQ(onlyAnswer(oneAnswer(33, srv.str()), 33).data, "10 60 5060 sip.example.com.");

  Bytes caa;
  caa.u8(128).u8(5).raw("issue").raw("letsencrypt.org; a=\"b\"");
  EXPECT_EQ(onlyAnswer(oneAnswer(257, caa.str()), 257).data,
            "128 issue \"letsencrypt.org; a=\\\"b\\\"\"");

  // RFC 3597 for anything else.
  EXPECT_EQ(onlyAnswer(oneAnswer(99, std::string("\x0a\x00\x00\x01", 4)), 99).data,
            "\\# 4 0a000001");
  EXPECT_EQ(onlyAnswer(oneAnswer(99, ""), 99).data, "\\# 0");
}

TEST(DnsMessageTest, EscapesOddLabelsAndClampsTtl) {
  Bytes b;
  b.header(0x1234, kQr, 1, 1).question("example.com", kA);
  b.u8(5).raw("a.b c").pointer(12).rr(kA, 0x80000000U, 4).u32(0x7f000001);
  DnsRecord r = onlyAnswer(b.str(), kA);
  EXPECT_EQ(r.name, "a\\.b\\032c.example.com.");
  EXPECT_EQ(r.ttl, 0U);  // RFC 2181: top bit set reads as zero
}

TEST(DnsMessageTest, ReportsRcodeTruncationAndMatchesQuestionsCaseInsensitively) {
  Bytes nx;
  nx.header(0x1234, kQr | kRd | kRa | 3, 1, 0).question("NoSuch.Example.COM", kA);
  Result<DnsResponse> r = parseDnsResponse(nx.str(), 0x1234, {"nosuch.example.com", kA});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rcodeName, "NXDOMAIN");
  EXPECT_TRUE(r->answers.empty());
  EXPECT_FALSE(r->authoritative);

  Bytes tc;
  tc.header(0x1234, kQr | 0x0200, 1, 0).question("example.com", kA);
  r = parseDnsResponse(tc.str(), 0x1234, {"example.com.", kA});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->truncated);

  // FORMERR may come without the question; NOERROR may not.
  Bytes formerr;
  formerr.header(0x1234, kQr | 1, 0, 0);
  r = parseDnsResponse(formerr.str(), 0x1234, {"example.com", kA});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rcodeName, "FORMERR");
  Bytes empty;
  empty.header(0x1234, kQr, 0, 0);
  EXPECT_NE(parseError(empty.str()).find("answer does not match the query: no question"),
            std::string::npos);
}

TEST(DnsMessageTest, AnswersToAnotherQueryAreNamed) {
  std::string good = oneAnswer(kA, std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(parseError(good, 0x1235), "answer does not match the query: id 4660 instead of 4661");
  EXPECT_EQ(parseError(good, 0x1234, {"example.net", kA}),
            "answer does not match the query: question example.com. A instead of example.net. A");
  EXPECT_EQ(parseError(good, 0x1234, {"example.com", kAaaa}),
            "answer does not match the query: question example.com. A instead of example.com. "
            "AAAA");

  Bytes query;
  query.header(0x1234, kRd, 1, 0).question("example.com", kA);
  EXPECT_NE(parseError(query.str()).find("a query, not a response"), std::string::npos);
  Bytes twoQuestions;
  twoQuestions.header(0x1234, kQr, 2, 0).question("example.com", kA).question("example.com", kA);
  EXPECT_NE(parseError(twoQuestions.str()).find("2 questions"), std::string::npos);
  Bytes chaos;
  chaos.header(0x1234, kQr, 1, 0).name("example.com").u16(kA).u16(3);
  EXPECT_NE(parseError(chaos.str()).find("class 3"), std::string::npos);
  Bytes notify;
  notify.header(0x1234, kQr | (4 << 11), 1, 0).question("example.com", kA);
  EXPECT_NE(parseError(notify.str()).find("opcode 4"), std::string::npos);
}

TEST(DnsMessageTest, EveryTruncationOfAValidResponseIsAnError) {
  Bytes b;
  b.header(0x1234, kQr | kRa, 1, 2).question("example.com", 15);
  b.pointer(12).rr(15, 60, 7).u16(5).labels("mx").pointer(12);
  b.pointer(12).rr(15, 60, 7).u16(9).labels("m2").pointer(12);
  const std::string& full = b.str();
  Result<DnsResponse> whole = parseDnsResponse(full, 0x1234, {"example.com", 15});
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  ASSERT_EQ(whole->answers.size(), 2U);
  EXPECT_EQ(whole->answers[1].data, "9 m2.example.com.");
  for (size_t n = 0; n < full.size(); ++n) {
    std::string cut = parseError(full.substr(0, n), 0x1234, {"example.com", 15});
    EXPECT_EQ(cut.rfind("malformed DNS response: ", 0), 0U) << n << ": " << cut;
  }
}

TEST(DnsMessageTest, CompressionLoopsAndBadPointersAreRefused) {
  auto withAnswerName = [](const std::function<void(Bytes&)>& name) {
    Bytes b;
    b.header(0x1234, kQr, 1, 1).question("example.com", kA);
    name(b);
    b.rr(kA, 1, 4).u32(0x01020304);
    return b.str();
  };
  // Offset 29 is where the answer starts.
  std::string self = withAnswerName([](Bytes& b) { b.pointer(29); });
  EXPECT_NE(parseError(self).find("pointer at offset 29 to offset 29 does not point backwards"),
            std::string::npos)
      << parseError(self);
  std::string forward = withAnswerName([](Bytes& b) { b.pointer(40); });
  EXPECT_NE(parseError(forward).find("does not point backwards"), std::string::npos);
  // Two pointers that would chase each other: 29 -> "x" then 31 -> 29.
  std::string loop = withAnswerName([](Bytes& b) { b.labels("x").pointer(29); });
  EXPECT_NE(parseError(loop).find("does not point backwards"), std::string::npos);
  // A chain of backward pointers is fine: the CNAME data points at the owner name, which
  // points at the question.
  Bytes chain;
  chain.header(0x1234, kQr, 1, 1).question("example.com", 5);
  chain.labels("x").pointer(12).rr(5, 1, 4).labels("a").pointer(29);  // owner at 29, data at 43
  Result<DnsResponse> chained = parseDnsResponse(chain.str(), 0x1234, {"example.com", 5});
  ASSERT_TRUE(chained.ok()) << chained.error().message;
  EXPECT_EQ(chained->answers[0].name, "x.example.com.");
  EXPECT_EQ(chained->answers[0].data, "a.x.example.com.");
  // The same jump from the owner name's labels back into themselves is a loop.
  Bytes loopBack;
  loopBack.header(0x1234, kQr, 1, 1).question("example.com", 5);
  loopBack.labels("x").pointer(29).rr(5, 1, 2).pointer(29);
  EXPECT_NE(parseError(loopBack.str(), 0x1234, {"example.com", 5}).find("does not point backwards"),
            std::string::npos);

  std::string extended = withAnswerName([](Bytes& b) { b.u8(0x41).u8(0); });
  EXPECT_NE(parseError(extended).find("unsupported label type 0x40"), std::string::npos);

  // More than 255 bytes of name, however it is assembled.
  std::string tooLong = withAnswerName([](Bytes& b) {
    for (int i = 0; i < 5; ++i)
      b.labels(std::string(60, 'a'));
    b.u8(0);
  });
  EXPECT_NE(parseError(tooLong).find("longer than 255 bytes"), std::string::npos);
}

TEST(DnsMessageTest, RecordDataIsBoundsChecked) {
  EXPECT_NE(parseError(oneAnswer(kA, std::string("\x01\x02\x03", 3))).find("A record with 3 bytes"),
            std::string::npos);
  Bytes cnameTail;
  cnameTail.name("x.example").u8(7);
  std::string message = oneAnswer(5, cnameTail.str());
  EXPECT_NE(parseError(message, 0x1234, {"example.com", 5}).find("1 bytes after its data"),
            std::string::npos);
  // A name in RDATA must end inside RDATA: RDLENGTH says 3, the name needs 5.
  Bytes b;
  b.header(0x1234, kQr, 1, 1).question("example.com", 5);
  b.pointer(12).rr(5, 1, 3).name("abc");
  EXPECT_NE(parseError(b.str(), 0x1234, {"example.com", 5})
                .find("CNAME target: label at offset 41 runs past its end"),
            std::string::npos);
  // RDLENGTH beyond the message.
  Bytes past;
  past.header(0x1234, kQr, 1, 1).question("example.com", kA).pointer(12).rr(kA, 1, 40).u32(1);
  EXPECT_NE(parseError(past.str()).find("answer 1 data cut off"), std::string::npos);
  // A TXT string longer than the RDATA left.
  Bytes txt;
  txt.u8(10).raw("abc");
  EXPECT_NE(parseError(oneAnswer(16, txt.str()), 0x1234, {"example.com", 16}).find("TXT string"),
            std::string::npos);
  EXPECT_NE(parseError(std::string("\x12\x34\x81", 3)).find("shorter than the 12-byte header"),
            std::string::npos);
}

TEST(DnsMessageTest, MessageIdIsTheFirstTwoBytes) {
  EXPECT_EQ(dnsMessageId(std::string("\xab\xcd", 2)), 0xabcd);
  EXPECT_EQ(dnsMessageId(std::string("\xab", 1)), std::nullopt);
}

}  // namespace
}  // namespace pharos::net
