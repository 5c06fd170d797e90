#include "core/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace pharos {
namespace {

std::string one(double value) {
  PrometheusText out;
  out.sample("m", {}, value);
  return std::move(out).str();
}

TEST(PrometheusTextTest, WritesFamilyAndSamples) {
  PrometheusText out;
  out.family("pharos_http_requests_total", "HTTP requests served.", "counter");
  out.sample("pharos_http_requests_total", {{"method", "GET"}, {"code", "200"}}, 1027);
  out.sample("pharos_http_requests_total", {{"method", "POST"}, {"code", "400"}}, 3);
  out.family("process_open_fds", "Open file descriptors.", "gauge");
  out.sample("process_open_fds", {}, 12);
  EXPECT_EQ(std::move(out).str(),
            "# HELP pharos_http_requests_total HTTP requests served.\n"
            "# TYPE pharos_http_requests_total counter\n"
            "pharos_http_requests_total{method=\"GET\",code=\"200\"} 1027\n"
            "pharos_http_requests_total{method=\"POST\",code=\"400\"} 3\n"
            "# HELP process_open_fds Open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 12\n");
}

TEST(PrometheusTextTest, EscapesHelpAndLabelValues) {
  PrometheusText out;
  out.family("m", "a \\ b\nc \"quoted\"", "gauge");
  out.sample("m", {{"path", "C:\\dir\n\"x\""}}, 1);
  EXPECT_EQ(std::move(out).str(),
            "# HELP m a \\\\ b\\nc \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{path=\"C:\\\\dir\\n\\\"x\\\"\"} 1\n");
}

TEST(PrometheusTextTest, FormatsSpecialAndFractionalValues) {
  EXPECT_EQ(one(std::nan("")), "m NaN\n");
  EXPECT_EQ(one(std::numeric_limits<double>::infinity()), "m +Inf\n");
  EXPECT_EQ(one(-std::numeric_limits<double>::infinity()), "m -Inf\n");
  EXPECT_EQ(one(0.25), "m 0.25\n");
  EXPECT_EQ(one(-1.5), "m -1.5\n");
  EXPECT_EQ(one(0.1), "m 0.1\n");
  EXPECT_EQ(one(0), "m 0\n");
  EXPECT_EQ(one(-0.0), "m 0\n");
}

TEST(PrometheusTextTest, WritesIntegersWithoutExponent) {
  EXPECT_EQ(one(1e15), "m 1000000000000000\n");
  EXPECT_EQ(one(123456789012.0), "m 123456789012\n");
  EXPECT_EQ(one(-42), "m -42\n");
  EXPECT_EQ(one(4294967296.0), "m 4294967296\n");
}

TEST(PrometheusTextTest, HugeAndTinyValuesStillReadBack) {
  std::string huge = one(1e300);
  std::string tiny = one(1.5e-9);
  EXPECT_DOUBLE_EQ(std::stod(huge.substr(2)), 1e300);
  EXPECT_DOUBLE_EQ(std::stod(tiny.substr(2)), 1.5e-9);
}

}  // namespace
}  // namespace pharos
