#pragma once

#include <string_view>

#include "core/config/config.h"
#include "core/result.h"
#include "net/outbound_client.h"
#include "notify/receiver_spec.h"

namespace pharos::notify {

// Sends one RFC 5322 message (buildEmailMessage) to an email receiver's smarthost with libcurl.
// The host is resolved and judged by the outbound client (OutboundPurpose::kReceivers) first,
// and curl is pinned to the judged address (CURLOPT_RESOLVE) and to the smtp and smtps
// protocols, with proxies off, so it cannot connect anywhere the policy has not seen.
// `starttls: true` makes STARTTLS required (the send fails if the server does not offer it);
// `tls: true` speaks smtps. Returns the server's last reply code (250).
// Errors: the policy's kPermissionDenied; kUnavailable (retryable) for connection, TLS, AUTH
// or a refused recipient, with curl's reason (never a password).
Result<int> sendEmail(net::OutboundClient& client, const ReceiverSpec& spec,
                      std::string_view message);

// Whether `spec` may be used in `env`: staging and prod refuse an email receiver that sends
// in the clear (neither starttls nor tls). kFailedPrecondition naming the receiver.
Status checkReceiverForEnvironment(const ReceiverSpec& spec, config::Environment env);

}  // namespace pharos::notify
