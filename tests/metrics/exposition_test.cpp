#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pharos::metrics {
namespace {

constexpr auto kText = ExpositionFormat::kPrometheusText;
constexpr auto kOm = ExpositionFormat::kOpenMetrics;

Exposition parseOk(std::string_view body, ExpositionFormat format = kText,
                   const ExpositionLimits& limits = {}) {
  auto result = parseExposition(body, format, limits);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? std::move(result).value() : Exposition{};
}

std::string parseError(std::string_view body, ExpositionFormat format = kText,
                       const ExpositionLimits& limits = {}) {
  auto result = parseExposition(body, format, limits);
  if (result.ok()) return "<parsed " + std::to_string(result->samples.size()) + " samples>";
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  return result.error().message;
}

struct ErrorCase {
  const char* what;
  std::string body;
  std::string message;
};

void expectErrors(const std::vector<ErrorCase>& cases, ExpositionFormat format) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(parseError(c.body, format), c.message);
  }
}

TEST(ExpositionFormatTest, DetectsOpenMetricsFromContentType) {
  EXPECT_EQ(formatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            kOm);
  EXPECT_EQ(formatFromContentType("application/openmetrics-text"), kOm);
  EXPECT_EQ(formatFromContentType(" Application/OpenMetrics-Text ;version=0.0.1"), kOm);
  EXPECT_EQ(formatFromContentType("text/plain; version=0.0.4; charset=utf-8"), kText);
  EXPECT_EQ(formatFromContentType(""), kText);
  EXPECT_EQ(formatFromContentType("application/json"), kText);
  EXPECT_EQ(formatFromContentType("application/openmetrics-textual"), kText);
  EXPECT_EQ(formatFromContentType("text/plain; application/openmetrics-text"), kText);
}

// The example of https://prometheus.io/docs/instrumenting/exposition_formats/.
TEST(PrometheusTextTest, ParsesTheFormatPageExample) {
  const std::string body = R"(# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
)";
  Exposition e = parseOk(body);
  ASSERT_EQ(e.samples.size(), 20u);

  const auto& first = e.samples[0];
  EXPECT_EQ(first.labels.str(), R"(http_requests_total{code="200",method="post"})");
  EXPECT_EQ(first.labels.metricName(), "http_requests_total");
  EXPECT_EQ(first.value, 1027);
  EXPECT_EQ(first.timestampMs, 1395066363000);
  EXPECT_EQ(e.samples[1].value, 3);

  const auto& msdos = e.samples[2];
  EXPECT_EQ(msdos.labels.get("path"), "C:\\DIR\\FILE.TXT");
  EXPECT_EQ(msdos.labels.get("error"), "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_EQ(msdos.value, 1.458255915e9);
  EXPECT_FALSE(msdos.timestampMs.has_value());

  EXPECT_EQ(e.samples[3].labels.str(), "metric_without_timestamp_and_labels{}");
  EXPECT_EQ(e.samples[3].value, 12.47);

  EXPECT_TRUE(std::isinf(e.samples[4].value) && e.samples[4].value > 0);
  EXPECT_EQ(e.samples[4].timestampMs, -3982045);

  EXPECT_EQ(e.samples[10].labels.get("le"), "+Inf");
  EXPECT_EQ(e.samples[12].labels.metricName(), "http_request_duration_seconds_count");
  EXPECT_EQ(e.samples[18].value, 1.7560473e+07);

  ASSERT_EQ(e.families.size(), 3u);
  EXPECT_EQ(e.families[0].name, "http_requests_total");
  EXPECT_EQ(e.families[0].type, "counter");
  EXPECT_EQ(e.families[0].help, "The total number of HTTP requests.");
  EXPECT_EQ(e.families[1].type, "histogram");
  EXPECT_EQ(e.families[2].name, "rpc_duration_seconds");
  EXPECT_EQ(e.families[2].type, "summary");
  EXPECT_EQ(e.families[2].unit, "");
}

