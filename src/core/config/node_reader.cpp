#include "core/config/node_reader.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/config/duration.h"
#include "core/config/suggest.h"
#include "core/text.h"

namespace pharos::config {

std::string NodeReader::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

void NodeReader::problem(const Node& at, std::string field, std::string message) {
  problems_.push_back(FieldProblem{std::move(field), at.line, at.column, std::move(message)});
}

void NodeReader::adopt(std::vector<FieldProblem> problems) {
  for (FieldProblem& p : problems)
    problems_.push_back(std::move(p));
}

const std::string* NodeReader::scalar(const Node& v, const std::string& f) {
  if (!v.isScalar()) {
    problem(v, f, fmt::format("{}: expected a single value", f));
    return nullptr;
  }
  return &v.scalar;
}

bool NodeReader::string(const Node& v, const std::string& f, std::string& out) {
  const std::string* s = scalar(v, f);
  if (s == nullptr) return false;
  out = *s;
  return true;
}

bool NodeReader::name(const Node& v, const std::string& f, std::string& out) {
  std::string s;
  if (!string(v, f, s)) return false;
  if (!isValidDefinitionName(s)) {
    problem(
        v, f,
        fmt::format("{}: '{}' is not a valid name (letters, digits, '.', '_', '-'; at most 128)", f,
                    v.shown()));
    return false;
  }
  out = std::move(s);
  return true;
}

bool NodeReader::boolean(const Node& v, const std::string& f, bool& out) {
  const std::string* s = scalar(v, f);
  if (s == nullptr) return false;
  if (*s == "true" || *s == "yes" || *s == "on") {
    out = true;
  } else if (*s == "false" || *s == "no" || *s == "off") {
    out = false;
  } else {
    problem(v, f, fmt::format("{}: expected true or false, got '{}'", f, v.shown()));
    return false;
  }
  return true;
}

bool NodeReader::integer(const Node& v, const std::string& f, std::int64_t& out, std::int64_t min,
                         std::int64_t max) {
  const std::string* s = scalar(v, f);
  if (s == nullptr) return false;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
  if (s->empty() || ec != std::errc() || end != s->data() + s->size()) {
    problem(v, f, fmt::format("{}: expected an integer, got '{}'", f, v.shown()));
    return false;
  }
  if (n < min || n > max) {
    problem(v, f, fmt::format("{}: {} is out of range [{}, {}]", f, n, min, max));
    return false;
  }
  out = n;
  return true;
}

bool NodeReader::number(const Node& v, const std::string& f, double& out, double min, double max) {
  const std::string* s = scalar(v, f);
  if (s == nullptr) return false;
  double n = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
  if (s->empty() || ec != std::errc() || end != s->data() + s->size() || !std::isfinite(n)) {
    problem(v, f, fmt::format("{}: expected a number, got '{}'", f, v.shown()));
    return false;
  }
  if (n < min || n > max) {
    problem(v, f, fmt::format("{}: {} is out of range [{}, {}]", f, v.shown(), min, max));
    return false;
  }
  out = n;
  return true;
}

bool NodeReader::duration(const Node& v, const std::string& f, Millis& out, Millis min,
                          Millis max) {
  const std::string* s = scalar(v, f);
  if (s == nullptr) return false;
  auto d = parseDuration(*s);
  if (!d.ok()) {
    problem(v, f, fmt::format("{}: {}", f, d.error().message));
    return false;
  }
  if (*d < min || *d > max) {
    problem(v, f,
            fmt::format("{}: {} is out of range [{}, {}]", f, v.shown(), formatDuration(min),
                        formatDuration(max)));
    return false;
  }
  out = *d;
  return true;
}

bool NodeReader::strings(const Node& v, const std::string& f, std::vector<std::string>& out) {
  bool good = v.isList();
  list(v, f, [&](const Node& item, const std::string& itemField) {
    std::string s;
    if (string(item, itemField, s)) {
      out.push_back(std::move(s));
    } else {
      good = false;
    }
  });
  return good;
}

bool NodeReader::knownField(std::string_view key, const Node& value,
                            std::span<const std::string_view> known) {
  for (std::string_view k : known)
    if (k == key) return true;
  auto hint = closestMatch(key, known);
  std::string f = field(key);
  problem(value, f,
          fmt::format("unknown field '{}'{}", f,
                      hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string()));
  return false;
}

void appendDiagnostics(const std::vector<FieldProblem>& problems, const std::string& file,
                       std::vector<Diagnostic>& out) {
  for (const FieldProblem& p : problems)
    out.push_back(Diagnostic{file, p.line, p.column, p.message});
}

}  // namespace pharos::config
