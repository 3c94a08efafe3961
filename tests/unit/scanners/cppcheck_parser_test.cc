// cppcheck XML v2 adapter on a real report with several locations, an
// inconclusive hit and a location-less run message
// (tests/fixtures/scanners/cppcheck_defects.xml), on every severity, and on
// hostile input: truncation at every byte, garbage, non-UTF-8, odd attribute
// values, deep nesting, entity bombs and a very large report.
#include <gtest/gtest.h>

#include <climits>
#include <set>
#include <string>

#include "common/scanners/cppcheck_xml_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;

// A cppcheck 2.10 XML v2 report whose <errors> holds `errors_xml`.
std::string Report(const std::string& errors_xml) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<results version=\"2\">\n"
         "<cppcheck version=\"2.10\"/>\n<errors>\n" +
         errors_xml + "</errors>\n</results>\n";
}

std::string Error(const std::string& attributes, const std::string& location) {
  return "<error " + attributes + ">" + location + "</error>\n";
}

TEST(CppcheckParserTest, DefectsFixtureFieldByField) {
  auto parsed = ParseCppcheckXmlV2(ReadFileOrFail(FixturePath("cppcheck_defects.xml")), "ignored");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  // 12 <error>s: 11 with a location, missingInclude (no location) is neither a
  // finding nor a skipped record.
  ASSERT_EQ(parsed->findings.size(), 11u);
  EXPECT_EQ(parsed->skipped_records, 0u);
  for (const Finding& f : parsed->findings) {
    EXPECT_EQ(f.tool, "cppcheck");
    EXPECT_EQ(f.tool_version, "2.10") << "the report's own version wins";
    EXPECT_NE(f.rule_id, "missingInclude");
    EXPECT_EQ(f.snippet, "");
    EXPECT_FALSE(f.fingerprint.empty());
  }

  const Finding& auto_variables = parsed->findings[0];
  EXPECT_EQ(auto_variables.rule_id, "autoVariables");
  EXPECT_EQ(auto_variables.severity, Severity::kHigh);
  EXPECT_EQ(auto_variables.confidence, "low") << "inconclusive=\"true\"";
  EXPECT_EQ(auto_variables.cwes, std::vector<int>{562});
  EXPECT_EQ(auto_variables.path, "defects.c");
  EXPECT_EQ(auto_variables.line, 35);
  EXPECT_EQ(auto_variables.column, 3);
  EXPECT_EQ(auto_variables.title,
            "Address of local auto-variable assigned to a function parameter.");
  EXPECT_EQ(auto_variables.message.rfind("Function parameter is assigned the address", 0), 0u);

  const Finding& leak = parsed->findings[1];
  EXPECT_EQ(leak.rule_id, "memleak");
  EXPECT_EQ(leak.severity, Severity::kHigh);
  EXPECT_EQ(leak.confidence, "medium");
  EXPECT_EQ(leak.cwes, std::vector<int>{401});
  EXPECT_EQ(leak.line, 23);
  EXPECT_EQ(leak.message, "Memory leak: data");

  const Finding& null_check = parsed->findings[2];
  EXPECT_EQ(null_check.rule_id, "nullPointerRedundantCheck");
  EXPECT_EQ(null_check.severity, Severity::kMedium);
  EXPECT_EQ(null_check.cwes, std::vector<int>{476});
  EXPECT_EQ(null_check.line, 15) << "first <location> (the dereference), not the check on 16";
  EXPECT_EQ(null_check.column, 14);
  EXPECT_NE(null_check.title.find("'config==NULL'"), std::string::npos) << "entities decoded";

  EXPECT_EQ(parsed->findings[3].rule_id, "unusedStructMember");
  EXPECT_EQ(parsed->findings[3].severity, Severity::kLow);  // style
  EXPECT_EQ(parsed->findings[3].cwes, std::vector<int>{563});

  // Two hits of one rule on one line of a file in a subdirectory: two findings.
  const Finding& first_hit = parsed->findings[5];
  const Finding& second_hit = parsed->findings[6];
  EXPECT_EQ(first_hit.rule_id, "arrayIndexOutOfBounds");
  EXPECT_EQ(second_hit.rule_id, "arrayIndexOutOfBounds");
  EXPECT_EQ(first_hit.path, "lib/two_hits.c");
  EXPECT_EQ(first_hit.line, 3);
  EXPECT_EQ(second_hit.line, 3);
  EXPECT_EQ(first_hit.column, 21);
  EXPECT_EQ(second_hit.column, 31);
  EXPECT_EQ(first_hit.cwes, std::vector<int>{788});
  EXPECT_NE(first_hit.fingerprint, second_hit.fingerprint);

  const Finding& unused_function = parsed->findings[10];
  EXPECT_EQ(unused_function.rule_id, "unusedFunction");
  EXPECT_EQ(unused_function.path, "lib/two_hits.c");
  EXPECT_EQ(unused_function.column, 0) << "cppcheck writes column=\"0\": unknown";

  std::set<std::string> fingerprints;
  for (const Finding& f : parsed->findings) fingerprints.insert(f.fingerprint);
  EXPECT_EQ(fingerprints.size(), parsed->findings.size());
}

