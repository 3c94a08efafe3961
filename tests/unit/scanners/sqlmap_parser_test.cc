// sqlmap console-output adapter on sqlmap 1.7.2's real output for the
// vulnerable test app (crawl run, single-URL runs, its log and target.txt,
// an unreachable target, a TERM=xterm run), on hand-made malformed blocks,
// and on truncated, garbage and oversized input.
#include "common/scanners/sqlmap_parser.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;

const Finding* FindParameter(const ParseResult& result, const std::string& parameter) {
  for (const Finding& f : result.findings) {
    if (f.parameter == parameter) return &f;
  }
  return nullptr;
}

using PointKey = std::tuple<std::string, std::string, std::string>;  // method, url, parameter

std::set<PointKey> Points(const ParseResult& result) {
  std::set<PointKey> points;
  for (const Finding& f : result.findings) points.insert({f.http_method, f.url, f.parameter});
  return points;
}

TEST(SqlmapParserTest, CrawlRunFindsTheLoginFormAndTheItemId) {
  auto parsed = ParseSqlmapLog(ReadFileOrFail(FixturePath("sqlmap.txt")), "ignored");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->skipped_records, 0u);
  ASSERT_EQ(parsed->findings.size(), 3u);
  EXPECT_EQ(Points(*parsed),
            (std::set<PointKey>{{"POST", "http://127.0.0.1:40733/login", "user"},
                                {"POST", "http://127.0.0.1:40733/login", "password"},
                                {"GET", "http://127.0.0.1:40733/item?id=1", "id"}}));

  const Finding* id = FindParameter(*parsed, "id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->tool, "sqlmap");
  EXPECT_EQ(id->tool_version, "1.7.2#stable");  // from the banner, not the argument
  EXPECT_EQ(id->rule_id, "sql-injection");
  EXPECT_EQ(id->title, "SQL injection");
  EXPECT_EQ(id->severity, Severity::kHigh);
  EXPECT_EQ(id->confidence, "high");
  EXPECT_EQ(id->cwes, std::vector<int>{89});
  EXPECT_TRUE(id->path.empty());
  EXPECT_EQ(id->line, 0);
  EXPECT_EQ(id->evidence,
            "Type: boolean-based blind | Title: AND boolean-based blind - WHERE or HAVING clause"
            " | Payload: id=1 AND 7729=7729\n"
            "Type: UNION query | Title: Generic UNION query (NULL) - 1 column | Payload: id=1 "
            "UNION ALL SELECT CHAR(113,98,122,113,113)||CHAR(99,89,78,116,88,73,102,112,106,75,"
            "116,114,82,117,103,78,74,103,113,117,75,100,66,73,109,89,90,118,65,112,88,80,106,115,"
            "83,103,90,87,89,76)||CHAR(113,113,112,107,113)-- ywxb");
  EXPECT_EQ(id->message,
            "sqlmap confirmed SQL injection in GET parameter 'id' of "
            "http://127.0.0.1:40733/item?id=1: boolean-based blind, UNION query (back-end DBMS: "
            "SQLite)");

  const Finding* user = FindParameter(*parsed, "user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->http_method, "POST");
  EXPECT_TRUE(
      user->evidence.starts_with("Type: UNION query | Title: Generic UNION query (NULL) - "
                                 "1 column | Payload: user=IDdN' UNION ALL SELECT"))
      << user->evidence;
  EXPECT_NE(user->message.find("(back-end DBMS: SQLite)"), std::string::npos);

  std::set<std::string> fingerprints;
  for (const Finding& f : parsed->findings) fingerprints.insert(f.fingerprint);
  EXPECT_EQ(fingerprints.size(), 3u);
  EXPECT_EQ(fingerprints.count(""), 0u);
}

TEST(SqlmapParserTest, LogFileAloneHasNoUrlButTargetFileSuppliesIt) {
  const std::string log = ReadFileOrFail(FixturePath("sqlmap_log.txt"));
  auto alone = ParseSqlmapLog(log, "1.7.2#stable");
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  ASSERT_EQ(alone->findings.size(), 1u);
  const Finding& f = alone->findings[0];
  EXPECT_EQ(f.tool_version, "1.7.2#stable");  // the log has no banner
  EXPECT_EQ(f.parameter, "id");
  EXPECT_EQ(f.http_method, "GET");
  EXPECT_TRUE(f.url.empty());
  EXPECT_NE(f.evidence.find("Type: boolean-based blind"), std::string::npos);
  EXPECT_NE(f.evidence.find("\nType: UNION query"), std::string::npos);
  EXPECT_NE(f.message.find("(back-end DBMS: SQLite)"), std::string::npos);

  // target.txt has no trailing newline; whoever joins the files adds one.
  auto joined = ParseSqlmapLog(ReadFileOrFail(FixturePath("sqlmap_target.txt")) + "\n" + log, "");
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  ASSERT_EQ(joined->findings.size(), 1u);
  EXPECT_EQ(joined->findings[0].url, "http://127.0.0.1:40733/item?id=1");
  EXPECT_EQ(joined->findings[0].http_method, "GET");
  EXPECT_NE(joined->findings[0].fingerprint, f.fingerprint);  // the URL is part of it
}

TEST(SqlmapParserTest, TerminalEscapesAndCarriageReturnsAreIgnored) {
  const std::string output = ReadFileOrFail(FixturePath("sqlmap_xterm.txt"));
  ASSERT_NE(output.find('\x1b'), std::string::npos);  // the fixture really has them
  auto parsed = ParseSqlmapLog(output, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->skipped_records, 0u);
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].url, "http://127.0.0.1:40733/item?id=1");
  EXPECT_EQ(parsed->findings[0].tool_version, "1.7.2#stable");
  EXPECT_EQ(parsed->findings[0].evidence,
            "Type: boolean-based blind | Title: AND boolean-based blind - WHERE or HAVING clause"
            " | Payload: id=1 AND 9080=9080");
}

