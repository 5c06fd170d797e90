#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pharos::bus {

// A delivery handle: the message id plus a token drawn for the receive() that delivered it.
// The token is stored with the message and replaced on every delivery, so a receipt from an
// earlier delivery no longer matches (stale: kNotFound), and a receipt cannot be guessed.
// Text form: "<id>.<16 hex digits>".
struct Receipt {
  int64_t id = 0;
  int64_t token = 0;
};

std::string formatReceipt(const Receipt& receipt);
// kInvalidArgument for anything that formatReceipt() did not produce.
Result<Receipt> parseReceipt(std::string_view text);
// A fresh token from the operating system's CSPRNG (one per receive() call, shared by the
// messages it delivers: the id tells them apart).
int64_t newReceiptToken();

}  // namespace pharos::bus