TEST(PrometheusTextTest, EmptyBodyIsValid) {
  Exposition e = parseOk("");
  EXPECT_TRUE(e.samples.empty());
  EXPECT_TRUE(e.families.empty());
  EXPECT_TRUE(parseOk("\n\n  \t\n").samples.empty());
}

TEST(PrometheusTextTest, LastLineMayLackANewline) {
  Exposition e = parseOk("a 1\nb{x=\"y\"} 2 17");
  ASSERT_EQ(e.samples.size(), 2u);
  EXPECT_EQ(e.samples[1].value, 2);
  EXPECT_EQ(e.samples[1].timestampMs, 17);
  EXPECT_EQ(parseOk("# HELP a no newline").families.at(0).help, "no newline");
}

TEST(PrometheusTextTest, BlanksAndTabsSeparateEveryToken) {
  Exposition e = parseOk("  \t\n \tup \t{ a = \"1\" ,\tb=\"2\" , } \t 2 \t 3 \t\n");
  ASSERT_EQ(e.samples.size(), 1u);
  EXPECT_EQ(e.samples[0].labels.str(), R"(up{a="1",b="2"})");
  EXPECT_EQ(e.samples[0].value, 2);
  EXPECT_EQ(e.samples[0].timestampMs, 3);
  EXPECT_EQ(parseOk("up{} 5").samples.at(0).labels.str(), "up{}");
  EXPECT_EQ(parseOk("up{a=\"1\",} 5").samples.at(0).labels.str(), R"(up{a="1"})");
}

TEST(PrometheusTextTest, CommentsAndMetadataLines) {
  Exposition e = parseOk(
      "# a comment\n#no blank after hash\n# HELP\n# HELPful comment\n#HELP up x\n"
      "# TYPE\n# UNIT up seconds\n\t# TYPE up COUNTER\n# HELP up  two spaces\n"
      "# HELP down\n");
  EXPECT_TRUE(e.samples.empty());
  ASSERT_EQ(e.families.size(), 2u);
  EXPECT_EQ(e.families[0].name, "up");
  EXPECT_EQ(e.families[0].type, "counter");  // lower-cased, as promparse
  EXPECT_EQ(e.families[0].help, " two spaces");
  EXPECT_EQ(e.families[0].unit, "");  // # UNIT is only a comment in this format
  EXPECT_EQ(e.families[1].name, "down");
  EXPECT_EQ(e.families[1].type, "untyped");
  EXPECT_EQ(e.families[1].help, "");
}

TEST(PrometheusTextTest, HelpEscapes) {
  Exposition e = parseOk(R"(# HELP m back\\slash new\nline quote\" tab\t trailing\)");
  ASSERT_EQ(e.families.size(), 1u);
  // Only \\ and \n are escapes in text-format help; anything else stays as written.
  EXPECT_EQ(e.families[0].help, "back\\slash new\nline quote\\\" tab\\t trailing\\");
}

TEST(PrometheusTextTest, LabelValueEscapes) {
  Exposition e = parseOk(R"(m{a="x\\y\"z\nw\tq",b="\\\\",c="\"\"",d="caf)"
                         "\xc3\xa9"
                         R"("} 1)");
  ASSERT_EQ(e.samples.size(), 1u);
  const Labels& l = e.samples[0].labels;
  EXPECT_EQ(l.get("a"), "x\\y\"z\nw\\tq");  // \t is not an escape: kept as written
  EXPECT_EQ(l.get("b"), "\\\\");
  EXPECT_EQ(l.get("c"), "\"\"");
  EXPECT_EQ(l.get("d"), "caf\xc3\xa9");
}

TEST(PrometheusTextTest, EmptyLabelValuesAreAbsentLabels) {
  Exposition e = parseOk("up{a=\"\",b=\"1\"} 1\n");
  EXPECT_EQ(e.samples.at(0).labels.str(), R"(up{b="1"})");
}

