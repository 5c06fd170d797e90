#pragma once

// The per-type request builders behind buildHttpCall (channels.cpp); one file per family.

#include <nlohmann/json.hpp>

#include "notify/channels.h"

namespace pharos::notify::channel {

// Fill `call.request` (method, url, headers, body); the common headers are added afterwards.
void webhook(const ReceiverSpec& spec, const Notification& n, HttpCall& call);
void alertmanager(const ReceiverSpec& spec, const Notification& n, HttpCall& call);
void slack(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
           HttpCall& call);
void discord(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
             HttpCall& call);
void teams(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
           HttpCall& call);
void telegram(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
              HttpCall& call);
void ntfy(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
          HttpCall& call);
void pagerduty(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
               HttpCall& call);
void opsgenie(const ReceiverSpec& spec, const RenderedMessage& m, const Notification& n,
              HttpCall& call);

// `base` + `path` with exactly one '/' between them.
std::string joinUrl(std::string_view base, std::string_view path);
void setJson(HttpCall& call, const nlohmann::json& body);

}  // namespace pharos::notify::channel
