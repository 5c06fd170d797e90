#include "logs/patterns_command.h"

#include <exception>
#include <istream>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace pharos::logs {
namespace {

// The message of a json-format line; the line itself when it has none.
std::string jsonMessage(const std::string& line) {
  try {
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object()) {
      for (const char* key : {"message", "msg", "log"}) {
        auto it = doc.find(key);
        if (it != doc.end() && it->is_string()) return it->get<std::string>();
      }
    }
  } catch (const std::exception&) {
    // Not expected with allow_exceptions=false; a line we cannot read is its own message.
  }
  return line;
}

}  // namespace

void appendCsvField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

Status runPatterns(std::istream& in, std::ostream& out, PatternsFormat format,
                   MinerOptions options) {
  TemplateMiner miner(options);
  std::vector<std::uint64_t> ids;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::uint64_t id =
        format == PatternsFormat::kJson ? miner.add(jsonMessage(line)).id : miner.add(line).id;
    ids.push_back(id);
  }
  if (in.bad()) return makeError(ErrorCode::kIo, "patterns: reading the input failed");
  std::unordered_map<std::uint64_t, std::string> rows;  // final id -> "id,template\n"
  std::string buffer;
  for (std::uint64_t id : ids) {
    std::uint64_t final = miner.resolve(id);
    auto it = rows.find(final);
    if (it == rows.end()) {
      std::string row = std::to_string(final);
      row.push_back(',');
      appendCsvField(row, miner.templateText(final));
      row.push_back('\n');
      it = rows.emplace(final, std::move(row)).first;
    }
    buffer.append(it->second);
    if (buffer.size() >= (1 << 16)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();
  if (!out) return makeError(ErrorCode::kIo, "patterns: writing the output failed");
  return okStatus();
}

}  // namespace pharos::logs
