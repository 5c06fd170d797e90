#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pharos::bus::nats {

// Bus names allow [A-Za-z0-9_.-]; JetStream stream and consumer names forbid '.', and a '.'
// in a subject splits tokens (".a" or "a..b" would be invalid subjects). Every name is therefore
// encoded before it reaches the server: '_' -> "_u", '.' -> "_d", '-' -> "_h". The mapping is
// reversible (decodeName) so listing streams recovers the bus names.
std::string encodeName(std::string_view name);
// nullopt when `encoded` is not the output of encodeName.
std::optional<std::string> decodeName(std::string_view encoded);

// The server-side names of one bus (one prefix). Streams use the upper-cased prefix
// (PHAROS_Q_orders), subjects the prefix as given (pharos.q.orders).
class NatsNaming {
 public:
  explicit NatsNaming(std::string prefix);

  std::string queueStream(std::string_view queue) const;   // <PREFIX>_Q_<enc>
  std::string deadStream(std::string_view queue) const;    // <PREFIX>_D_<enc>
  std::string topicStream(std::string_view topic) const;   // <PREFIX>_T_<enc>
  std::string queueSubject(std::string_view queue) const;  // <prefix>.q.<enc>
  std::string deadSubject(std::string_view queue) const;   // <prefix>.d.<enc>
  std::string topicSubject(std::string_view topic) const;  // <prefix>.t.<enc>
  std::string consumer(std::string_view queue) const;      // <enc>

  // The bus name of a queue (or topic) stream of this prefix, nullopt for any other stream.
  std::optional<std::string> queueOfStream(std::string_view stream) const;
  std::optional<std::string> topicOfStream(std::string_view stream) const;

 private:
  std::optional<std::string> nameOfStream(std::string_view stream, std::string_view kind) const;
  std::string prefix_;
  std::string streamPrefix_;
};

// A prefix is one subject token and part of a stream name: [A-Za-z0-9_]{1,32}.
bool validPrefix(std::string_view prefix);

}  // namespace pharos::bus::nats
