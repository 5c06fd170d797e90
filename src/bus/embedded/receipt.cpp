#include "bus/embedded/receipt.h"

#include <charconv>

#include <fmt/format.h>

#include "core/ids.h"

namespace pharos::bus {
namespace {

constexpr size_t kTokenDigits = 16;
constexpr size_t kMaxReceiptLength = 64;

Error badReceipt(std::string_view text) {
  // Echo only a bounded, printable prefix: the text comes from a client.
  std::string shown;
  for (char c : text.substr(0, 40))
    shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("malformed receipt '{}': expected <id>.<16 hex digits>", shown));
}

}  // namespace

std::string formatReceipt(const Receipt& receipt) {
  return fmt::format("{}.{:016x}", receipt.id, static_cast<uint64_t>(receipt.token));
}

Result<Receipt> parseReceipt(std::string_view text) {
  if (text.size() > kMaxReceiptLength) return badReceipt(text);
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0) return badReceipt(text);
  std::string_view idPart = text.substr(0, dot);
  std::string_view tokenPart = text.substr(dot + 1);
  if (tokenPart.size() != kTokenDigits) return badReceipt(text);

  Receipt out;
  auto [idEnd, idErr] = std::from_chars(idPart.data(), idPart.data() + idPart.size(), out.id);
  if (idErr != std::errc() || idEnd != idPart.data() + idPart.size() || out.id <= 0) {
    return badReceipt(text);
  }
  uint64_t token = 0;
  auto [tokEnd, tokErr] =
      std::from_chars(tokenPart.data(), tokenPart.data() + tokenPart.size(), token, 16);
  if (tokErr != std::errc() || tokEnd != tokenPart.data() + tokenPart.size()) {
    return badReceipt(text);
  }
  out.token = static_cast<int64_t>(token);
  return out;
}

int64_t newReceiptToken() {
  std::string hex = randomHex(8);
  uint64_t token = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), token, 16);
  return static_cast<int64_t>(token);
}

}  // namespace pharos::bus
