// Any bytes as an S3 XML response body (a listing, an upload id, an error): the parser must
// return a value or an error, never crash, loop or recurse without bound; a listing it accepts
// must be one the store can page through (a truncated page always has a token).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "objects/s3/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto page = pharos::objects::s3::parseListBucketResult(input);
  if (page.ok() && page->truncated && page->nextContinuationToken.empty()) std::abort();
  pharos::objects::s3::parseInitiateMultipartUpload(input).ignore();
  auto error = pharos::objects::s3::parseErrorBody(input);
  (void)error;
  auto when = pharos::objects::s3::parseIsoTime(input);
  (void)when;
  return 0;
}
