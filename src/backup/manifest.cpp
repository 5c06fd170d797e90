#include "backup/manifest.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "backup/digest.h"
#include "crypto/hex.h"

namespace pharos::backup {

using nlohmann::json;

std::string manifestKey(std::string_view id) {
  return std::string(kBackupsPrefix) + std::string(id) + "/manifest.json";
}

std::string partKey(std::string_view id, size_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "/part-%05zu", number);
  return std::string(kBackupsPrefix) + std::string(id) + name;
}

namespace {

json toJson(const Manifest& m) {
  json files = json::array();
  for (const ManifestFile& f : m.files) {
    files.push_back({{"path", f.path}, {"size", f.size}, {"blake2b", f.blake2b}});
  }
  json parts = json::array();
  for (const ManifestPart& p : m.parts) {
    parts.push_back({{"key", p.key}, {"size", p.size}, {"blake2b", p.blake2b}});
  }
  json j{{"format", m.format},
         {"id", m.id},
         {"created_at_ms", toUnixMillis(m.createdAt)},
         {"duration_ms", m.duration.count()},
         {"key_id", m.keyId},
         {"pharos_version", m.pharosVersion},
         {"schema_versions", m.schemaVersions},
         {"files", files},
         {"raw_bytes", m.rawBytes},
         {"compressed_bytes", m.compressedBytes},
         {"stored_bytes", m.storedBytes},
         {"part_bytes", m.partBytes},
         {"part_count", m.parts.size()},
         {"parts", parts}};
  if (m.dataKey) {
    const crypto::WrappedDataKey& k = *m.dataKey;
    j["data_key"] = {{"id", k.id},
                     {"purpose", crypto::purposeName(k.purpose)},
                     {"generation", k.generation},
                     {"master_key_id", k.masterKeyId},
                     {"wrapped", crypto::hexEncode(k.wrapped)}};
  }
  return j;
}

Result<crypto::WrappedDataKey> dataKeyFromJson(const json& j) {
  crypto::WrappedDataKey k;
  k.id = j.at("id").get<std::string>();
  PHAROS_ASSIGN_OR_RETURN(k.purpose, crypto::parsePurpose(j.at("purpose").get<std::string>()));
  k.generation = j.at("generation").get<int>();
  k.masterKeyId = j.at("master_key_id").get<std::string>();
  PHAROS_ASSIGN_OR_RETURN(k.wrapped, crypto::hexDecode(j.at("wrapped").get<std::string>()));
  return k;
}

std::string canonical(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Error damaged(std::string message) {
  return makeError(ErrorCode::kDataLoss, "backup manifest: " + std::move(message));
}

}  // namespace

std::string encodeManifest(const Manifest& manifest) {
  json j = toJson(manifest);
  const std::string checksum = blake2bHex(canonical(j));
  j["checksum"] = checksum;
  return canonical(j);
}

Result<Manifest> decodeManifest(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return damaged("not a JSON object");
  auto checksum = j.find("checksum");
  if (checksum == j.end() || !checksum->is_string()) return damaged("no checksum");
  const std::string expected = checksum->get<std::string>();
  j.erase("checksum");
  if (blake2bHex(canonical(j)) != expected) return damaged("checksum mismatch");
  // The checksum matched, so a type error below is a writer bug or a future format.
  try {
    Manifest m;
    m.format = j.at("format").get<int>();
    if (m.format != 1 && m.format != 2) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "backup manifest format " + std::to_string(m.format) + " is newer");
    }
    m.id = j.at("id").get<std::string>();
    m.createdAt = fromUnixMillis(j.at("created_at_ms").get<int64_t>());
    m.duration = Millis(j.at("duration_ms").get<int64_t>());
    m.keyId = j.at("key_id").get<std::string>();
    if (m.format >= 2) {
      Result<crypto::WrappedDataKey> key = dataKeyFromJson(j.at("data_key"));
      if (!key.ok()) return damaged("data_key: " + key.error().message);
      m.dataKey = std::move(key).value();
    }
    m.pharosVersion = j.at("pharos_version").get<std::string>();
    m.schemaVersions = j.at("schema_versions").get<std::map<std::string, int>>();
    for (const json& f : j.at("files")) {
      m.files.push_back({f.at("path").get<std::string>(), f.at("size").get<uint64_t>(),
                         f.at("blake2b").get<std::string>()});
    }
    m.rawBytes = j.at("raw_bytes").get<uint64_t>();
    m.compressedBytes = j.at("compressed_bytes").get<uint64_t>();
    m.storedBytes = j.at("stored_bytes").get<uint64_t>();
    m.partBytes = j.at("part_bytes").get<uint64_t>();
    for (const json& p : j.at("parts")) {
      m.parts.push_back({p.at("key").get<std::string>(), p.at("size").get<uint64_t>(),
                         p.at("blake2b").get<std::string>()});
    }
    if (j.at("part_count").get<size_t>() != m.parts.size()) return damaged("part count mismatch");
    return m;
  } catch (const json::exception& e) {
    return damaged(std::string("malformed: ") + e.what());
  }
}

}  // namespace pharos::backup
