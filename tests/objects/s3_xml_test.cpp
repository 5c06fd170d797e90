#include "objects/s3/s3_xml.h"

#include <gtest/gtest.h>

#include "objects/object_test_util.h"

namespace pharos::objects::s3 {
namespace {

using objects::testing::errorCode;

TEST(S3XmlTest, ParsesAListPageWithEntitiesAndNamespace) {
  const char* doc = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><IsTruncated>true</IsTruncated>
  <NextContinuationToken>tok&amp;en+/=</NextContinuationToken>
  <Contents><Key>a/x&lt;1&gt;&#x41;&#66;&quot;&apos;</Key>
    <LastModified>2026-12-05T23:43:54.123Z</LastModified>
    <ETag>&quot;abc&quot;</ETag><Size>42</Size></Contents>
  <!-- a comment -->
  <Contents><Key><![CDATA[b/<raw>&]]></Key><Size> 0 </Size></Contents>
</ListBucketResult>
)";
  auto page = parseListBucketResult(doc);
  ASSERT_TRUE(page.ok()) << page.error().toString();
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->nextContinuationToken, "tok&en+/=");
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a/x<1>AB\"'");
  EXPECT_EQ(page->objects[0].size, 42u);
  ASSERT_TRUE(page->objects[0].lastModified.has_value());
  EXPECT_EQ(toUnixMillis(*page->objects[0].lastModified), 1796514234123);
  EXPECT_EQ(page->objects[1].key, "b/<raw>&");
  EXPECT_EQ(page->objects[1].size, 0u);
  EXPECT_FALSE(page->objects[1].lastModified.has_value());
}

TEST(S3XmlTest, DecodesCharacterReferencesToUtf8) {
  auto root = parseXml("<a>&#233;&#x20AC;&#x1F600;</a>");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->text, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(S3XmlTest, RefusesMalformedDocuments) {
  for (const char* bad :
       {"", "   ", "text", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>", "<a>&amp</a>",
        "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#x110000;</a>", "<a>&#;</a>", "<a></a><b></b>",
        "<a></a>trailing", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "<a><!-- open</a>",
        "<a b=\"unterminated></a>", "<></>", "<a><![CDATA[x</a>"}) {
    EXPECT_EQ(errorCode(parseXml(bad)), ErrorCode::kUnavailable) << bad;
  }
}

TEST(S3XmlTest, BoundsNestingDepth) {
  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += "<a>";
  for (int i = 0; i < 100; ++i)
    deep += "</a>";
  EXPECT_EQ(errorCode(parseXml(deep)), ErrorCode::kUnavailable);
  std::string fine;
  for (int i = 0; i < 10; ++i)
    fine += "<a>";
  for (int i = 0; i < 10; ++i)
    fine += "</a>";
  EXPECT_TRUE(parseXml(fine).ok());
}

TEST(S3XmlTest, SkipsAttributesEvenWithAngleBracketsInQuotes) {
  auto root = parseXml(R"(<r a="x>y" b='/>'><c d="1"/><e>t</e></r>)");
  ASSERT_TRUE(root.ok()) << root.error().toString();
  ASSERT_EQ(root->children.size(), 2u);
  EXPECT_EQ(root->children[0].name, "c");
  EXPECT_EQ(root->child("e")->text, "t");
}

TEST(S3XmlTest, RefusesInconsistentListPages) {
  EXPECT_FALSE(parseListBucketResult("<Other/>").ok());
  EXPECT_FALSE(
      parseListBucketResult("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
          .ok());
  EXPECT_FALSE(
      parseListBucketResult("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
                            "</ListBucketResult>")
          .ok());
  EXPECT_FALSE(parseListBucketResult(
                   "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>")
                   .ok());
  EXPECT_FALSE(
      parseListBucketResult("<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>")
          .ok());
  auto empty = parseListBucketResult("<ListBucketResult/>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_FALSE(empty->truncated);
}

TEST(S3XmlTest, ReadsUploadIdAndErrorBodies) {
  auto id = parseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
      "<UploadId>VXBsb2FkIElE&amp;1</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "VXBsb2FkIElE&1");
  EXPECT_FALSE(parseInitiateMultipartUpload("<InitiateMultipartUploadResult/>").ok());
  EXPECT_FALSE(parseInitiateMultipartUpload("<Error><Code>X</Code></Error>").ok());

  auto error = parseErrorBody(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key &lt;k&gt; does not "
      "exist</Message><Key>k</Key></Error>");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The key <k> does not exist");
  EXPECT_FALSE(parseErrorBody("<CompleteMultipartUploadResult/>").has_value());
  EXPECT_FALSE(parseErrorBody("not xml").has_value());
}

TEST(S3XmlTest, ParsesIsoTimes) {
  EXPECT_EQ(toUnixMillis(parseIsoTime("1970-01-01T00:00:00Z").value()), 0);
  EXPECT_EQ(toUnixMillis(parseIsoTime("2000-02-29T12:00:00.5Z").value()), 951825600500);
  EXPECT_FALSE(parseIsoTime("2000-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(parseIsoTime("2000-01-01T00:00:00").has_value());
  EXPECT_FALSE(parseIsoTime("2000-01-01 00:00:00Z").has_value());
  EXPECT_FALSE(parseIsoTime("2000-01-01T00:00:00.Z").has_value());
  EXPECT_FALSE(parseIsoTime("").has_value());
  // Beyond what system_clock's nanoseconds hold (found by the fuzzer).
  EXPECT_FALSE(parseIsoTime("4000-02-29T12:00:00.5Z").has_value());
  EXPECT_FALSE(parseIsoTime("1969-12-31T23:59:59Z").has_value());
}

}  // namespace
}  // namespace pharos::objects::s3
