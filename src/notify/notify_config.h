#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "core/config/node.h"
#include "core/config/node_reader.h"
#include "notify/outbox.h"
#include "notify/receiver_spec.h"

namespace pharos::notify {

// The config's `notify:` section:
//   notify:
//     retry: {max_attempts: 10, backoff_base: 5s, backoff_max: 5m, visibility_timeout: 3m}
//     breaker: {failure_threshold: 5, cooldown: 1m}
//     workers: 2
//     receivers: [ {name: ..., type: ..., ...}, ... ]
struct NotifyConfig {
  OutboxOptions outbox;
  std::vector<ReceiverSpec> receivers;
};

// Reads the section (a null node: the defaults); problems name "notify.receivers[2].url" and
// the like, with their place in the file. Receiver names must be unique; the visibility
// timeout must exceed every receiver's timeout.
std::variant<NotifyConfig, std::vector<config::FieldProblem>> parseNotifyConfig(
    const config::Node& section, std::string_view path = "notify");

}  // namespace pharos::notify
