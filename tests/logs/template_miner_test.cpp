#include "logs/template_miner.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "logs/patterns_command.h"
#include "logs/token_masker.h"

namespace pharos::logs {
namespace {

std::string masked(std::string_view message, bool maskPaths = true) {
  MaskedLine line;
  MaskOptions options;
  options.maskPaths = maskPaths;
  maskLine(message, options, line);
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out.append(line.word(i));
  }
  return out;
}

TEST(TokenMasker, MasksGenericVariables) {
  EXPECT_EQ(masked("took 12ms and 3.5 s, 4KB at 100% -7 1e-3"),
            "took <NUM> and <NUM> s, <NUM> at <NUM> <NUM> <NUM>");
  EXPECT_EQ(masked("from 10.0.0.1:8080 and 10.0.0.2 and ::1 and fe80::1:2"),
            "from <IP> and <IP> and <IP> and <IP>");
  EXPECT_EQ(masked("id 123e4567-e89b-12d3-a456-426614174000"), "id <UUID>");
  EXPECT_EQ(masked("at 0x7f3a and deadbeef01 and 00b360e8 and 00106228"),
            "at <HEX> and <HEX> and <HEX> and <HEX>");
  EXPECT_EQ(masked("open /var/log/syslog ./a/b"), "open <PATH> <PATH>");
  EXPECT_EQ(masked("open /var/log/syslog", /*maskPaths=*/false), "open /var/log/syslog");
  EXPECT_EQ(masked("see https://x.io/a?b=1 mail bob@example.com"), "see <URL> mail <EMAIL>");
  EXPECT_EQ(masked("at 15:16:01 on 2017-12-23"), "at <NUM> on <NUM>");
}

TEST(TokenMasker, MasksInsideWords) {
  EXPECT_EQ(masked("rhost=1.2.3.4 uid=0 blk_-4711 attempt_01_m_3"),
            "rhost=<IP> uid=<NUM> blk_<NUM> attempt_<NUM>_m_<NUM>");
  EXPECT_EQ(masked("(uid=0) [pid 42] src: /10.0.0.1:50010"), "(uid=<NUM>) [pid <NUM>] src: /<IP>");
  EXPECT_EQ(masked("host.example.com:5070 onExtend:1514038530000"),
            "host.example.com:<NUM> onExtend:<NUM>");
}

TEST(TokenMasker, SplitsAtAnyWhiteSpaceAndKeepsPlainWords) {
  EXPECT_EQ(masked("  a\tb\r\nc  "), "a b c");
  EXPECT_EQ(masked(""), "");
  EXPECT_EQ(masked("plain words stay"), "plain words stay");
}

TEST(TokenMasker, LongLinesKeepAWildcardTail) {
  std::string line;
  for (int i = 0; i < 10; ++i)
    line += "w ";
  MaskedLine out;
  MaskOptions options;
  options.maxWords = 4;
  maskLine(line, options, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.word(3), "<*>");
  maskLine("w w w w", options, out);  // exactly maxWords: no tail
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.word(3), "w");
}

TEST(TemplateMiner, SameLineSameId) {
  TemplateMiner miner;
  auto first = miner.add("disk full on volume data");
  EXPECT_TRUE(first.created);
  auto second = miner.add("disk full on volume data");
  EXPECT_FALSE(second.created);
  EXPECT_FALSE(second.changed);
  EXPECT_EQ(first.id, second.id);
  EXPECT_EQ(miner.templateText(first.id), "disk full on volume data");
  EXPECT_EQ(miner.match("disk full on volume data"), first.id);
}

TEST(TemplateMiner, MasksVariablesInTemplates) {
  TemplateMiner miner;
  auto a = miner.add("connect to 10.1.2.3 failed after 120ms");
  auto b = miner.add("connect to 192.168.0.9 failed after 7ms");
  EXPECT_EQ(a.id, b.id);
  EXPECT_FALSE(b.changed);
  EXPECT_EQ(miner.templateText(a.id), "connect to <IP> failed after <NUM>");
}

TEST(TemplateMiner, GeneralisesOneDifferingWord) {
  TemplateMiner miner;
  // The first depth-2 words key the tree (Drain): variables further on generalise.
  auto a = miner.add("session opened for alice from the web console");
  auto b = miner.add("session opened for bob from the web console");
  EXPECT_EQ(a.id, b.id);
  EXPECT_TRUE(b.changed);
  EXPECT_EQ(miner.templateText(a.id), "session opened for <*> from the web console");
  auto c = miner.add("session opened for carol from the web console");
  EXPECT_EQ(c.id, a.id);
  EXPECT_FALSE(c.changed);
}

