#include "core/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace pharos {
namespace {

// Help text escapes backslash and newline; label values also escape the double quote.
void appendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  std::to_chars_result r;
  // Counters and byte counts are integers; write them as such, never as 1.5e+09. The bound
  // keeps the conversion to int64 defined.
  if (value == std::trunc(value) && std::fabs(value) < 9.2e18) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, value);  // shortest form that reads back exactly
  }
  out.append(buf, r.ptr);
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view help, std::string_view type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  appendEscaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, std::initializer_list<Label> labels,
                            double value) {
  out_ += name;
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [key, labelValue] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += key;
      out_ += "=\"";
      appendEscaped(out_, labelValue, true);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  appendValue(out_, value);
  out_ += '\n';
}

}  // namespace pharos
