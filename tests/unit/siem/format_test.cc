#include <gtest/gtest.h>

#include "common/siem/cef.h"
#include "common/siem/event_attributes.h"
#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

TEST(CefEscapeTest, HeaderEscapesPipeAndBackslashAndFlattensNewlines) {
  EXPECT_EQ(EscapeCefHeader("a|b\\c\nd\re"), "a\\|b\\\\c d e");
  EXPECT_EQ(EscapeCefHeader(""), "");
  EXPECT_EQ(EscapeCefHeader("x=y"), "x=y");  // '=' is literal in the header
}

TEST(CefEscapeTest, ExtensionEscapesEqualsBackslashAndNewlines) {
  EXPECT_EQ(EscapeCefExtension("a=b\\c\nd\re|f"), "a\\=b\\\\c\\nd\\re|f");  // '|' literal
  EXPECT_EQ(EscapeCefExtension("\\="), "\\\\\\=");
  EXPECT_EQ(EscapeCefExtension("ünï"), "ünï");  // UTF-8 passes through
}

TEST(CefTest, HeaderHasSevenEscapedFieldsAndMappedSeverity) {
  std::string cef = FormatCef(testing::HostileFinding(), "0.1.0");
  EXPECT_EQ(cef.rfind("CEF:0|scanfleet|scanfleet|0.1.0|bandit:B602\\|x|"
                      "pipe\\|back\\\\slash newline|8|",
                      0),
            0u)
      << cef;
  EXPECT_EQ(cef.find('\n'), std::string::npos);
  EXPECT_EQ(cef.find('\r'), std::string::npos);
}

TEST(CefTest, OptionalSpaceBeforeExtension) {
  v1::Event event;
  event.set_seq(1);
  EXPECT_NE(FormatCef(event, "1", false).find("|1|eventId=1"), std::string::npos);
  EXPECT_NE(FormatCef(event, "1", true).find("|1| eventId=1"), std::string::npos);
}

TEST(CefTest, ExtensionCarriesDictionaryKeys) {
  std::string cef = FormatCef(testing::HostileFinding(), "0.1.0");
  for (const char* expected :
       {"rt=1700000000123", "eventId=42", "cat=finding.high.bandit", "externalId=abc123",
        "msg=a\\=b c\\\\d\\r\\ne|f", "cs1Label=rule cs1=B602|x", "cs2Label=tool cs2=bandit",
        "cs3Label=severity cs3=high", "cs4Label=cwe cs4=CWE-78,CWE-88", "fname=ünï.py",
        "filePath=src/dir/ünï.py", "cn1Label=line cn1=12", "cn3Label=scanId cn3=7"}) {
    EXPECT_NE(cef.find(expected), std::string::npos) << expected << " in " << cef;
  }
}

TEST(CefTest, EmptyFieldsAreLeftOutAndDastFieldsMapped) {
  v1::Event event;
  event.set_seq(1);
  event.set_topic("finding.info.wapiti");
  event.mutable_finding()->set_tool("wapiti");
  event.mutable_finding()->set_url("http://h/p?q=1");
  event.mutable_finding()->set_http_method("POST");
  std::string cef = FormatCef(event, "0.1.0");
  EXPECT_NE(cef.find("|wapiti:||1|"), std::string::npos) << cef;  // empty name, severity 1
  EXPECT_NE(cef.find("request=http://h/p?q\\=1"), std::string::npos) << cef;
  EXPECT_NE(cef.find("requestMethod=POST"), std::string::npos);
  EXPECT_EQ(cef.find("filePath="), std::string::npos);
  EXPECT_EQ(cef.find("cn1="), std::string::npos);
  EXPECT_EQ(cef.back(), 'T');  // no trailing separator
}

TEST(CefTest, VeryLongMessageIsKeptWhole) {
  v1::Event event = testing::HostileFinding();
  event.mutable_finding()->set_message(std::string(100000, '='));
  std::string cef = FormatCef(event, "0.1.0");
  EXPECT_GT(cef.size(), 200000u);
  EXPECT_NE(cef.find("msg=\\=\\="), std::string::npos);
  size_t escaped = 0;
  for (size_t at = cef.find("\\="); at != std::string::npos; at = cef.find("\\=", at + 2)) {
    ++escaped;
  }
  EXPECT_GE(escaped, 100000u);
}

TEST(CefTest, ScanEventsHaveTopicAsSignature) {
  v1::Event event;
  event.set_seq(5);
  event.set_topic("scan.failed");
  event.set_scan_id(3);
  event.mutable_scan()->set_state(v1::SCAN_FAILED);
  std::string cef = FormatCef(event, "0.1.0");
  EXPECT_EQ(cef.rfind("CEF:0|scanfleet|scanfleet|0.1.0|scan.failed|scan failed|5|", 0), 0u) << cef;
  EXPECT_NE(cef.find("outcome=failed"), std::string::npos) << cef;
}

TEST(CefTest, ACarriedSetIsAScanEventThatSaysHowManyFromWhere) {
  std::string cef = FormatCef(testing::CarriedEvent(), "0.1.0");
  EXPECT_EQ(cef.rfind("CEF:0|scanfleet|scanfleet|0.1.0|scan.carried|10713 findings carried from "
                      "scan 7|1|",
                      0),
            0u)
      << cef;
  EXPECT_NE(cef.find("cn1Label=carried cn1=10713"), std::string::npos) << cef;
  EXPECT_NE(cef.find("cn2Label=baseScanId cn2=7"), std::string::npos) << cef;
  EXPECT_NE(cef.find("cs2Label=tool cs2=flaw|finder\\=x"), std::string::npos) << cef;
  std::string leef = FormatLeef(testing::CarriedEvent(), "0.1.0");
  EXPECT_NE(leef.find("\tcarried=10713"), std::string::npos) << leef;
}

TEST(LeefTest, TabDelimitedWithEscapedValues) {
  std::string leef = FormatLeef(testing::HostileFinding(), "0.1.0");
  EXPECT_EQ(leef.rfind("LEEF:2.0|scanfleet|scanfleet|0.1.0|bandit:B602\\|x|x09|sev=8\t", 0), 0u)
      << leef;
  EXPECT_NE(leef.find("\tsnippet=subprocess.call(cmd, shell=True)\\tx"), std::string::npos);
  EXPECT_NE(leef.find("\tmsg=a=b c\\\\d\\r\\ne|f"), std::string::npos) << leef;
  EXPECT_NE(leef.find("\tdevTime=2023-11-14T22:13:20.123Z"), std::string::npos) << leef;
  EXPECT_NE(leef.find("\trule=B602|x"), std::string::npos);
  EXPECT_EQ(leef.find("Label="), std::string::npos);  // labels are CEF-only
  EXPECT_EQ(leef.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace scanfleet::siem