TEST(SqlmapParserTest, NothingInjectableIsCleanAndUnreachableIsAnError) {
  auto clean = ParseSqlmapLog(ReadFileOrFail(FixturePath("sqlmap_clean.txt")), "");
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_TRUE(clean->findings.empty());
  EXPECT_EQ(clean->skipped_records, 0u);

  for (const char* empty_log : {"", "\n", "  \r\n"}) {
    auto parsed = ParseSqlmapLog(empty_log, "");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_TRUE(parsed->findings.empty());
  }

  // sqlmap exits 0 here too; only its [CRITICAL] lines tell.
  auto down = ParseSqlmapLog(ReadFileOrFail(FixturePath("sqlmap_unreachable.txt")), "");
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(down.status().message().find("unable to connect to the target URL"), std::string::npos)
      << down.status().ToString();
}

TEST(SqlmapParserTest, MalformedEntriesAreSkippedAndRepeatedPointsMerged) {
  const std::string output =
      "[*] starting @ 10:00:00 /2026-01-01/\n"
      "[1/1] URL:\n"
      "PUT http://app.test:8080/api/v1/items?id=7\n"
      "sqlmap identified the following injection point(s) with a total of 9 HTTP(s) requests:\n"
      "---\n"
      "Parameter: broken\n"  // no place
      "    Type: error-based\n"
      "\n"
      "Parameter: empty (GET)\n"  // no technique
      "\n"
      "Parameter: orphan (GET)\n"
      "    Title: a title before any Type\n"
      "\n"
      "Parameter: JSON id ((custom) POST)\n"
      "    Type: time-based blind\n"
      "    Title: SQLite > 2.0 AND time-based blind (heavy query)\n"
      "    Payload: {\"id\": \"7 AND 1=1\n"
      "-- a payload with a line break\"}\n"
      "    Vector: AND [RANDNUM]=[INFERENCE]\n"
      "\n"
      "Parameter: session (Cookie)\n"
      "    Type: boolean-based blind\n"
      "    Title: t\n"
      "    Payload: session=1 AND 2=2\n"
      "---\n"
      "sqlmap resumed the following injection point(s) from stored session:\n"
      "---\n"
      "Parameter: session (Cookie)\n"
      "    Type: boolean-based blind\n"
      "    Title: t\n"
      "    Payload: session=1 AND 2=2\n"
      "\n"
      "    Type: stacked queries\n"
      "    Title: s\n"
      "    Payload: session=1;SELECT 1\n"
      "\n"
      "Parameter: id (PUT)\n"
      "    Type: UNION query\n"
      "---\n"
      "[*] ending @ 10:00:09 /2026-01-01/\n";
  auto parsed = ParseSqlmapLog(output, "1.7.2");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->skipped_records, 3u);
  ASSERT_EQ(parsed->findings.size(), 3u);
  const Finding& json = parsed->findings[0];
  EXPECT_EQ(json.parameter, "JSON id");
  EXPECT_EQ(json.http_method, "POST");
  EXPECT_EQ(json.url, "http://app.test:8080/api/v1/items?id=7");
  EXPECT_NE(json.evidence.find("7 AND 1=1\n-- a payload with a line break\"}"), std::string::npos)
      << json.evidence;
  EXPECT_EQ(json.evidence.find("RANDNUM"), std::string::npos);  // Vector lines are dropped
  const Finding& cookie = parsed->findings[1];
  EXPECT_EQ(cookie.parameter, "session");
  EXPECT_EQ(cookie.http_method, "PUT");  // a cookie rides on the target's request
  EXPECT_EQ(cookie.evidence,
            "Type: boolean-based blind | Title: t | Payload: session=1 AND 2=2\n"
            "Type: stacked queries | Title: s | Payload: session=1;SELECT 1");
  EXPECT_EQ(parsed->findings[2].http_method, "PUT");  // sqlmap prints --method as the place
}