TEST(PrometheusTextTest, ValuesAreGoFloats) {
  struct Case {
    const char* text;
    double value;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case& c : std::vector<Case>{{"0", 0},
                                         {"-0", -0.0},
                                         {"42", 42},
                                         {"+42", 42},
                                         {"-1.5", -1.5},
                                         {".5", 0.5},
                                         {"5.", 5},
                                         {"1.5E3", 1500},
                                         {"1e-3", 0.001},
                                         {"1e-400", 0},
                                         {"+Inf", inf},
                                         {"-Inf", -inf},
                                         {"Inf", inf},
                                         {"inf", inf},
                                         {"+infinity", inf},
                                         {"-Infinity", -inf},
                                         {"9007199254740993", 9007199254740992.0}}) {
    SCOPED_TRACE(c.text);
    Exposition e = parseOk(std::string("m ") + c.text);
    ASSERT_EQ(e.samples.size(), 1u);
    EXPECT_EQ(e.samples[0].value, c.value);
    EXPECT_EQ(std::signbit(e.samples[0].value), std::signbit(c.value));
  }
  for (const char* nan : {"NaN", "nan", "NAN"}) {
    SCOPED_TRACE(nan);
    EXPECT_TRUE(std::isnan(parseOk(std::string("m ") + nan).samples.at(0).value));
  }
  // Rejected as Go's ParseFloat (or Prometheus' pre-Go-1.13 restriction) rejects them.
  for (const char* bad : {"abc", "1e400", "-1e400", "0x1p3", "0x10", "1_000", "+NaN", "-nan", "1e",
                          "e5", ".", "+", "--1", "1.2.3", "Infin", "nan(1)", "1,5"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parseError(std::string("m ") + bad),
              std::string("1:3: invalid value \"") + bad + "\"");
  }
}

