#include "api/json_body.h"

#include <time.h>

#include <fmt/format.h>

namespace pharos::api {

JsonBody parseJsonObject(std::string_view body) {
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    return net::HttpResponse::error(400, "invalid_json",
                                    fmt::format("malformed JSON at byte {}", e.byte));
  } catch (const nlohmann::json::exception&) {
    // Well-formed but not representable: a number like 1e400 overflows a double.
    return net::HttpResponse::error(400, "invalid_json", "a number in the body is out of range");
  }
  if (!value.is_object()) {
    return net::HttpResponse::error(
        400, "invalid_argument",
        fmt::format("the request body must be a JSON object, not {}", value.type_name()));
  }
  return value;
}

std::optional<std::string> unknownField(const nlohmann::json& object,
                                        std::initializer_list<std::string_view> allowed) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (std::string_view name : allowed)
      known = known || item.key() == name;
    if (!known) return item.key();
  }
  return std::nullopt;
}

std::string formatTime(WallTime t) {
  int64_t ms = toUnixMillis(t);
  int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<int>(ms - seconds * 1000);
  time_t tt = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

net::HttpResponse fieldProblemsResponse(const std::vector<config::FieldProblem>& problems) {
  nlohmann::json details = nlohmann::json::array();
  std::string message;
  for (const auto& p : problems) {
    details.push_back({{"field", p.field}, {"message", p.message}});
    if (!message.empty()) message += "; ";
    message += p.message;
  }
  nlohmann::json body{
      {"error", {{"code", "invalid_argument"}, {"message", message}, {"fields", details}}}};
  return net::HttpResponse::json(400, dumpJson(body));
}

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

net::HttpResponse okJson(const nlohmann::json& body) {
  return net::HttpResponse::json(200, dumpJson(body));
}

}  // namespace pharos::api
