#include "common/siem/syslog_message.h"

#include <gtest/gtest.h>

namespace scanfleet::siem {
namespace {

TEST(SyslogMessageTest, FullHeaderAndStructuredData) {
  SyslogMessage message;
  message.facility = 13;
  message.severity = 3;
  message.timestamp_ms = 1'700'000'000'005;
  message.hostname = "scan-host";
  message.procid = "123";
  message.msgid = "finding.high.bandit";
  message.structured_data.push_back({"scanfleet@32473", {{"seq", "4"}, {"note", "a\"b\\c]d"}}});
  message.msg = "CEF:0|x";
  EXPECT_EQ(FormatRfc5424(message, BomPolicy::kNever),
            "<107>1 2023-11-14T22:13:20.005Z scan-host scanfleet 123 finding.high.bandit "
            "[scanfleet@32473 seq=\"4\" note=\"a\\\"b\\\\c\\]d\"] CEF:0|x");
}

TEST(SyslogMessageTest, NilValuesForEmptyFields) {
  SyslogMessage message;
  message.app_name.clear();
  EXPECT_EQ(FormatRfc5424(message, BomPolicy::kNever), "<110>1 - - - - - -");
}

TEST(SyslogMessageTest, HeaderFieldsAreAsciiAndBounded) {
  EXPECT_EQ(SyslogHeaderField("hôst name", 255), "h__st_name");
  EXPECT_EQ(SyslogHeaderField(std::string(100, 'a'), 48), std::string(48, 'a'));
  EXPECT_EQ(SyslogHeaderField("", 32), "-");
  SyslogMessage message;
  message.msgid = std::string(40, 'm');
  message.facility = 99;  // clamped to 23
  message.severity = -1;  // clamped to 0
  std::string text = FormatRfc5424(message, BomPolicy::kNever);
  EXPECT_EQ(text.rfind("<184>1 ", 0), 0u) << text;
  EXPECT_NE(text.find(" " + std::string(32, 'm') + " -"), std::string::npos) << text;
}

TEST(SyslogMessageTest, BomPolicy) {
  SyslogMessage message;
  message.msg = "ascii";
  EXPECT_EQ(FormatRfc5424(message, BomPolicy::kWhenNonAscii).find("\xEF\xBB\xBF"),
            std::string::npos);
  EXPECT_NE(FormatRfc5424(message, BomPolicy::kAlways)
                .find("- \xEF\xBB\xBF"
                      "ascii"),
            std::string::npos);
  message.msg = "ünï";
  EXPECT_NE(FormatRfc5424(message, BomPolicy::kWhenNonAscii).find("- \xEF\xBB\xBF\xC3\xBC"),
            std::string::npos);
  EXPECT_EQ(FormatRfc5424(message, BomPolicy::kNever).find("\xEF\xBB\xBF"), std::string::npos);
}

TEST(OctetCountingTest, LengthIsBytesNotCharacters) {
  EXPECT_EQ(FrameOctetCounted("abc"), "3 abc");
  EXPECT_EQ(FrameOctetCounted("ü\n"), "3 ü\n");  // 2 UTF-8 bytes + LF; LF needs no escape
  EXPECT_EQ(FrameOctetCounted(""), "0 ");
  std::string big(70000, 'x');
  EXPECT_EQ(FrameOctetCounted(big).substr(0, 6), "70000 ");
}

}  // namespace
}  // namespace scanfleet::siem
