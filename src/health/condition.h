#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pharos::health {

struct ConditionAst;
struct ParsedBody;

// What one probe observed. A placeholder whose value is absent (nullopt) makes a condition
// that uses it fail with a reason, e.g. "[CERT_EXPIRES_IN] is not available for a tcp check".
struct ProbeObservation {
  std::string checkType;  // "http", "tcp", "tls", "dns", "heartbeat": only used in reasons
  std::optional<int> status;
  std::optional<double> responseTimeMs;
  std::optional<std::string_view> body;  // the caller caps it (1 MiB); must outlive evaluation
  std::optional<bool> connected;
  std::optional<int64_t> certExpiresInMs;
  std::optional<std::string> dnsRcode;  // "NOERROR", "NXDOMAIN", ...
  std::optional<std::string> ip;
  std::vector<std::pair<std::string, std::string>> headers;  // response headers, in order
};

// A condition that does not parse. `message` is complete on its own and names the offset:
// "unexpected ')' at offset 12".
struct ConditionSyntaxError {
  size_t offset = 0;  // byte offset in the condition text
  std::string message;
};

// `explanation` reads like Gatus' with the actual values, e.g. "[STATUS] (503) == 200" or
// "[BODY].status (\"degraded\") == \"ok\"", followed by ": reason" when a value could not be
// had. Values are cut at 64 bytes and the whole at 1 KiB, so a body is never echoed at length.
struct ConditionOutcome {
  bool success = false;
  std::string explanation;
};

// Shares the work of several conditions evaluated against one observation: the body is
// parsed as JSON at most once, on the first condition that looks into it. Not thread-safe;
// use one per evaluation round. A context used with another body re-parses.
class ConditionContext {
 public:
  ConditionContext();
  ~ConditionContext();
  ConditionContext(ConditionContext&&) noexcept;
  ConditionContext& operator=(ConditionContext&&) noexcept;

  // The body parsed as JSON (or why it is not JSON), parsed on first use.
  const ParsedBody& parsedBody(std::string_view body);

 private:
  std::unique_ptr<ParsedBody> body_;
};

// One health-check condition in the condition language (docs/CONDITIONS.md), e.g.
// "[STATUS] == 200 && [BODY].status == ok". Parsed once when a check is created, then
// evaluated against every probe. Immutable; evaluate() may be called from several threads.
class Condition {
 public:
  static constexpr size_t kMaxLength = 4096;  // bytes of condition text
  static constexpr int kMaxNesting = 32;      // parentheses (function calls cannot nest)

  static std::variant<Condition, ConditionSyntaxError> parse(std::string_view text);

  // Never throws; a value that is missing or of the wrong kind is a failure with a reason.
  ConditionOutcome evaluate(const ProbeObservation& observation) const;
  ConditionOutcome evaluate(const ProbeObservation& observation, ConditionContext& context) const;

  const std::string& text() const { return text_; }

  // The placeholders used, canonical spelling, each once, in order of first use
  // ("[STATUS]", "[BODY]", "[HEADER]", ...), so a check can refuse e.g. [DNS_RCODE] on an
  // http check when it is created.
  std::vector<std::string> placeholders() const;

 private:
  Condition(std::string text, std::shared_ptr<const ConditionAst> ast);

  std::string text_;
  // Shared, never mutated: copying a condition copies a pointer.
  std::shared_ptr<const ConditionAst> ast_;
};

}  // namespace pharos::health