TEST(CppcheckParserTest, EverySeverityMapsToTheCanonicalScale) {
  const std::pair<const char*, Severity> kTable[] = {
      {"error", Severity::kHigh},      {"warning", Severity::kMedium},
      {"style", Severity::kLow},       {"performance", Severity::kLow},
      {"portability", Severity::kLow}, {"information", Severity::kInfo},
      {"debug", Severity::kInfo},
  };
  std::string errors;
  for (const auto& [level, severity] : kTable) {
    errors += Error(std::string("id=\"r\" msg=\"m\" severity=\"") + level + "\"",
                    "<location file=\"a.c\" line=\"1\" column=\"1\"/>");
  }
  auto parsed = ParseCppcheckXmlV2(Report(errors), "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), std::size(kTable));
  for (size_t i = 0; i < std::size(kTable); ++i) {
    EXPECT_EQ(parsed->findings[i].severity, kTable[i].second) << kTable[i].first;
  }
}

TEST(CppcheckParserTest, VersionFallsBackToTheVersionCommand) {
  auto parsed = ParseCppcheckXmlV2("<results version=\"2\"><errors>" +
                                       Error("id=\"r\" severity=\"error\" msg=\"m\"",
                                             "<location file=\"./x/./y.c\" line=\"4\"/>") +
                                       "</errors></results>",
                                   "2.10");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].tool_version, "2.10");
  EXPECT_EQ(parsed->findings[0].path, "x/y.c");
  EXPECT_EQ(parsed->findings[0].message, "m") << "no verbose: the msg is the message";
}

TEST(CppcheckParserTest, MalformedRecordsAreSkippedAndCounted) {
  const std::string kLocation = "<location file=\"a.c\" line=\"2\" column=\"5\"/>";
  auto parsed = ParseCppcheckXmlV2(
      Report(Error("severity=\"error\" msg=\"no id\"", kLocation) +
             Error("id=\"r\" msg=\"no severity\"", kLocation) +
             Error("id=\"r\" severity=\"internal\" msg=\"unknown severity\"", kLocation) +
             Error("id=\"r\" severity=\"error\"", "<location line=\"2\"/>") +
             Error("id=\"r\" severity=\"error\"", "<location file=\"a.c\" line=\"-7\"/>") +
             // Odd but readable: kept, with the unreadable parts as "unknown".
             Error("id=\"odd\" severity=\"error\" cwe=\"CWE-1\" inconclusive=\"maybe\"",
                   "<location file=\"a.c\" line=\"x\" column=\"-1\"/>") +
             Error("id=\"big\" severity=\"error\"",
                   "<location file=\"a.c\" line=\"99999999999999999999\"/>") +
             // A run message (no location) and foreign elements are ignored.
             Error("id=\"toomanyconfigs\" severity=\"information\"", "") +
             "<unexpected><error id=\"nested\"/></unexpected>\n"),
      "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->skipped_records, 5u);
  ASSERT_EQ(parsed->findings.size(), 2u);
  const Finding& odd = parsed->findings[0];
  EXPECT_EQ(odd.rule_id, "odd");
  EXPECT_EQ(odd.line, 0);
  EXPECT_EQ(odd.column, 0);
  EXPECT_TRUE(odd.cwes.empty());
  EXPECT_EQ(odd.confidence, "medium");
  EXPECT_EQ(parsed->findings[1].line, INT_MAX) << "pugixml saturates out-of-range numbers";
}

TEST(CppcheckParserTest, EmptyForeignAndOtherVersionReportsAreDataLoss) {
  for (const std::string& bad : {
           std::string(""),
           std::string("   \n"),
           std::string("Checking src/server.c ...\n1/2 files checked 50% done\n"),
           std::string("<results/>"),
           // XML version 1 (`--xml` before 1.x defaults changed): no version attribute.
           std::string("<results><error file=\"a.c\" line=\"1\" id=\"r\" severity=\"error\" "
                       "msg=\"m\"/></results>"),
           std::string("<results version=\"3\"><errors/></results>"),
           std::string("<results version=\"2\"><cppcheck version=\"2.10\"/></results>"),
           std::string("{\"comments\": []}"),
       }) {
    auto parsed = ParseCppcheckXmlV2(bad, "2.10");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss) << bad;
  }
  auto empty = ParseCppcheckXmlV2(Report(""), "");
  ASSERT_TRUE(empty.ok()) << "a clean run is an empty <errors>";
  EXPECT_TRUE(empty->findings.empty());
}