// Found by the fuzzer: a line holding a mask's text literally ("<NUM>") made a tree child of
// that name, and a masked line ("7") was then filed under it while lookups go to "<*>": every
// later "7" made a new template.
TEST(TemplateMiner, AMaskedWordIsFoundAfterALiteralMaskText) {
  TemplateMiner miner;
  auto literal = miner.add("<NUM> retries");
  auto masked = miner.add("7 retries");
  EXPECT_TRUE(masked.created);
  EXPECT_EQ(miner.match("7 retries"), masked.id);
  auto again = miner.add("8 retries");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.id, masked.id);
  EXPECT_EQ(miner.match("<NUM> retries"), literal.id);
}

TEST(TemplateMiner, DifferentWordCountsAreDifferentTemplates) {
  TemplateMiner miner;
  auto a = miner.add("job finished");
  auto b = miner.add("job finished early");
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(miner.clusterCount(), 2u);
}

TEST(TemplateMiner, DissimilarLinesStayApart) {
  TemplateMiner miner;
  auto a = miner.add("cache warmed for tenant");
  auto b = miner.add("cache evicted stale entries");
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(miner.match("cache purged old rows"), std::nullopt);
  EXPECT_EQ(miner.clusterCount(), 2u);  // match() learns nothing
}

TEST(TemplateMiner, EmptyLinesShareOneTemplate) {
  TemplateMiner miner;
  auto a = miner.add("");
  auto b = miner.add("   ");
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(miner.templateText(a.id), "");
}

TEST(TemplateMiner, UnknownIdsResolveToThemselves) {
  TemplateMiner miner;
  EXPECT_EQ(miner.resolve(12345), 12345u);
  EXPECT_EQ(miner.templateText(12345), "");
}

TEST(TemplateMiner, SnapshotRestoreKeepsIdsAndLearning) {
  MinerOptions options;
  TemplateMiner miner(options);
  auto a = miner.add("connect to 10.1.2.3 failed after 120ms");
  auto b = miner.add("worker stopped alpha after the deadline passed");
  miner.add("worker stopped beta after the deadline passed");
  auto restored = TemplateMiner::restore(miner.snapshot(), options);
  ASSERT_TRUE(restored.ok()) << restored.error().toString();
  EXPECT_EQ(restored->snapshot(), miner.snapshot());
  EXPECT_EQ(restored->add("connect to 10.9.9.9 failed after 1ms").id, a.id);
  EXPECT_EQ(restored->add("worker stopped gamma after the deadline passed").id, b.id);
  EXPECT_EQ(restored->templateText(b.id), "worker stopped <*> after the deadline passed");
  // New templates continue the id sequence: no id is reused.
  auto fresh = restored->add("a completely new kind of line");
  auto original = miner.add("a completely new kind of line");
  EXPECT_TRUE(fresh.created);
  EXPECT_EQ(fresh.id, original.id);
  EXPECT_GT(fresh.id, b.id);
}

TEST(TemplateMiner, RestoreRejectsGarbage) {
  MinerOptions options;
  EXPECT_FALSE(TemplateMiner::restore("", options).ok());
  EXPECT_FALSE(TemplateMiner::restore("hello", options).ok());
  TemplateMiner miner;
  miner.add("one two three");
  std::string good = miner.snapshot();
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(TemplateMiner::restore(good.substr(0, cut), options).ok()) << cut;
  }
  EXPECT_FALSE(TemplateMiner::restore(good + "x", options).ok());
  MinerOptions deeper = options;
  deeper.depth = 6;
  auto other = TemplateMiner::restore(good, deeper);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kDataLoss);
}

