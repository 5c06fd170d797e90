#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/config/node_json.h"
#include "core/config/node_reader.h"
#include "core/labels.h"
#include "health/condition.h"

namespace pharos::health {

enum class CheckType { kHttp, kTcp, kTls, kDns, kHeartbeat };

std::string_view checkTypeName(CheckType type);

// One check as defined, in the YAML config or through the API: the same fields in both,
// read by one parser (parseCheckSpec), so the two cannot drift apart.
struct CheckSpec {
  std::string name;  // unique; [A-Za-z0-9._-], 1 to 128 characters
  CheckType type = CheckType::kHttp;

  // http
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int maxRedirects = 0;             // a check reports what the URL answers, not where it leads
  std::vector<int> expectedStatus;  // empty: any status below 400 (unless conditions say more)
  bool verifyTls = true;

  // tcp, tls: host and port; dns: host is the name asked for, at `server`
  std::string host;
  std::uint16_t port = 0;
  std::string server;  // dns: "10.0.0.2:53" (an address; port 53 when omitted)
  std::string record = "A";

  // heartbeat: a beat is expected every `interval`, and may be up to `grace` late. The
  // token is kept only hashed (see heartbeatTokenHash).
  Millis grace{0};
  std::string token;  // config: from ${VAR}; API: made by the server and shown once

  Millis interval{60'000};
  Millis timeout{10'000};
  int retries = 0;  // extra attempts inside one run, with backoff, within the timeout
  std::vector<Condition> conditions;
  std::map<std::string, std::string> labels;
  int failureThreshold = 3;  // consecutive failed runs before the state turns down
  int successThreshold = 2;  // consecutive good runs before it turns up again
  bool paused = false;

  // Every label the check's metrics and alerts carry: its labels plus check and type.
  Labels identity() const;
};

// Definitions are shared, not copied, between the catalog and the engine: ten thousand
// checks are ten thousand parsed definitions, once.
using SharedCheck = std::shared_ptr<const CheckSpec>;

using SpecProblem = config::FieldProblem;

using ParsedCheck = std::variant<CheckSpec, std::vector<SpecProblem>>;

// Reads one definition. `path` prefixes field names in problems ("health.checks[3]").
ParsedCheck parseCheckSpec(const config::Node& node, std::string_view path = {});

// The definition as the API shows it: the same field names the parser reads. Values of
// credential headers are "[redacted]" unless `withCredentials` (for storing it); the
// heartbeat token is never included.
nlohmann::json checkSpecToJson(const CheckSpec& spec, bool withCredentials = false);

// Credential-bearing request headers whose values the API and logs never show.
bool isCredentialHeader(std::string_view name);

}  // namespace pharos::health
