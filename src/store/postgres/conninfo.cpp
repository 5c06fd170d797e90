#include "store/postgres/conninfo.h"

#include <libpq-fe.h>

#include <fmt/format.h>

namespace pharos::store::postgres {

std::string ConninfoSummary::describe() const {
  std::string where = host.empty() ? "local socket" : host;
  return fmt::format("{}{}{}{}/{}", user.empty() ? "" : user + "@", where, port.empty() ? "" : ":",
                     port, database);
}

bool ConninfoSummary::local() const {
  if (host.empty() || host.front() == '/' || host.front() == '@') return true;
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool ConninfoSummary::tlsRequired() const {
  return sslmode == "require" || sslmode == "verify-ca" || sslmode == "verify-full";
}

Result<ConninfoSummary> parseConninfo(const Secret& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.reveal().c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!reason.empty() && reason.back() == '\n')
      reason.pop_back();
    return makeError(ErrorCode::kInvalidArgument,
                     "the PostgreSQL connection string does not parse: " + reason);
  }
  ConninfoSummary out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "host" || (key == "hostaddr" && out.host.empty())) out.host = o->val;
    if (key == "port") out.port = o->val;
    if (key == "dbname") out.database = o->val;
    if (key == "user") out.user = o->val;
    if (key == "sslmode") out.sslmode = o->val;
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace pharos::store::postgres
