// The hand-written JSON text of `scanfleet tail`'s hot path against
// nlohmann::json's dump(): byte for byte equal on hostile, random and
// invalid-UTF-8 strings and on whole findings.
#include "common/siem/json_text.h"

#include <gtest/gtest.h>

#include <random>

#include "common/siem/event_fields.h"
#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

std::string Dumped(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Appended(std::string_view text) {
  std::string out;
  AppendJsonString(text, out);
  return out;
}

TEST(JsonTextTest, StringsAreWrittenAsDumpWritesThem) {
  for (std::string text :
       {std::string(""), std::string("plain"), std::string("quote \" back\\slash /"),
        std::string("\b\f\n\r\t"), std::string("\x01\x1f\x7f", 3), std::string("\0x", 2),
        std::string("ünï 中文 🙂"), std::string("\xff\xfe bad"), std::string("cut \xe4\xb8"),
        std::string("\xc0\x80 overlong")}) {
    EXPECT_EQ(Appended(text), Dumped(nlohmann::json(text))) << text;
  }
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string text(random() % 24, '\0');
    for (char& c : text) c = static_cast<char>(random() % 256);
    EXPECT_EQ(Appended(text), Dumped(nlohmann::json(text)));
  }
}

TEST(JsonTextTest, AFindingIsWrittenAsItsCanonicalJsonDumps) {
  v1::Finding hostile = testing::HostileFinding().finding();
  std::string out;
  AppendCanonicalFindingJson(hostile, out);
  EXPECT_EQ(out, Dumped(CanonicalFindingJson(hostile)));
  v1::Finding empty;
  out.clear();
  AppendCanonicalFindingJson(empty, out);
  EXPECT_EQ(out, Dumped(CanonicalFindingJson(empty)));
  v1::Finding dast;
  dast.set_url("http://127.0.0.1:9/?q=\"x\"");
  dast.set_http_method("POST");
  dast.set_parameter("q");
  dast.set_evidence("<script>\n");
  dast.set_severity(v1::SEVERITY_CRITICAL);
  dast.set_line(-1);
  out.clear();
  AppendCanonicalFindingJson(dast, out);
  EXPECT_EQ(out, Dumped(CanonicalFindingJson(dast)));
}

}  // namespace
}  // namespace scanfleet::siem