TEST(PrometheusTextTest, TimestampsAreInt64Milliseconds) {
  EXPECT_EQ(parseOk("m 1 1395066363000").samples.at(0).timestampMs, 1395066363000);
  EXPECT_EQ(parseOk("m 1 0").samples.at(0).timestampMs, 0);
  EXPECT_EQ(parseOk("m 1 -1").samples.at(0).timestampMs, -1);
  EXPECT_EQ(parseOk("m 1 9223372036854775807").samples.at(0).timestampMs, 9223372036854775807LL);
  EXPECT_FALSE(parseOk("m 1").samples.at(0).timestampMs.has_value());
  for (const char* bad : {"1.5", "1e3", "9223372036854775808", "+1", "-", "abc", "0x10"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(
        parseError(std::string("m 1 ") + bad),
        std::string("1:5: invalid timestamp \"") + bad + "\" (expected integer milliseconds)");
  }
}

TEST(PrometheusTextTest, DuplicateSeriesAreKeptInOrder) {
  Exposition e = parseOk("up{a=\"1\"} 1\nup{a=\"1\"} 2\n");
  ASSERT_EQ(e.samples.size(), 2u);
  EXPECT_EQ(e.samples[0].labels, e.samples[1].labels);
  EXPECT_EQ(e.samples[0].value, 1);
  EXPECT_EQ(e.samples[1].value, 2);
}

TEST(PrometheusTextTest, ErrorsNameLineAndColumn) {
  expectErrors(
      {
          {"bad metric name", "ok 1\n\n\n\n9x 1\n", "5:1: invalid metric name \"9x\""},
          {"no metric name", "ok 1\n{a=\"b\"} 1\n", "2:1: expected a metric name, found '{'"},
          {"missing =", "# c\n\nup{job=\"a\",code \"200\"} 1\n",
           "3:17: expected '=' after label name \"code\""},
          {"bad value", "x 1\nrequest_total{a=\"b\"} abc\n", "2:22: invalid value \"abc\""},
          {"duplicate label", "up{job=\"a\",job=\"b\"} 1",
           "1:12: duplicate label \"job\" in sample"},
          {"duplicate empty label", "up{job=\"\",job=\"\"} 1",
           "1:11: duplicate label \"job\" in sample"},
          {"__name__ in braces", "up{__name__=\"x\"} 1",
           "1:4: duplicate label \"__name__\" in sample"},
          {"invalid UTF-8", "up{a=\"\xff\"} 1",
           "1:7: label value is not valid UTF-8 (label \"a\")"},
          {"overlong UTF-8", "up{a=\"\xc0\xaf\"} 1",
           "1:7: label value is not valid UTF-8 (label \"a\")"},
          {"unterminated value", "up{a=\"b} 1", "1:6: unterminated value of label \"a\""},
          {"escaped last quote", "up{a=\"b\\\"} 1", "1:6: unterminated value of label \"a\""},
          {"value spans lines", "up{a=\"b\nc\"} 1", "1:6: unterminated value of label \"a\""},
          {"unquoted value", "up{a=b} 1", "1:6: expected '\"' to start the value of label \"a\""},
          {"missing comma", "up{a=\"1\" b=\"2\"} 1",
           "1:10: expected ',' or '}' after label value, found 'b'"},
          {"unclosed labels", "up{a=\"1\"",
           "1:9: expected ',' or '}' after label value, found end of line"},
          {"label name with digit", "up{1a=\"x\"} 1", "1:4: invalid label name \"1a\""},
          {"lone comma", "up{,} 1", "1:4: expected label name or '}', found ','"},
          {"double comma", "up{a=\"1\",,} 1", "1:10: expected label name, found ','"},
          {"label name with colon", "up{a:b=\"1\"} 1", "1:5: expected '=' after label name \"a\""},
          {"no value", "up{a=\"1\"}\n", "1:10: expected a value after metric \"up\""},
          {"no value, no labels", "up  \t", "1:6: expected a value after metric \"up\""},
          {"junk after timestamp", "up 1 2 3",
           "1:8: expected end of line after the timestamp, "
           "found '3'"},
          {"control byte", "up 1 2 \x01",
           "1:8: expected end of line after the timestamp, "
           "found byte 0x01"},
          {"invalid type", "# TYPE up countr", "1:11: invalid metric type \"countr\""},
          {"empty type", "# TYPE up", "1:10: invalid metric type \"\""},
          {"TYPE without name", "# TYPE \n",
           "1:8: expected a metric name after TYPE, found end "
           "of line"},
          {"HELP with bad name", "# HELP 1up x", "1:8: invalid metric name \"1up\" after HELP"},
          {"HELP with junk after name", "# HELP up{} x",
           "1:10: expected a space after the metric name in HELP, found '{'"},
          {"HELP not UTF-8", "# HELP up \xff", "1:11: help text is not valid UTF-8"},
      },
      kText);
}

TEST(PrometheusTextTest, RejectsCarriageReturnsLikePromparse) {
  // promparse reads the '\r' as part of the value ("1\r") or type and fails; we say why.
  EXPECT_EQ(parseError("up 1\r\n"),
            "1:5: line ends in a carriage return (CRLF line ends are not supported; Prometheus "
            "rejects them too)");
  EXPECT_EQ(parseError("# TYPE up gauge\r\nup 1\n").substr(0, 5), "1:16:");
  EXPECT_EQ(parseError("\r\n").substr(0, 4), "1:1:");
  // A comment may end in anything.
  EXPECT_TRUE(parseOk("# just a comment\r\nup 1\n").samples.size() == 1);
}

TEST(OpenMetricsTest, ParsesTheSpecExamples) {
  Exposition e = parseOk(R"(# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3
acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0
acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
process_cpu_seconds_total 4.20072246e+06
# EOF
)",
                         kOm);
  ASSERT_EQ(e.samples.size(), 8u);
  EXPECT_EQ(e.samples[0].labels.str(),
            R"(acme_http_router_request_seconds_sum{method="GET",path="/api/v1"})");
  EXPECT_EQ(e.samples[0].value, 9036.32);
  EXPECT_EQ(e.samples[7].value, 4.20072246e+06);
  ASSERT_EQ(e.families.size(), 3u);
  EXPECT_EQ(e.families[0].type, "summary");
  EXPECT_EQ(e.families[0].unit, "seconds");
  EXPECT_EQ(e.families[0].help, "Latency though all of ACME's HTTP request router.");
  EXPECT_EQ(e.families[1].name, "go_goroutines");
  EXPECT_EQ(e.families[1].type, "gauge");
  EXPECT_EQ(e.families[2].name, "process_cpu_seconds");
  EXPECT_EQ(e.families[2].type, "counter");
}

