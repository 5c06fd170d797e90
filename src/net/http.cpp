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

}  // namespace pharos::net
