#include "core/config/node_json.h"

namespace pharos::config {

Node nodeFromJson(const nlohmann::json& value) {
  Node n;
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      n.kind = Node::Kind::kMap;
      for (const auto& [k, v] : value.items())
        n.members.push_back(NodeMember{k, nodeFromJson(v)});
      break;
    case nlohmann::json::value_t::array:
      n.kind = Node::Kind::kList;
      for (const auto& v : value)
        n.items.push_back(nodeFromJson(v));
      break;
    case nlohmann::json::value_t::string:
      n.kind = Node::Kind::kScalar;
      n.scalar = value.get<std::string>();
      n.quoted = true;
      break;
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      break;
    default:
      n.kind = Node::Kind::kScalar;
      n.scalar = value.dump();
      break;
  }
  n.raw = n.scalar;
  return n;
}

}  // namespace pharos::config
