#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/labels.h"

namespace pharos::alarms {

struct TemplateError {
  std::size_t offset = 0;  // byte offset in the text of what is wrong
  std::string message;
};

// An annotation template, Prometheus-style but deliberately small: literal text with
// `{{ $labels.NAME }}` (or `.Labels.NAME`), `{{ $value }}` (or `.Value`), each optionally
// piped through `humanize` or `humanizePercentage`. Nothing else is accepted, so a template
// can neither loop nor reach anything but the alert's own labels and value: a rule written
// through the API runs nothing.
class Template {
 public:
  // Text without any `{{`.
  Template() = default;
  static std::variant<Template, TemplateError> parse(std::string_view text);

  // A missing label expands to "" (Prometheus' missingkey=zero).
  std::string expand(const Labels& labels, double value) const;
  const std::string& text() const { return text_; }

 private:
  enum class Kind { kText, kLabel, kValue };
  enum class Format { kPlain, kHumanize, kPercentage };
  struct Part {
    Kind kind = Kind::kText;
    std::string text;  // kText: the literal; kLabel: the label name
    Format format = Format::kPlain;
  };
  std::string text_;
  std::vector<Part> parts_;
};

// Prometheus' template functions: 1234567 -> "1.235M", 0.0012 -> "1.2m"; 0.1234 -> "12.34%".
std::string humanize(double value);
std::string humanizePercentage(double value);
// A value as {{ $value }} shows it: the shortest text that reads back as the same double.
std::string formatValue(double value);

}  // namespace pharos::alarms