TEST(OpenMetricsTest, ParsesEveryTypeOfTheSpec) {
  Exposition e = parseOk(R"(# TYPE a counter
a_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
a_created 1520430000.123
# TYPE b histogram
b_bucket{le="0.01"} 0
b_bucket{le="0.1"} 8 # {} 0.054
b_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
b_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
b_bucket{le="+Inf"} 17
b_count 17
b_sum 324789.3
b_created 1520430000.123
# TYPE c gaugehistogram
c_bucket{le="0.01"} 20.0
c_bucket{le="+Inf"} 42.0
c_gcount 42.0
c_gsum 3289.3
# TYPE d stateset
d{entity="controller",d="a"} 1.0
d{entity="controller",d="bb"} 0.0
# TYPE e info
e_info{name="pretty name",version="8.2.7"} 1
# TYPE f unknown
f 42.23
# TYPE g gauge
g NaN
g{x="y"} -Inf
no_metadata{z="1"} 3
# EOF)",
                         kOm);
  ASSERT_EQ(e.samples.size(), 21u);
  EXPECT_EQ(e.samples[0].labels.str(), "a_total{}");  // the exemplar is dropped
  EXPECT_EQ(e.samples[0].value, 17);
  EXPECT_EQ(e.samples[0].timestampMs, 1520879607789);
  EXPECT_EQ(e.samples[1].labels.metricName(), "a_created");
  EXPECT_EQ(e.samples[1].value, 1520430000.123);
  EXPECT_EQ(e.samples[5].labels.str(), R"(b_bucket{le="10"})");
  EXPECT_FALSE(
      e.samples[5].timestampMs.has_value());  // the exemplar's timestamp is not the sample's
  EXPECT_TRUE(std::isnan(e.samples[18].value));
  EXPECT_EQ(e.samples[20].labels.str(), R"(no_metadata{z="1"})");
  ASSERT_EQ(e.families.size(), 7u);
  std::vector<std::string> types;
  for (const auto& f : e.families)
    types.push_back(f.type);
  EXPECT_EQ(types, (std::vector<std::string>{"counter", "histogram", "gaugehistogram", "stateset",
                                             "info", "unknown", "gauge"}));
}

TEST(OpenMetricsTest, TimestampsAreFloatSecondsConvertedToMilliseconds) {
  struct Case {
    const char* text;
    std::int64_t ms;
  };
  for (const Case& c : std::vector<Case>{{"1520879607.789", 1520879607789},
                                         {"1520879607", 1520879607000},
                                         {"1.001", 1001},   // not 1000 from 1.001 * 1000.0
                                         {"1.0019", 1001},  // truncated, as int64(ts*1000)
                                         {"-1.5", -1500},
                                         {"+2", 2000},
                                         {"0.0005", 0},
                                         {".5", 500},
                                         {"7.", 7000},
                                         {"1e3", 1000000},
                                         {"1.5E-1", 150},
                                         {"0001520879607.789", 1520879607789},
                                         {"922337203685477", 922337203685477000},
                                         {"1234567890123456.5", 1234567890123456512}}) {
    SCOPED_TRACE(c.text);
    Exposition e = parseOk(std::string("m 1 ") + c.text + "\n# EOF\n", kOm);
    ASSERT_EQ(e.samples.size(), 1u);
    EXPECT_EQ(e.samples[0].timestampMs, c.ms);
  }
  for (const char* bad : {"NaN", "Inf", "-Inf", "1e30", "-1e17", "abc", "1.2.3", "0x10", "1_0"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parseError(std::string("m 1 ") + bad + "\n# EOF\n", kOm),
              std::string("1:5: invalid timestamp \"") + bad + "\" (expected float seconds)");
  }
}

