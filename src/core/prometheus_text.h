#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pharos {

// Writes the Prometheus text exposition format 0.0.4 (what GET /metrics serves):
//
//   PrometheusText out;
//   out.family("pharos_http_requests_total", "HTTP requests served.", "counter");
//   out.sample("pharos_http_requests_total", {{"code", "200"}}, 1027);
//   std::string body = std::move(out).str();
//
// Help text and label values are escaped; metric and label names are written as given and
// must already match [a-zA-Z_:][a-zA-Z0-9_:]* (they come from code, not from input).
// Call family() once per metric name, before its samples.
class PrometheusText {
 public:
  using Label = std::pair<std::string_view, std::string_view>;

  // `type`: counter, gauge, histogram, summary or untyped.
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);

  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace pharos
