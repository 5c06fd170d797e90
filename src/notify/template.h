#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace pharos::notify {

struct TemplateNode;

// Where a template does not parse: the byte offset in its text and what is wrong there.
struct TemplateError {
  size_t offset = 0;
  std::string message;
};

// A message template in the subset of Go's text/template that Alertmanager users write, so a
// receiver's title and body can be copied from an Alertmanager config:
//
//   {{ .Status }}  {{ .CommonLabels.alertname }}  {{ $.ExternalURL }}   fields of the data
//   {{ range .Alerts }}...{{ else }}...{{ end }}    loops over a list (dot is the element)
//   {{ if eq .Status "firing" }}...{{ else if ... }}...{{ else }}...{{ end }}
//   {{ len .Alerts }}  {{ .Labels.severity | toUpper }}  {{ . | json }}  {{ .X | js }}
//   {{- trims the space before   -}} trims the space after   {{/* a comment */}}
//
// Functions: eq ne lt le gt ge and or not len index join toUpper toLower title trimSpace
// json js html urlquery. Beyond Go: on a map, .SortedPairs (a list of {Name, Value}),
// .Names and .Values; on a list of alerts, .Firing and .Resolved (Alertmanager's methods).
// A missing map key is empty, as with Alertmanager's missingkey=zero. Not supported:
// variables other than $, with, define/template/block, printf.
//
// Immutable after parse; render() may run from any thread.
class Template {
 public:
  static std::variant<Template, TemplateError> parse(std::string_view text);

  // Renders with `data` as dot (and $). kInvalidArgument when a function meets values it
  // cannot take ("lt: cannot compare string with number") or a field is read from a string;
  // kResourceExhausted when the output passes `maxBytes`.
  Result<std::string> render(const nlohmann::json& data, size_t maxBytes = 1 << 20) const;

  const std::string& source() const { return source_; }

 private:
  Template(std::string source, std::shared_ptr<const TemplateNode> root)
      : source_(std::move(source)), root_(std::move(root)) {}
  std::string source_;
  std::shared_ptr<const TemplateNode> root_;
};

// 1-based line and column of byte `offset` of `text`.
std::pair<int, int> lineColumnOf(std::string_view text, size_t offset);

}  // namespace pharos::notify
