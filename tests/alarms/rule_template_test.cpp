#include "alarms/rule_template.h"

#include <gtest/gtest.h>

namespace pharos::alarms {
namespace {

std::string expand(std::string_view text, const Labels& labels, double value) {
  auto parsed = Template::parse(text);
  if (auto* e = std::get_if<TemplateError>(&parsed)) return "error: " + e->message;
  return std::get<Template>(parsed).expand(labels, value);
}

TEST(RuleTemplateTest, SubstitutesLabelsAndValueAsPrometheusDoes) {
  Labels labels{{"instance", "db1:9100"}, {"job", "node"}};
  EXPECT_EQ(expand("{{ $labels.instance }} is at {{ $value }}", labels, 97.25),
            "db1:9100 is at 97.25");
  EXPECT_EQ(expand("{{.Labels.job}}/{{.Value}}", labels, 3), "node/3");
  EXPECT_EQ(expand("missing: [{{ $labels.nope }}]", labels, 0), "missing: []");
  EXPECT_EQ(expand("no fields", labels, 0), "no fields");
  EXPECT_EQ(expand("", labels, 0), "");
  EXPECT_EQ(expand("{{ $value | humanize }}", labels, 1234567), "1.235M");
  EXPECT_EQ(expand("{{ $value | humanize }}", labels, 0.0012), "1.2m");
  EXPECT_EQ(expand("{{ $value | humanizePercentage }}", labels, 0.1234), "12.34%");
}

TEST(RuleTemplateTest, RefusesAnythingElseWithItsOffset) {
  for (const char* bad : {"{{ $labels.x", "{{ range . }}", "{{ $value | printf \"%d\" }}",
                          "{{ $labels.9x }}", "{{ $labels.x | humanize }}"}) {
    auto parsed = Template::parse(bad);
    EXPECT_TRUE(std::holds_alternative<TemplateError>(parsed)) << bad;
  }
  auto parsed = Template::parse("ok {{ $nope }}");
  ASSERT_TRUE(std::holds_alternative<TemplateError>(parsed));
  EXPECT_EQ(std::get<TemplateError>(parsed).offset, 5u);
}

}  // namespace
}  // namespace pharos::alarms