// Under fixed options a generalisation never reproduces another template; after a restore
// with a lower similarity it can, and the two then merge into the older id.
TEST(TemplateMiner, MergesTwinsIntoTheOlderId) {
  MinerOptions strict;
  strict.similarity = 0.9;
  TemplateMiner before(strict);
  auto older = before.add("x y a c d");
  auto younger = before.add("x y <*> c d");  // 4/5 < 0.9: a second template
  ASSERT_NE(older.id, younger.id);
  MinerOptions loose;
  loose.similarity = 0.7;
  auto miner = TemplateMiner::restore(before.snapshot(), loose);
  ASSERT_TRUE(miner.ok());
  EXPECT_EQ(miner->clusterCount(), 2u);
  // 4/5 with both: the older wins the tie and generalises into the younger's text.
  auto merged = miner->add("x y z c d");
  EXPECT_EQ(merged.id, older.id);
  EXPECT_TRUE(merged.changed);
  EXPECT_EQ(miner->clusterCount(), 1u);
  EXPECT_EQ(miner->resolve(younger.id), older.id);
  EXPECT_EQ(miner->resolve(older.id), older.id);
  EXPECT_EQ(miner->templateText(younger.id), "x y <*> c d");
  EXPECT_EQ(miner->add("x y <*> c d").id, older.id);
  // The merge map survives a snapshot.
  auto again = TemplateMiner::restore(miner->snapshot(), loose);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->resolve(younger.id), older.id);
  EXPECT_EQ(again->snapshot(), miner->snapshot());
}

TEST(TemplateMiner, MaxClustersBoundsMemory) {
  MinerOptions options;
  options.maxClusters = 3;
  TemplateMiner miner(options);
  miner.add("alpha one");
  miner.add("bravo two three");
  miner.add("charlie four five six");
  EXPECT_EQ(miner.clusterCount(), 3u);
  auto over1 = miner.add("delta seven eight nine ten");
  EXPECT_TRUE(over1.created);
  auto over2 = miner.add("echo eleven twelve thirteen fourteen");
  EXPECT_FALSE(over2.created);
  EXPECT_EQ(over1.id, over2.id);  // one overflow template per word count
  EXPECT_EQ(miner.templateText(over1.id), "<*> <*> <*> <*> <*>");
  auto over3 = miner.add("foxtrot golf");
  EXPECT_NE(over3.id, over1.id);
  EXPECT_EQ(miner.clusterCount(), 5u);  // 3 learned + 2 overflow
  for (int i = 0; i < 1000; ++i)
    miner.add("line " + std::string(i % 7 + 1, 'x') + " end");
  EXPECT_LE(miner.clusterCount(), 3u + 10u);
  // Learned clusters still match and generalise.
  EXPECT_EQ(miner.add("alpha one").id, 1u);
  // The overflow survives a snapshot.
  auto restored = TemplateMiner::restore(miner.snapshot(), options);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->add("hotel india juliet kilo lima").id, over1.id);
}

TEST(Patterns, WritesOneCsvRowPerLineWithFinalTemplates) {
  std::istringstream in("user logged alice in\r\nuser logged bob in\r\n\r\nbye, \"all\"");
  std::ostringstream out;
  ASSERT_TRUE(runPatterns(in, out, PatternsFormat::kRaw).ok());
  // Both rows carry the final template, though the first line was mined before the second.
  EXPECT_EQ(out.str(),
            "1,user logged <*> in\n"
            "1,user logged <*> in\n"
            "2,\n"
            "3,\"bye, \"\"all\"\"\"\n");
}

TEST(Patterns, LastLineWithoutNewlineCounts) {
  std::istringstream in("a b\nc d e");
  std::ostringstream out;
  ASSERT_TRUE(runPatterns(in, out, PatternsFormat::kRaw).ok());
  EXPECT_EQ(out.str(), "1,a b\n2,c d e\n");
}

TEST(Patterns, JsonTakesTheMessageField) {
  std::istringstream in(
      "{\"message\":\"disk 1 full\"}\n{\"msg\":\"disk 2 full\",\"level\":\"warn\"}\n"
      "{\"log\":\"disk 3 full\"}\nnot json\n{\"other\":1}\n");
  std::ostringstream out;
  ASSERT_TRUE(runPatterns(in, out, PatternsFormat::kJson).ok());
  EXPECT_EQ(out.str(),
            "1,disk <NUM> full\n1,disk <NUM> full\n1,disk <NUM> full\n2,not json\n"
            "3,\"{\"\"other\"\":<NUM>}\"\n");
}

TEST(Patterns, CsvFieldQuoting) {
  std::string out;
  appendCsvField(out, "plain");
  out.push_back('|');
  appendCsvField(out, "a,b");
  out.push_back('|');
  appendCsvField(out, "say \"hi\"");
  out.push_back('|');
  appendCsvField(out, "two\nlines");
  EXPECT_EQ(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"");
}

}  // namespace
}  // namespace pharos::logs
