#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notify/notification.h"
#include "notify/receiver_spec.h"

namespace pharos::notify {

// A notification's text for one receiver: its templates (or the defaults) rendered.
struct RenderedMessage {
  std::string title;
  std::string text;
  std::string html;  // email only
  // Not empty when a template failed to render: the field(s) fell back to the plain default
  // text (plainTitle/plainText), and the attempt record says so with this message.
  std::string templateError;
};

RenderedMessage renderMessage(const ReceiverSpec& spec, const Notification& n);

// The built-in templates' text, in Go template syntax, for the docs and the API.
std::string_view defaultTitleTemplate();
std::string_view defaultTextTemplate();
std::string_view defaultHtmlTemplate();

// The plain default text, written without templates, so a send never fails for its text:
// "[FIRING:2] HighLatency (api)" and one line per alert.
std::string plainTitle(const Notification& n);
std::string plainText(const Notification& n);

// `s` cut to at most `maxBytes` bytes on a UTF-8 boundary, ending in "…" when cut.
std::string truncateUtf8(std::string_view s, size_t maxBytes);

// core/stable_hash.h's hash as 16 hex digits, for keys that must not change between
// releases (PagerDuty's dedup_key, Opsgenie's alias, the email Message-ID).
std::string stableHex(std::string_view s);

}  // namespace pharos::notify
