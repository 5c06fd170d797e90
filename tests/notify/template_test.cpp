#include "notify/template.h"

#include <gtest/gtest.h>

#include "notify/message.h"
#include "notify/notification_json.h"
#include "notify_test_util.h"

namespace pharos::notify {
namespace {

using nlohmann::json;

std::string render(std::string_view text, const json& data) {
  auto parsed = Template::parse(text);
  if (auto* e = std::get_if<TemplateError>(&parsed)) {
    ADD_FAILURE() << "parse error at " << e->offset << ": " << e->message;
    return "";
  }
  auto out = std::get<Template>(parsed).render(data);
  if (!out.ok()) {
    ADD_FAILURE() << out.error().message;
    return "";
  }
  return *out;
}

TemplateError parseError(std::string_view text) {
  auto parsed = Template::parse(text);
  if (auto* e = std::get_if<TemplateError>(&parsed)) return *e;
  ADD_FAILURE() << "parsed: " << text;
  return {};
}

json data() {
  return templateData(testing::notification("n1", "ops"), "ops");
}

TEST(TemplateTest, FieldsAndText) {
  EXPECT_EQ(render("status={{ .Status }}", data()), "status=firing");
  EXPECT_EQ(render("{{ .CommonLabels.alertname }}", data()), "HighLatency");
  EXPECT_EQ(render("{{ .ExternalURL }}/x", data()), "http://pharos.example/x");
  EXPECT_EQ(render("[{{ .CommonLabels.missing }}]", data()), "[]");  // missingkey=zero
  EXPECT_EQ(render("no actions", data()), "no actions");
}

TEST(TemplateTest, RangeAndDollar) {
  EXPECT_EQ(render("{{ range .Alerts }}{{ .Labels.alertname }}@{{ $.Receiver }};{{ end }}", data()),
            "HighLatency@ops;");
  EXPECT_EQ(render("{{ range .Alerts.Resolved }}x{{ else }}none{{ end }}", data()), "none");
  EXPECT_EQ(render("{{ len .Alerts.Firing }}", data()), "1");
  EXPECT_EQ(
      render("{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }},{{ end }}", data()),
      "alertname=HighLatency,severity=critical,");
  EXPECT_EQ(render("{{ join \", \" .GroupLabels.Values }}", data()), "HighLatency");
}

TEST(TemplateTest, IfElseAndComparisons) {
  std::string t = R"({{ if eq .Status "firing" }}F{{ else }}R{{ end }})";
  EXPECT_EQ(render(t, data()), "F");
  EXPECT_EQ(render(t, json{{"Status", "resolved"}}), "R");
  std::string chain = R"({{ if eq .X 1 }}one{{ else if eq .X 2 }}two{{ else }}many{{ end }})";
  EXPECT_EQ(render(chain, json{{"X", 1}}), "one");
  EXPECT_EQ(render(chain, json{{"X", 2}}), "two");
  EXPECT_EQ(render(chain, json{{"X", 3}}), "many");
  EXPECT_EQ(render("{{ if and .A (not .B) }}y{{ end }}", json{{"A", true}, {"B", false}}), "y");
  EXPECT_EQ(render("{{ if gt (len .Alerts) 0 }}some{{ end }}", data()), "some");
  EXPECT_EQ(render("{{ if ne .Status \"resolved\" \"x\" }}y{{ end }}", data()), "y");
}

TEST(TemplateTest, PipesAndEscaping) {
  EXPECT_EQ(render("{{ .CommonLabels.severity | toUpper }}", data()), "CRITICAL");
  EXPECT_EQ(render("{{ .X | toLower | title }}", json{{"X", "HELLO world"}}), "Hello World");
  EXPECT_EQ(render(R"({"t": {{ .X | json }}})", json{{"X", "a\"b\n"}}), R"({"t": "a\"b\n"})");
  EXPECT_EQ(render("{{ .X | js }}", json{{"X", "it's <b>\"x\""}}),
            "it\\u0027s \\u003cb\\u003e\\\"x\\\"");
  EXPECT_EQ(render("{{ .X | html }}", json{{"X", "<a href='x'>&"}}),
            "&lt;a href=&#39;x&#39;&gt;&amp;");
  EXPECT_EQ(render("{{ . | json }}", json{{"a", 1}}), R"({"a":1})");
  EXPECT_EQ(render("{{ index .CommonLabels \"alertname\" }}", data()), "HighLatency");
}

TEST(TemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(render("a  {{- .X -}}  \n b", json{{"X", "x"}}), "axb");
  EXPECT_EQ(render("a{{/* note */}}b", json::object()), "ab");
  EXPECT_EQ(render("{{-3}}", json::object()), "-3");
}

TEST(TemplateTest, ParseErrorsCarryTheirOffset) {
  TemplateError e = parseError("hello {{ .Status ");
  EXPECT_EQ(e.offset, 6u);
  EXPECT_NE(e.message.find("missing }}"), std::string::npos) << e.message;

  e = parseError("{{ if .X }}never closed");
  EXPECT_EQ(e.offset, 3u);
  EXPECT_NE(e.message.find("unclosed {{if}}"), std::string::npos);

  e = parseError("line1\n  {{ frobnicate .X }}");
  EXPECT_EQ(e.offset, 11u);
  EXPECT_NE(e.message.find("function 'frobnicate' not defined"), std::string::npos);
  EXPECT_EQ(lineColumnOf("line1\n  {{ frobnicate .X }}", e.offset), std::make_pair(2, 6));

  EXPECT_NE(parseError("{{ end }}").message.find("unexpected"), std::string::npos);
  EXPECT_NE(parseError("{{ .A .B }}").message.find("non-function"), std::string::npos);
  EXPECT_NE(parseError("{{ \"open }}").message.find("unterminated"), std::string::npos);
  EXPECT_NE(parseError("{{ $x := 1 }}").message.find("variables"), std::string::npos);
  EXPECT_NE(parseError("{{ with .X }}{{ end }}").message.find("not supported"), std::string::npos);
}

TEST(TemplateTest, RenderErrors) {
  auto t = std::get<Template>(Template::parse("{{ lt .A .B }}"));
  auto r = t.render(json{{"A", "x"}, {"B", 1}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot compare"), std::string::npos);

  auto field = std::get<Template>(Template::parse("{{ .A.B }}")).render(json{{"A", "s"}});
  ASSERT_FALSE(field.ok());

  auto big = std::get<Template>(
      Template::parse("{{ range .L }}{{ range $.L }}xxxxxxxxxx{{ end }}{{ end }}"));
  json list = json::array();
  for (int i = 0; i < 1000; ++i)
    list.push_back(i);
  auto tooBig = big.render(json{{"L", list}}, 64 * 1024);
  ASSERT_FALSE(tooBig.ok());
  EXPECT_EQ(tooBig.error().code, ErrorCode::kResourceExhausted);
}

// Both found by the fuzzer: an empty range body took no steps, and `json` piped into itself
// doubles its backslashes each time, so neither the step nor the output bound stopped them.
TEST(TemplateTest, ShortTemplatesCannotAskForUnboundedWork) {
  auto emptyLoop = std::get<Template>(Template::parse("{{ range 99999999999 }}{{ end }}"));
  auto looped = emptyLoop.render(json::object());
  ASSERT_FALSE(looped.ok());
  EXPECT_EQ(looped.error().code, ErrorCode::kResourceExhausted);

  std::string nested = "{{ .A";
  for (int i = 0; i < 40; ++i)
    nested += " | json";
  nested += " }}";
  auto grown = std::get<Template>(Template::parse(nested)).render(json{{"A", "\\"}}, 64 * 1024);
  ASSERT_FALSE(grown.ok());
  EXPECT_EQ(grown.error().code, ErrorCode::kResourceExhausted);

  auto joined = std::get<Template>(Template::parse("{{ join (json (json (json .S))) .L }}"));
  json list = json::array();
  for (int i = 0; i < 1000; ++i)
    list.push_back(i);
  auto tooLong = joined.render(json{{"S", std::string(100, '"')}, {"L", list}}, 64 * 1024);
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error().code, ErrorCode::kResourceExhausted);
}

TEST(TemplateTest, DefaultTemplatesParseAndRender) {
  for (std::string_view t :
       {defaultTitleTemplate(), defaultTextTemplate(), defaultHtmlTemplate()}) {
    ASSERT_TRUE(std::holds_alternative<Template>(Template::parse(t))) << t;
  }
  Notification n = testing::notification("n1", "ops");
  ReceiverSpec spec = testing::receiver(R"({"name":"ops","type":"discord","url":"http://x/y"})");
  RenderedMessage m = renderMessage(spec, n);
  EXPECT_EQ(m.title, "[FIRING:1] HighLatency (HighLatency)");
  EXPECT_NE(m.text.find("[FIRING] HighLatency: HighLatency on web-1"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("Source: http://pharos.example/alerts/HighLatency"), std::string::npos);
  EXPECT_TRUE(m.templateError.empty());

  n.firing = false;
  n.alerts[0].firing = false;
  EXPECT_EQ(renderMessage(spec, n).title, "[RESOLVED] HighLatency (HighLatency)");
}

TEST(TemplateTest, FailingTemplateFallsBackToPlainText) {
  Notification n = testing::notification("n1", "ops");
  ReceiverSpec spec = testing::receiver(
      R"({"name":"ops","type":"discord","url":"http://x/y","title":"{{ lt .Status 3 }}"})");
  RenderedMessage m = renderMessage(spec, n);
  EXPECT_EQ(m.title, "[FIRING:1] HighLatency");
  EXPECT_NE(m.templateError.find("title: lt: cannot compare"), std::string::npos)
      << m.templateError;
}

}  // namespace
}  // namespace pharos::notify
