#include "notify/message.h"

#include <fmt/format.h>

#include "core/stable_hash.h"
#include "notify/notification_json.h"

namespace pharos::notify {
namespace {

constexpr std::string_view kDefaultTitle =
    R"([{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}] )"
    R"({{ .CommonLabels.alertname }}{{ if .GroupLabels.SortedPairs }} ({{ join ", " .GroupLabels.Values }}){{ end }})";

constexpr std::string_view kDefaultText =
    "{{ range .Alerts }}[{{ .Status | toUpper }}] {{ .Labels.alertname }}"
    "{{ if .Annotations.summary }}: {{ .Annotations.summary }}{{ end }}\n"
    "{{ if .Annotations.description }}{{ .Annotations.description }}\n{{ end }}"
    "Labels:{{ range .Labels.SortedPairs }} {{ .Name }}={{ .Value }}{{ end }}\n"
    "Since: {{ .StartsAt }}\n"
    "{{ if .GeneratorURL }}Source: {{ .GeneratorURL }}\n{{ end }}"
    "{{ end }}";

constexpr std::string_view kDefaultHtml =
    "<html><body><h2>{{ .Status | toUpper | html }}: {{ .CommonLabels.alertname | html }}</h2>"
    "{{ range .Alerts }}<p><b>[{{ .Status | toUpper }}] {{ .Labels.alertname | html }}</b>"
    "{{ if .Annotations.summary }}: {{ .Annotations.summary | html }}{{ end }}<br>"
    "{{ if .Annotations.description }}{{ .Annotations.description | html }}<br>{{ end }}"
    "{{ range .Labels.SortedPairs }}{{ .Name | html }}={{ .Value | html }} {{ end }}<br>"
    "{{ if .GeneratorURL }}<a href=\"{{ .GeneratorURL | html }}\">Source</a>{{ end }}</p>"
    "{{ end }}{{ if .ExternalURL }}<p><a href=\"{{ .ExternalURL | html }}\">Pharos</a></p>{{ end }}"
    "</body></html>";

const Template& builtIn(std::string_view text) {
  // Parsed once; the texts are constants that the tests parse too.
  static const Template title = std::get<Template>(Template::parse(kDefaultTitle));
  static const Template body = std::get<Template>(Template::parse(kDefaultText));
  static const Template html = std::get<Template>(Template::parse(kDefaultHtml));
  if (text == kDefaultTitle) return title;
  if (text == kDefaultText) return body;
  return html;
}

std::string titlePrefix(const Notification& n) {
  size_t firing = 0;
  for (const AlertInfo& a : n.alerts)
    firing += a.firing ? 1 : 0;
  return n.firing ? fmt::format("[FIRING:{}] ", firing) : std::string("[RESOLVED] ");
}

}  // namespace

std::string_view defaultTitleTemplate() {
  return kDefaultTitle;
}
std::string_view defaultTextTemplate() {
  return kDefaultText;
}
std::string_view defaultHtmlTemplate() {
  return kDefaultHtml;
}

std::string plainTitle(const Notification& n) {
  std::string out = titlePrefix(n);
  out += n.commonLabels.get("alertname");
  return out;
}

std::string plainText(const Notification& n) {
  std::string out;
  for (const AlertInfo& a : n.alerts) {
    out += a.firing ? "[FIRING] " : "[RESOLVED] ";
    out += a.labels.str();
    if (a.annotations.has("summary")) out += fmt::format(": {}", a.annotations.get("summary"));
    out += '\n';
  }
  if (!n.externalUrl.empty()) out += n.externalUrl + '\n';
  return out;
}

RenderedMessage renderMessage(const ReceiverSpec& spec, const Notification& n) {
  RenderedMessage m;
  nlohmann::json data = templateData(n, spec.name);
  auto one = [&](const std::optional<Template>& custom, std::string_view fallbackTemplate,
                 std::string_view field, std::string plain) {
    const Template& t = custom ? *custom : builtIn(fallbackTemplate);
    auto rendered = t.render(data, 256 * 1024);
    if (rendered.ok()) return std::move(rendered).value();
    if (!m.templateError.empty()) m.templateError += "; ";
    m.templateError += fmt::format("{}: {}", field, rendered.error().message);
    return plain;
  };
  m.title = one(spec.title, kDefaultTitle, "title", plainTitle(n));
  m.text = one(spec.text, kDefaultText, "text", plainText(n));
  if (spec.type == ReceiverType::kEmail) m.html = one(spec.html, kDefaultHtml, "html", "");
  return m;
}

std::string truncateUtf8(std::string_view s, size_t maxBytes) {
  if (s.size() <= maxBytes) return std::string(s);
  constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  if (maxBytes < kEllipsis.size()) return std::string();
  size_t cut = maxBytes - kEllipsis.size();
  // Back up to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(s.substr(0, cut)) + std::string(kEllipsis);
}

std::string stableHex(std::string_view s) {
  return fmt::format("{:016x}", stableHash(s));
}

}  // namespace pharos::notify
