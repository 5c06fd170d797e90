#include "promql/render.h"

#include <charconv>
#include <cmath>

#include "core/text.h"

namespace pharos::promql {
namespace {

void appendLabels(std::string& out, const Labels& labels) {
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    appendJsonString(out, l.name);
    out += ':';
    appendJsonString(out, l.value);
  }
  out += '}';
}

// [1700000000.123,"1.5"]
void appendPoint(std::string& out, std::int64_t t, double v) {
  out += '[';
  appendPromTimestamp(out, t);
  out += ",\"";
  appendPromFloat(out, v);
  out += "\"]";
}

std::string_view typeName(QueryResult::Type type) {
  switch (type) {
    case QueryResult::Type::kMatrix:
      return "matrix";
    case QueryResult::Type::kVector:
      return "vector";
    case QueryResult::Type::kScalar:
      return "scalar";
    case QueryResult::Type::kString:
      return "string";
  }
  return "vector";
}

}  // namespace

void appendPromFloat(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  // The longest fixed form of a double is about 330 characters (1e308, 5e-324).
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  out.append(buf, r.ptr);
}

void appendPromTimestamp(std::string& out, std::int64_t ms) {
  std::uint64_t magnitude =
      ms < 0 ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms);
  if (ms < 0) out += '-';
  out += std::to_string(magnitude / 1000);
  std::uint64_t fraction = magnitude % 1000;
  if (fraction != 0) {
    char digits[4] = {'.', static_cast<char>('0' + fraction / 100),
                      static_cast<char>('0' + fraction / 10 % 10),
                      static_cast<char>('0' + fraction % 10)};
    out.append(digits, 4);
  }
}

std::string renderQueryResult(const QueryResult& result) {
  std::string out;
  std::size_t points = 0;
  for (const auto& s : result.series)
    points += s.points.size();
  out.reserve(64 + points * 32 + result.series.size() * 64);
  out += R"({"status":"success","data":{"resultType":")";
  out += typeName(result.type);
  out += R"(","result":)";
  switch (result.type) {
    case QueryResult::Type::kString:
      out += '[';
      appendPromTimestamp(out, result.time);
      out += ',';
      appendJsonString(out, result.text);
      out += ']';
      break;
    case QueryResult::Type::kScalar:
      if (result.series.empty() || result.series[0].points.empty()) {
        out += "null";
      } else {
        appendPoint(out, result.series[0].points[0].t, result.series[0].points[0].v);
      }
      break;
    case QueryResult::Type::kVector:
    case QueryResult::Type::kMatrix: {
      bool matrix = result.type == QueryResult::Type::kMatrix;
      out += '[';
      for (std::size_t k = 0; k < result.series.size(); ++k) {
        const auto& s = result.series[k];
        if (k > 0) out += ',';
        out += R"({"metric":)";
        appendLabels(out, s.labels);
        if (matrix) {
          out += R"(,"values":[)";
          for (std::size_t i = 0; i < s.points.size(); ++i) {
            if (i > 0) out += ',';
            appendPoint(out, s.points[i].t, s.points[i].v);
          }
          out += ']';
        } else if (!s.points.empty()) {
          out += R"(,"value":)";
          appendPoint(out, s.points[0].t, s.points[0].v);
        }
        out += '}';
      }
      out += ']';
      break;
    }
  }
  out += '}';
  if (!result.warnings.empty()) {
    out += R"(,"warnings":[)";
    for (std::size_t i = 0; i < result.warnings.size(); ++i) {
      if (i > 0) out += ',';
      appendJsonString(out, result.warnings[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string renderError(std::string_view errorType, std::string_view message) {
  std::string out = R"({"status":"error","errorType":)";
  appendJsonString(out, errorType);
  out += R"(,"error":)";
  appendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace pharos::promql
