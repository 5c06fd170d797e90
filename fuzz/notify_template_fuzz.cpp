// Message templates come from the config and the API: parsing never crashes or loops, a parse
// error points inside the text, and rendering a parsed template against alert data ends
// within its output and step limits, whatever the template says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "notify/notification_json.h"
#include "notify/template.h"

namespace {

const nlohmann::json& sampleData() {
  static const nlohmann::json data = [] {
    pharos::notify::Notification n;
    n.id = "01HXAMPLE";
    n.receiver = "ops";
    n.groupKey = "{}:{alertname=\"X\"}";
    n.firing = true;
    n.groupLabels = pharos::Labels{{"alertname", "X"}};
    n.commonLabels = pharos::Labels{{"alertname", "X"}, {"severity", "page"}};
    n.commonAnnotations = pharos::Labels{{"summary", "<b>\"quoted\"</b>"}};
    for (int i = 0; i < 3; ++i) {
      pharos::notify::AlertInfo a;
      a.labels = n.commonLabels.with("instance", "web-" + std::to_string(i));
      a.annotations = n.commonAnnotations;
      a.firing = i != 1;
      a.startsAt = pharos::fromUnixMillis(1'700'000'000'000 + i);
      n.alerts.push_back(a);
    }
    n.externalUrl = "http://pharos.example";
    return pharos::notify::templateData(n, "ops");
  }();
  return data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = pharos::notify::Template::parse(text);
  if (auto* e = std::get_if<pharos::notify::TemplateError>(&parsed)) {
    if (e->offset > text.size()) std::abort();
    auto [line, column] = pharos::notify::lineColumnOf(text, e->offset);
    if (line < 1 || column < 1) std::abort();
    return 0;
  }
  const auto& t = std::get<pharos::notify::Template>(parsed);
  constexpr size_t kMax = 64 * 1024;
  auto out = t.render(sampleData(), kMax);
  if (out.ok() && out->size() > kMax) std::abort();
  return 0;
}
