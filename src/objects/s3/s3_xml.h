#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace pharos::objects::s3 {

// The few S3 XML responses the S3 store reads, parsed by a small, careful parser of our own:
// no DTDs, no external entities, bounded depth, every entity decoded or refused. A response
// we cannot parse is an error value (kUnavailable: the server misbehaved), never a crash.

// An element: its local name (any "ns:" prefix dropped), the decoded text directly inside it
// and its child elements in document order. Attributes are skipped.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  // The first child with this name, or null.
  const XmlElement* child(std::string_view childName) const;
};

// Parses one document: an optional prolog (<?xml ...?>, comments), one root element, and
// only whitespace or comments after it. CDATA sections are read as text; a DOCTYPE is refused.
Result<XmlElement> parseXml(std::string_view document);

struct ListedObject {
  std::string key;  // the full key in the bucket
  uint64_t size = 0;
  std::optional<WallTime> lastModified;
};

// One page of ListObjectsV2 (ListBucketResult).
struct ListPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string nextContinuationToken;  // non-empty when truncated
};
Result<ListPage> parseListBucketResult(std::string_view document);

// InitiateMultipartUploadResult's UploadId.
Result<std::string> parseInitiateMultipartUpload(std::string_view document);

// An <Error> body. CompleteMultipartUpload can answer 200 with one, so callers check for it.
struct S3ErrorBody {
  std::string code;
  std::string message;
};
std::optional<S3ErrorBody> parseErrorBody(std::string_view document);

// "2026-12-05T23:43:54.000Z" (ISO 8601 in UTC, fraction optional).
std::optional<WallTime> parseIsoTime(std::string_view text);

}  // namespace pharos::objects::s3