TEST(CppcheckParserTest, EveryTruncationOfTheRealReportIsDataLoss) {
  const std::string full = ReadFileOrFail(FixturePath("cppcheck_defects.xml"));
  ASSERT_EQ(full.back(), '\n');
  for (size_t length = 0; length + 1 < full.size(); ++length) {
    auto parsed = ParseCppcheckXmlV2(full.substr(0, length), "");
    ASSERT_FALSE(parsed.ok()) << "prefix of " << length << " bytes";
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss);
  }
  EXPECT_TRUE(ParseCppcheckXmlV2(full.substr(0, full.size() - 1), "").ok());
}

TEST(CppcheckParserTest, GarbageNeverCrashes) {
  uint32_t seed = 7;
  for (int round = 0; round < 200; ++round) {
    std::string noise;
    for (int i = 0; i < 512; ++i) {
      seed = seed * 1664525u + 1013904223u;
      noise.push_back(static_cast<char>(seed >> 24));
    }
    EXPECT_FALSE(ParseCppcheckXmlV2(noise, "").ok());
    // Noise inside an otherwise valid report: a parse error or skipped records.
    auto wrapped = ParseCppcheckXmlV2(Report(noise), "");
    if (!wrapped.ok()) {
      EXPECT_EQ(wrapped.status().code(), StatusCode::kDataLoss);
    }
  }
}

TEST(CppcheckParserTest, NonUtf8BytesAreKeptByteForByte) {
  // Real cppcheck 2.10 writes a Latin-1 file name ("caf\xe9.c") unchanged.
  auto parsed = ParseCppcheckXmlV2(
      Report(Error("id=\"getsCalled\" severity=\"warning\" msg=\"\xff\xfe gets\"",
                   "<location file=\"caf\xe9.c\" line=\"2\" column=\"27\"/>")),
      "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].path, "caf\xe9.c");
  EXPECT_EQ(parsed->findings[0].title, "\xff\xfe gets");
}

TEST(CppcheckParserTest, DeepNestingAndEntityBombsAreHarmless) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<x>";
  for (int i = 0; i < 100000; ++i) deep += "</x>";
  auto nested = ParseCppcheckXmlV2(
      Report(Error("id=\"r\" severity=\"error\"", "<location file=\"a.c\" line=\"1\"/>" + deep)),
      "");
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_EQ(nested->findings.size(), 1u);
  // pugixml never expands DTD-declared entities: the reference stays literal.
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE results [<!ENTITY a \"aaaaaaaaaa\">";
  for (char name = 'b'; name <= 'j'; ++name) {
    std::string ten_of_previous;
    for (int i = 0; i < 10; ++i) ten_of_previous += std::string("&") + char(name - 1) + ";";
    bomb += std::string("<!ENTITY ") + name + " \"" + ten_of_previous + "\">";
  }
  bomb +=
      "]><results version=\"2\"><errors><error id=\"r\" severity=\"error\" msg=\"&j;\">"
      "<location file=\"a.c\" line=\"1\"/></error></errors></results>";
  auto expanded = ParseCppcheckXmlV2(bomb, "");
  if (expanded.ok()) {
    for (const Finding& f : expanded->findings) EXPECT_LT(f.title.size(), 100u);
  } else {
    EXPECT_EQ(expanded.status().code(), StatusCode::kDataLoss);
  }
}

TEST(CppcheckParserTest, VeryLargeReportParsesCompletely) {
  constexpr int kErrors = 100000;
  std::string errors;
  errors.reserve(kErrors * 140);
  for (int i = 0; i < kErrors; ++i) {
    errors += Error("id=\"arrayIndexOutOfBounds\" severity=\"error\" msg=\"m\" cwe=\"788\"",
                    "<location file=\"big.c\" line=\"" + std::to_string(i + 1) + "\"/>");
  }
  auto parsed = ParseCppcheckXmlV2(Report(errors), "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), static_cast<size_t>(kErrors));
  EXPECT_EQ(parsed->findings.back().line, kErrors);
}

}  // namespace
}  // namespace scanfleet