TEST(OpenMetricsTest, EofRules) {
  EXPECT_TRUE(parseOk("# EOF", kOm).samples.empty());
  EXPECT_TRUE(parseOk("# EOF\n", kOm).samples.empty());
  EXPECT_EQ(parseOk("m 1\n# EOF", kOm).samples.size(), 1u);
  expectErrors(
      {
          {"empty body", "", "1:1: body does not end with # EOF"},
          {"no EOF", "m 1\n", "2:1: body does not end with # EOF"},
          {"no EOF, no newline", "m 1", "1:4: body does not end with # EOF"},
          {"blank line after EOF", "# EOF\n\n", "2:1: unexpected data after # EOF"},
          {"sample after EOF", "m 1\n# EOF\nm 2\n", "3:1: unexpected data after # EOF"},
          {"blank after EOF", "# EOF ",
           "1:1: expected '# HELP ', '# TYPE ', '# UNIT ' or "
           "'# EOF' (OpenMetrics has no other comments)"},
          {"lower-case eof", "# eof\n",
           "1:1: expected '# HELP ', '# TYPE ', '# UNIT ' or "
           "'# EOF' (OpenMetrics has no other comments)"},
          {"CRLF EOF", "# EOF\r\n",
           "1:6: line ends in a carriage return (CRLF line ends are "
           "not supported; Prometheus rejects them too)"},
      },
      kOm);
}

TEST(OpenMetricsTest, HelpEscapesIncludeTheQuote) {
  Exposition e = parseOk("# HELP m a\\\\b\\nc\\\"d\\te\n# EOF\n", kOm);
  EXPECT_EQ(e.families.at(0).help, "a\\b\nc\"d\\te");
  EXPECT_EQ(parseOk("# HELP m \n# EOF\n", kOm).families.at(0).help, "");
  EXPECT_EQ(parseOk("# HELP m  lead\n# EOF\n", kOm).families.at(0).help, " lead");
}

