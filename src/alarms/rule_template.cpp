#include "alarms/rule_template.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "core/text.h"

namespace pharos::alarms {

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

std::string humanize(double value) {
  if (value == 0 || std::isnan(value) || std::isinf(value)) return fmt::format("{:.4g}", value);
  static constexpr std::array<const char*, 8> kBig = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static constexpr std::array<const char*, 8> kSmall = {"m", "u", "n", "p", "f", "a", "z", "y"};
  double v = value;
  if (std::fabs(v) >= 1) {
    const char* prefix = "";
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return fmt::format("{:.4g}{}", v, prefix);
  }
  const char* prefix = "";
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return fmt::format("{:.4g}{}", v, prefix);
}

std::string humanizePercentage(double value) {
  return fmt::format("{:.4g}%", value * 100);
}

std::variant<Template, TemplateError> Template::parse(std::string_view text) {
  Template t;
  t.text_ = std::string(text);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      t.parts_.push_back({Kind::kText, std::string(text.substr(pos)), Format::kPlain});
      break;
    }
    if (open > pos) t.parts_.push_back({Kind::kText, std::string(text.substr(pos, open - pos))});
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return TemplateError{open, "'{{' without '}}'"};
    std::string_view inner = text.substr(open + 2, close - open - 2);
    std::size_t innerStart = open + 2;
    Part part;
    std::size_t bar = inner.find('|');
    if (bar != std::string_view::npos) {
      std::string_view fn = trimSpaces(inner.substr(bar + 1));
      if (fn == "humanize") {
        part.format = Format::kHumanize;
      } else if (fn == "humanizePercentage") {
        part.format = Format::kPercentage;
      } else {
        return TemplateError{
            innerStart + bar + 1,
            fmt::format("unknown function '{}' (humanize or humanizePercentage)", fn)};
      }
      inner = inner.substr(0, bar);
    }
    std::string_view expr = trimSpaces(inner);
    auto labelName = [&]() -> std::string_view {
      for (std::string_view prefix : {std::string_view("$labels."), std::string_view(".Labels.")}) {
        if (expr.starts_with(prefix)) return expr.substr(prefix.size());
      }
      return {};
    };
    if (expr == "$value" || expr == ".Value") {
      part.kind = Kind::kValue;
    } else if (std::string_view name = labelName(); !name.empty()) {
      if (!isValidLabelName(name)) {
        return TemplateError{innerStart, fmt::format("'{}' is not a label name", name)};
      }
      part.kind = Kind::kLabel;
      part.text = std::string(name);
    } else {
      return TemplateError{innerStart,
                           fmt::format("'{{{{{}}}}}': expected $labels.NAME or $value", inner)};
    }
    if (part.kind == Kind::kLabel && part.format != Format::kPlain) {
      return TemplateError{innerStart, "humanize applies to $value only"};
    }
    t.parts_.push_back(std::move(part));
    pos = close + 2;
  }
  return t;
}

std::string Template::expand(const Labels& labels, double value) const {
  if (parts_.empty()) return text_;
  std::string out;
  for (const Part& p : parts_) {
    switch (p.kind) {
      case Kind::kText:
        out += p.text;
        break;
      case Kind::kLabel:
        out += labels.get(p.text);
        break;
      case Kind::kValue:
        out += p.format == Format::kHumanize     ? humanize(value)
               : p.format == Format::kPercentage ? humanizePercentage(value)
                                                 : formatValue(value);
        break;
    }
  }
  return out;
}

}  // namespace pharos::alarms
