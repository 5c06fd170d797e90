#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "notify/message.h"
#include "notify/notification.h"
#include "notify/receiver_spec.h"

namespace pharos::notify {

// The RFC 5322 message for an email receiver, CRLF line ends: From, To, Subject (RFC 2047
// encoded when not ASCII), Date, Message-ID (the same for a redelivery of the same
// notification, so a mail client shows one), MIME-Version and a multipart/alternative body
// with the text and the HTML part, both quoted-printable UTF-8.
std::string buildEmailMessage(const ReceiverSpec& spec, const Notification& n,
                              const RenderedMessage& m, WallTime now);

// "Pharos <alerts@example.com>" -> "alerts@example.com"; an address without a display name
// is returned trimmed.
std::string emailAddress(std::string_view mailbox);

// Quoted-printable (RFC 2045) with CRLF hard line breaks.
std::string quotedPrintable(std::string_view text);

// RFC 5322's date: "Sat, 05 Dec 2026 06:19:11 +0000".
std::string rfc5322Date(WallTime t);

}  // namespace pharos::notify