TEST(OpenMetricsTest, ErrorsNameLineAndColumn) {
  expectErrors(
      {
          {"blank line", "m 1\n\n# EOF\n",
           "2:1: empty line (OpenMetrics does not allow blank lines)"},
          {"comment", "# hello\n# EOF\n",
           "1:1: expected '# HELP ', '# TYPE ', '# UNIT ' or '# EOF' (OpenMetrics has no other "
           "comments)"},
          {"two spaces before value", "up  1\n# EOF\n", "1:4: expected a value, found ' '"},
          {"tab before value", "up\t1\n# EOF\n",
           "1:3: expected ' ' and a value after the metric, found byte 0x09"},
          {"leading blank", " up 1\n# EOF\n", "1:1: expected a metric name, found ' '"},
          {"trailing blank", "up 1 \n# EOF\n",
           "1:6: expected a timestamp or an exemplar, found end of line"},
          {"blank in labels", "up{a=\"1\", b=\"2\"} 1\n# EOF\n",
           "1:10: expected label name, found ' '"},
          {"trailing comma", "up{a=\"1\",} 1\n# EOF\n", "1:10: expected label name after ','"},
          {"blank before =", "up{a =\"1\"} 1\n# EOF\n", "1:5: expected '=' after label name \"a\""},
          {"bad value", "up abc\n# EOF\n", "1:4: invalid value \"abc\""},
          {"bad metric name", "9x 1\n# EOF\n", "1:1: invalid metric name \"9x\""},
          {"junk after timestamp", "up 1 2 3\n# EOF\n",
           "1:7: expected end of line or an exemplar (' # {') after the timestamp, found ' '"},
          {"duplicate label", "up{a=\"1\",a=\"2\"} 1\n# EOF\n",
           "1:10: duplicate label \"a\" in sample"},
          {"second HELP", "# HELP a x\n# HELP a y\n# EOF\n",
           "2:8: second # HELP for metric family \"a\""},
          {"second TYPE", "# TYPE a gauge\n# HELP a x\n# TYPE a gauge\n# EOF\n",
           "3:8: second # TYPE for metric family \"a\""},
          {"TYPE after samples", "a 1\n# TYPE a gauge\n# EOF\n",
           "2:8: # TYPE for metric family \"a\" after its samples"},
          {"interleaved families", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n",
           "5:1: metric family \"a\" appears again after another family (families must not be "
           "interleaved)"},
          {"interleaved samples of a counter",
           "# TYPE a counter\na_total 1\nb 1\na_total 2\n# EOF\n",
           "4:1: metric family \"a_total\" appears again after another family (families must "
           "not be interleaved)"},
          {"metadata again later", "# TYPE a gauge\na 1\nb 1\n# HELP a x\n# EOF\n",
           "4:8: metric family \"a\" appears again after another family (families must not be "
           "interleaved)"},
          {"counter without _total", "# TYPE c counter\nc 1\n# EOF\n",
           "2:1: sample \"c\" of counter family \"c\" needs one of the suffixes _total, _created"},
          {"histogram without suffix", "# TYPE h histogram\nh 1\n# EOF\n",
           "2:1: sample \"h\" of histogram family \"h\" needs one of the suffixes _bucket, "
           "_count, _sum, _created"},
          {"unit not a suffix", "# UNIT a_seconds bytes\n# EOF\n",
           "1:18: unit \"bytes\" is not a suffix of metric name \"a_seconds\""},
          {"unit without underscore", "# UNIT aseconds seconds\n# EOF\n",
           "1:17: unit \"seconds\" is not a suffix of metric name \"aseconds\""},
          {"text-format type", "# TYPE a untyped\n# EOF\n",
           "1:10: invalid metric type \"untyped\""},
          {"upper-case type", "# TYPE a Gauge\n# EOF\n", "1:10: invalid metric type \"Gauge\""},
          {"metadata without blank", "# TYPE a\tgauge\n# EOF\n",
           "1:9: expected ' ' after the metric name, found byte 0x09"},
          {"exemplar value", "a 1 # {x=\"y\"} abc\n# EOF\n",
           "1:15: invalid exemplar value \"abc\""},
          {"exemplar without value", "a 1 # {x=\"y\"}\n# EOF\n",
           "1:14: expected ' ' and a value after the exemplar labels, found end of line"},
          {"exemplar timestamp", "a 1 # {} 1 x\n# EOF\n", "1:12: invalid exemplar timestamp \"x\""},
          {"exemplar junk", "a 1 # {} 1 2 3\n# EOF\n",
           "1:13: expected end of line after the exemplar, found ' '"},
          {"exemplar label UTF-8", "a 1 # {x=\"\xff\"} 1\n# EOF\n",
           "1:11: label value is not valid UTF-8 (label \"x\")"},
          {"exemplar without brace", "a 1 # x\n# EOF\n",
           "1:5: invalid timestamp \"#\" (expected "
           "float seconds)"},
          {"carriage return", "a 1\r\n# EOF\n",
           "1:4: line ends in a carriage return (CRLF line ends are not supported; Prometheus "
           "rejects them too)"},
      },
      kOm);
}

TEST(ExpositionLimitsTest, SampleLimit) {
  ExpositionLimits limits;
  limits.maxSamples = 2;
  EXPECT_EQ(parseOk("# c\na 1\nb 2\n", kText, limits).samples.size(), 2u);
  EXPECT_EQ(parseError("a 1\n# c\nb 2\nc 3\n", kText, limits), "4:1: sample limit of 2 exceeded");
  EXPECT_EQ(parseError("a 1\nb 2\nc 3\n# EOF\n", kOm, limits), "3:1: sample limit of 2 exceeded");
}

