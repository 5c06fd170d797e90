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

bool ResponseStream::push(std::string_view chunk) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || closed_) return false;
    if (buffer_.size() + chunk.size() > maxBuffered_) return false;
    bool wasEmpty = buffer_.empty();
    buffer_.append(chunk);
    if (wasEmpty) wake = wake_;
  }
  if (wake) wake();
  return true;
}

void ResponseStream::close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

bool ResponseStream::clientGone() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void ResponseStream::setWake(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

bool ResponseStream::take(std::string& out) {
  std::lock_guard lock(mutex_);
  out.clear();
  out.swap(buffer_);
  return !(closed_ && out.empty());
}

void ResponseStream::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  wake_ = nullptr;
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