TEST(SqlmapParserTest, ForeignInputIsDataLoss) {
  for (std::string bad : {std::string("hello world\n"), std::string("{\"results\": []}"),
                          std::string("\xff\xfe\x00\x01garbage", 12),
                          std::string("Parameter: id (GET)\n"), std::string("---\n---\n")}) {
    EXPECT_EQ(ParseSqlmapLog(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  std::string noise(200000, '\0');
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919) % 251);
  auto parsed = ParseSqlmapLog(noise, "");  // may or may not resemble sqlmap; must not crash
  if (parsed.ok()) {
    EXPECT_TRUE(parsed->findings.empty());
  }
}

// Every prefix of a real output either fails, admits a missing part, is blank
// (which reads as an empty log: nothing injectable), or (cut where nothing
// more was to come) equals the whole.
void ExpectPrefixesAreHonest(const std::string& full) {
  auto whole = ParseSqlmapLog(full, "v");
  ASSERT_TRUE(whole.ok());
  for (size_t length = 0; length < full.size(); ++length) {
    auto parsed = ParseSqlmapLog(full.substr(0, length), "v");
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss) << length;
      continue;
    }
    EXPECT_LE(parsed->findings.size(), whole->findings.size()) << length;
    const bool blank = full.find_first_not_of(" \t\r\n") >= length;  // reads as an empty log
    if (parsed->skipped_records == 0 && !blank) {
      EXPECT_EQ(Points(*parsed), Points(*whole)) << "prefix of " << length << " bytes";
    }
  }
}

TEST(SqlmapParserTest, EveryTruncationIsDataLossOrCounted) {
  ExpectPrefixesAreHonest(ReadFileOrFail(FixturePath("sqlmap.txt")));
  ExpectPrefixesAreHonest(ReadFileOrFail(FixturePath("sqlmap_log.txt")));
  auto cut = ParseSqlmapLog(ReadFileOrFail(FixturePath("sqlmap_log.txt")).substr(0, 200), "");
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->findings.empty());
  EXPECT_EQ(cut->skipped_records, 1u);  // the entry of the open block
}

TEST(SqlmapParserTest, LargeOutputIsBoundedAndOversizedIsRefused) {
  std::string big = "[*] starting @ 10:00:00 /2026-01-01/\n";
  for (int i = 0; i < 100000; ++i) big += "[10:00:01] [INFO] testing 'something slow'\n";
  big +=
      "sqlmap identified the following injection point(s) with a total of 1 HTTP(s) requests:\n"
      "---\nParameter: q (GET)\n    Type: boolean-based blind\n    Title: " +
      std::string(100000, 'T') + "\n    Payload: q=" + std::string(100000, 'p') +
      "\n---\n[*] ending @ 10:09:00 /2026-01-01/\n";
  auto parsed = ParseSqlmapLog(big, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_LE(parsed->findings[0].evidence.size(), 4096u);
  EXPECT_EQ(parsed->skipped_records, 0u);

  std::string oversized((size_t{64} << 20) + 1, '\n');
  EXPECT_EQ(ParseSqlmapLog(oversized, "").status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace scanfleet