TEST(ExpositionLimitsTest, LabelLimitCountsNameAndIgnoresEmptyValues) {
  ExpositionLimits limits;
  limits.maxLabels = 2;
  EXPECT_TRUE(parseExposition("up{a=\"1\"} 1", kText, limits).ok());
  EXPECT_TRUE(parseExposition("up{a=\"1\",b=\"\"} 1", kText, limits).ok());
  EXPECT_EQ(parseError("ok 1\n up{a=\"1\",b=\"2\"} 1", kText, limits),
            "2:2: label limit of 2 exceeded: 3 labels on \"up\"");
}

TEST(ExpositionLimitsTest, LabelNameAndValueLength) {
  ExpositionLimits names;
  names.maxLabelNameLength = 8;
  EXPECT_TRUE(parseExposition("up{abcdefgh=\"1\"} 1", kText, names).ok());
  EXPECT_EQ(parseError("up{abcdefghi=\"1\"} 1", kText, names),
            "1:4: label name \"abcdefghi\" is longer than the limit of 8 bytes");
  names.maxLabelNameLength = 7;  // __name__ itself counts, as in Prometheus
  EXPECT_EQ(parseError("up 1", kText, names),
            "1:1: label name \"__name__\" is longer than the limit of 7 bytes");

  ExpositionLimits values;
  values.maxLabelValueLength = 3;
  EXPECT_TRUE(parseExposition("up{a=\"\\n\\n\\n\"} 1", kText, values).ok());  // 3 after unescaping
  EXPECT_EQ(parseError("up{a=\"abcd\"} 1", kText, values),
            "1:4: value of label \"a\" is longer than the limit of 3 bytes");
  EXPECT_EQ(parseError("long 1", kText, values),
            "1:1: metric name (the value of __name__) is longer than the label value limit of 3 "
            "bytes");
}

TEST(ExpositionPathologicalTest, LongLinesManyLabelsAndEscapesStayLinear) {
  auto start = std::chrono::steady_clock::now();

  std::string longValue(4 << 20, 'x');
  Exposition e = parseOk("m{a=\"" + longValue + "\"} 1\n");
  EXPECT_EQ(e.samples.at(0).labels.get("a").size(), longValue.size());

  std::string escapes;
  for (int i = 0; i < (1 << 20); ++i)
    escapes += "\\\\";
  e = parseOk("m{a=\"" + escapes + "\"} 1\n");
  EXPECT_EQ(e.samples.at(0).labels.get("a").size(), std::size_t{1} << 20);

  std::string many = "m{";
  for (int i = 0; i < 20000; ++i)
    many += "l" + std::to_string(i) + "=\"v\",";
  e = parseOk(many + "} 1\n");
  EXPECT_EQ(e.samples.at(0).labels.size(), 20001u);
  // A duplicate far into a long label set is found, at its column.
  std::string dup = many + "l19999=\"w\"} 1\n";
  std::string message = parseError(dup);
  EXPECT_EQ(message,
            "1:" + std::to_string(many.size() + 1) + ": duplicate label \"l19999\" in sample");

  std::string lines;
  for (int i = 0; i < 200000; ++i)
    lines += "m_" + std::to_string(i) + " 1\n";
  EXPECT_EQ(parseOk(lines + "# EOF\n", kOm).samples.size(), 200000u);

  std::string junk(1 << 20, '{');
  EXPECT_EQ(parseError(junk).substr(0, 4), "1:1:");

  // Error messages quote at most a little of a huge token.
  message = parseError(std::string(100000, '9') + " 1");
  EXPECT_LT(message.size(), 120u);

  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 20.0);  // generous for sanitizer builds; quadratic would take minutes
}

}  // namespace
}  // namespace pharos::metrics
