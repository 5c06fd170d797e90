#include "net/http.h"

#include "core/text.h"

#include <cstddef>

namespace pharos::net {
namespace {}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

std::string_view HttpRequest::pathParam(std::string_view name) const {
  for (const auto& [key, value] : pathParams) {
    if (key == name) return value;
  }
  return {};
}

HttpResponse HttpResponse::text(int status, std::string body, std::string contentType) {
  HttpResponse r;
  r.status = status;
  r.contentType = std::move(contentType);
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body.reserve(32 + code.size() + message.size());
  r.body += R"({"error":{"code":)";
  appendJsonString(r.body, code);
  r.body += R"(,"message":)";
  appendJsonString(r.body, message);
  r.body += "}}";
  return r;
}

bool isHttpToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool isHttpFieldValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace pharos::net
