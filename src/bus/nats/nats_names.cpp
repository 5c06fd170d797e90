#include "bus/nats/nats_names.h"

#include <cctype>

namespace pharos::bus::nats {

std::string encodeName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 8);
  for (char c : name) {
    switch (c) {
      case '_':
        out += "_u";
        break;
      case '.':
        out += "_d";
        break;
      case '-':
        out += "_h";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::optional<std::string> decodeName(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '.' || c == '-') return std::nullopt;
    if (c != '_') {
      out += c;
      continue;
    }
    if (++i == encoded.size()) return std::nullopt;
    switch (encoded[i]) {
      case 'u':
        out += '_';
        break;
      case 'd':
        out += '.';
        break;
      case 'h':
        out += '-';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

bool validPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 32) return false;
  for (char c : prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

NatsNaming::NatsNaming(std::string prefix) : prefix_(std::move(prefix)) {
  for (char c : prefix_)
    streamPrefix_ += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

std::string NatsNaming::queueStream(std::string_view queue) const {
  return streamPrefix_ + "_Q_" + encodeName(queue);
}
std::string NatsNaming::deadStream(std::string_view queue) const {
  return streamPrefix_ + "_D_" + encodeName(queue);
}
std::string NatsNaming::topicStream(std::string_view topic) const {
  return streamPrefix_ + "_T_" + encodeName(topic);
}
std::string NatsNaming::queueSubject(std::string_view queue) const {
  return prefix_ + ".q." + encodeName(queue);
}
std::string NatsNaming::deadSubject(std::string_view queue) const {
  return prefix_ + ".d." + encodeName(queue);
}
std::string NatsNaming::topicSubject(std::string_view topic) const {
  return prefix_ + ".t." + encodeName(topic);
}
std::string NatsNaming::consumer(std::string_view queue) const {
  return encodeName(queue);
}

std::optional<std::string> NatsNaming::nameOfStream(std::string_view stream,
                                                    std::string_view kind) const {
  std::string head = streamPrefix_ + "_" + std::string(kind) + "_";
  if (stream.substr(0, head.size()) != head) return std::nullopt;
  return decodeName(stream.substr(head.size()));
}
std::optional<std::string> NatsNaming::queueOfStream(std::string_view stream) const {
  return nameOfStream(stream, "Q");
}
std::optional<std::string> NatsNaming::topicOfStream(std::string_view stream) const {
  return nameOfStream(stream, "T");
}

}  // namespace pharos::bus::nats
