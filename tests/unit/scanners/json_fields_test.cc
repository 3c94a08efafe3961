// The field readers every adapter shares (json_fields.h, text_fields.h,
// cwe_text.h): defaults for missing keys and wrong types, integer ranges,
// the one text bound, which never cuts a UTF-8 character; and, through the
// adapters that used to cut bytes (nuclei, ZAP, wapiti, nmap, sqlmap) or
// keep less (shellcheck titles), that no finding field ends in half a
// character.
#include "common/scanners/json_fields.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

#include "common/scanners/cwe_text.h"
#include "common/scanners/nmap_xml_parser.h"
#include "common/scanners/nuclei_zap_parsers.h"
#include "common/scanners/shellcheck_json1_parser.h"
#include "common/scanners/sqlmap_parser.h"
#include "common/scanners/text_fields.h"
#include "common/scanners/wapiti_json_parser.h"
#include "common/text/utf8.h"

namespace scanfleet {
namespace {

const std::string kEuro = "\xE2\x82\xAC";  // 3 bytes

bool WellFormed(const std::string& text) { return ReplaceInvalidUtf8(text) == text; }

// Every text field of every finding is well-formed and within the bound.
void ExpectWholeCharacters(const ParseResult& result) {
  for (const Finding& f : result.findings) {
    for (const std::string* text : {&f.rule_id, &f.title, &f.message, &f.url, &f.http_method,
                                    &f.parameter, &f.evidence, &f.tool_version}) {
      EXPECT_TRUE(WellFormed(*text)) << "half a character at the end of: " << text->substr(0, 40);
      EXPECT_LE(text->size(), kMaxFieldBytes);
    }
  }
}

TEST(JsonFieldsTest, MissingKeysAndWrongTypesGiveDefaults) {
  Json doc = ParseJson(R"({"s": "text", "n": 7, "a": [1, 2], "o": {"k": "v"}, "z": null})");
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(Field(doc, "missing").is_null());
  EXPECT_TRUE(Field(Field(doc, "s"), "k").is_null()) << "a string has no fields";
  EXPECT_TRUE(Field(Field(doc, "a"), "k").is_null());
  EXPECT_EQ(Text(Field(Field(doc, "o"), "k")), "v");
  EXPECT_EQ(Items(Field(doc, "a")).size(), 2u);
  EXPECT_TRUE(Items(Field(doc, "o")).empty()) << "an object is not a list";
  EXPECT_TRUE(Items(Field(doc, "missing")).empty());
  EXPECT_EQ(Text(Field(doc, "n")), "");
  EXPECT_EQ(Text(Field(doc, "z")), "");
  EXPECT_EQ(OptionalText(Field(doc, "s")), "text");
  EXPECT_EQ(OptionalText(Field(doc, "n")), std::nullopt);
  EXPECT_EQ(OptionalText(Field(doc, "missing")), std::nullopt);
  EXPECT_EQ(RawText(Field(doc, "s")), "text");
  EXPECT_EQ(RawText(Field(doc, "a")), "");
}

TEST(JsonFieldsTest, ParseJsonNeverThrows) {
  for (const char* bad : {"", "{", "[1,", "{\"a\": \"\xFF\"}", "nul", "{} trailing"}) {
    EXPECT_TRUE(ParseJson(bad).is_discarded()) << bad;
  }
  EXPECT_TRUE(ParseJson("[]").is_array());
}

TEST(JsonFieldsTest, TextOrInteger) {
  Json doc = ParseJson(
      R"({"s": "3", "i": 7, "neg": -3, "big": 18446744073709551615, "f": 1.5, "b": true})");
  EXPECT_EQ(TextOrInteger(Field(doc, "s")), "3");
  EXPECT_EQ(TextOrInteger(Field(doc, "i")), "7");
  EXPECT_EQ(TextOrInteger(Field(doc, "neg")), "-3");
  EXPECT_EQ(TextOrInteger(Field(doc, "big")), "18446744073709551615");
  EXPECT_EQ(TextOrInteger(Field(doc, "f")), "");
  EXPECT_EQ(TextOrInteger(Field(doc, "b")), "");
}

TEST(JsonFieldsTest, IntegersMustFitAnInt) {
  Json doc = ParseJson(R"({"max": 2147483647, "over": 2147483648, "min": -2147483648,
      "under": -2147483649, "huge": 18446744073709551615, "float": 1.0, "text": "3",
      "zero": 0, "neg": -1})");
  EXPECT_EQ(IntValue(Field(doc, "max")), INT_MAX);
  EXPECT_EQ(IntValue(Field(doc, "over")), std::nullopt);
  EXPECT_EQ(IntValue(Field(doc, "min")), INT_MIN);
  EXPECT_EQ(IntValue(Field(doc, "under")), std::nullopt);
  EXPECT_EQ(IntValue(Field(doc, "huge")), std::nullopt);
  EXPECT_EQ(IntValue(Field(doc, "float")), std::nullopt);
  EXPECT_EQ(IntValue(Field(doc, "text")), std::nullopt);
  EXPECT_EQ(NonNegativeInt(Field(doc, "zero")), 0);
  EXPECT_EQ(NonNegativeInt(Field(doc, "neg")), std::nullopt);
  EXPECT_EQ(PositiveInt(Field(doc, "zero")), 0);
  EXPECT_EQ(PositiveInt(Field(doc, "neg")), 0);
  EXPECT_EQ(PositiveInt(Field(doc, "max")), INT_MAX);
  EXPECT_EQ(PositiveInt(Field(doc, "over")), 0);
}

TEST(JsonFieldsTest, TextIsBoundedBetweenCharacters) {
  // A 3-byte character that ends exactly at the bound is kept; one that
  // straddles it is dropped whole, at each of its byte offsets.
  for (size_t before : {kMaxFieldBytes - 3, kMaxFieldBytes - 2, kMaxFieldBytes - 1}) {
    Json value = std::string(before, 'a') + kEuro + "tail";
    std::string text = Text(value);
    EXPECT_TRUE(WellFormed(text)) << before;
    EXPECT_LE(text.size(), kMaxFieldBytes);
    EXPECT_EQ(text, before == kMaxFieldBytes - 3 ? std::string(before, 'a') + kEuro
                                                 : std::string(before, 'a'));
  }
  Json exact = std::string(kMaxFieldBytes, 'b');
  EXPECT_EQ(Text(exact).size(), kMaxFieldBytes);
  EXPECT_EQ(Bounded("ab" + kEuro, 4), "ab") << "the one helper, at another bound";
  EXPECT_EQ(TextOrInteger(Json(std::string(kMaxFieldBytes - 1, 'a') + kEuro)).size(),
            kMaxFieldBytes - 1);
}

TEST(JsonFieldsTest, SanitizeJsonText) {
  EXPECT_EQ(SanitizeJsonText(R"({"a": "\ud83d\ude00"})"), R"({"a": "\ud83d\ude00"})")
      << "a surrogate pair stays";
  EXPECT_EQ(SanitizeJsonText(R"({"a": "\udc80x"})"), R"({"a": "\ufffdx"})")
      << "an unpaired surrogate becomes U+FFFD";
  EXPECT_EQ(SanitizeJsonText(R"("\\udc80")"), R"("\\udc80")") << "an escaped backslash, no escape";
  EXPECT_EQ(SanitizeJsonText("\"a\xFF\""), "\"a" + std::string(kUtf8Replacement) + "\"");
  EXPECT_FALSE(ParseJson(SanitizeJsonText("{\"a\": \"\xC3(\\udc80\"}")).is_discarded());
}

TEST(CweTextTest, IdsInTagsAndTexts) {
  EXPECT_EQ(CweInText("CWE-79"), 79);
  EXPECT_EQ(CweInText("external/cwe/cwe-079"), 79);
  EXPECT_EQ(CweInText("CWE-89: Improper Neutralization"), 89);
  EXPECT_EQ(CweInText("cwe-"), std::nullopt);
  EXPECT_EQ(CweInText("CWE-0"), std::nullopt);
  EXPECT_EQ(CweInText("CWE-1234567"), std::nullopt) << "more than 6 digits";
  EXPECT_EQ(CweInText("79"), std::nullopt);
  std::vector<int> cwes;
  AddCweOf("CWE-79", cwes);
  AddCweOf("cwe-79", cwes);
  AddCweOf("nothing", cwes);
  EXPECT_EQ(cwes, std::vector<int>{79});
  for (int i = 1; i <= 20; ++i) AddCweOf("CWE-" + std::to_string(i + 100), cwes);
  EXPECT_EQ(cwes.size(), kMaxCwes);
}

// nuclei and ZAP used to cut fields at 2048 bytes, inside a character.
TEST(FieldBoundsTest, NucleiAndZapNeverCutACharacter) {
  for (size_t before : {size_t{2046}, size_t{2047}, kMaxFieldBytes - 2, kMaxFieldBytes - 1}) {
    std::string text = std::string(before, 'a') + kEuro + std::string(100, 'b');
    Json line = {{"template-id", "t"},
                 {"matched-at", "http://h/" + text},
                 {"extracted-results", {text, text}},
                 {"info", {{"name", text}, {"description", text}}}};
    auto nuclei = ParseNucleiJsonl(line.dump(), "v3");
    ASSERT_TRUE(nuclei.ok());
    ASSERT_EQ(nuclei->findings.size(), 1u);
    ExpectWholeCharacters(*nuclei);
    Json zap = {
        {"site",
         {{{"alerts",
            {{{"pluginid", "10020"},
              {"riskcode", "2"},
              {"confidence", "2"},
              {"name", text},
              {"desc", "<p>" + text + "</p>"},
              {"instances", {{{"uri", "http://h/"}, {"attack", text}, {"evidence", text}}}}}}}}}}};
    auto zap_result = ParseZapJson(zap.dump(), "2.14");
    ASSERT_TRUE(zap_result.ok());
    ASSERT_EQ(zap_result->findings.size(), 1u);
    ExpectWholeCharacters(*zap_result);
  }
}

TEST(FieldBoundsTest, WapitiNmapSqlmapAndShellcheckTitlesNeverCutACharacter) {
  std::string text = std::string(kMaxFieldBytes - 1, 'a') + kEuro;
  Json wapiti = {{"infos", {{"target", "http://127.0.0.1:1/"}}},
                 {"vulnerabilities",
                  {{"Cross Site Scripting",
                    {{{"path", "/x"},
                      {"level", 2},
                      {"info", text},
                      {"http_request", "GET / HTTP/1.1\n\n" + std::string(510, 'b') + kEuro}}}}}}};
  auto wapiti_result = ParseWapitiJson(wapiti.dump(), "3.0");
  ASSERT_TRUE(wapiti_result.ok());
  ASSERT_EQ(wapiti_result->findings.size(), 1u);
  ExpectWholeCharacters(*wapiti_result);

  std::string nmap =
      "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" version=\"7.93\"><host><status "
      "state=\"up\"/><address addr=\"127.0.0.1\" addrtype=\"ipv4\"/><ports><port "
      "protocol=\"tcp\" portid=\"80\"><state state=\"open\"/><service name=\"http\"/><script "
      "id=\"x\" output=\"" +
      std::string(150, 'a') + kEuro + text +
      "\"/></port></ports></host><runstats><finished "
      "exit=\"success\"/></runstats></nmaprun>";
  auto nmap_result = ParseNmapServicesXml(nmap, "7.93");
  ASSERT_TRUE(nmap_result.ok()) << nmap_result.status().ToString();
  ASSERT_FALSE(nmap_result->findings.empty());
  bool cut = false;
  for (const Finding& f : nmap_result->findings) cut = cut || f.message.size() > kMaxFieldBytes - 4;
  EXPECT_TRUE(cut) << "the script output reaches the bound";
  ExpectWholeCharacters(*nmap_result);

  Json shellcheck = {{"comments",
                      {{{"file", "a.sh"},
                        {"line", 1},
                        {"code", 2086},
                        {"level", "warning"},
                        {"message", std::string(118, 'm') + kEuro + " more"}}}}};
  auto shellcheck_result = ParseShellcheckJson1(shellcheck.dump(), "0.9.0");
  ASSERT_TRUE(shellcheck_result.ok());
  ASSERT_EQ(shellcheck_result->findings.size(), 1u);
  EXPECT_EQ(shellcheck_result->findings[0].title, std::string(118, 'm'));
  ExpectWholeCharacters(*shellcheck_result);

  std::string sqlmap =
      "[12:00:00] [INFO] testing URL 'http://h/?id=1'\n"
      "sqlmap identified the following injection point(s) with a total of 1 HTTP(s) requests:\n"
      "---\nParameter: id (GET)\n    Type: boolean-based blind\n    Title: " +
      std::string(1022, 't') + kEuro + "\n    Payload: id=1 AND 1=1\n---\n";
  auto sqlmap_result = ParseSqlmapLog(sqlmap, "1.7");
  ASSERT_TRUE(sqlmap_result.ok()) << sqlmap_result.status().ToString();
  ASSERT_EQ(sqlmap_result->findings.size(), 1u);
  EXPECT_NE(sqlmap_result->findings[0].evidence.find(std::string(1022, 't') + " | Payload: "),
            std::string::npos)
      << "the title keeps 1022 bytes: the character after them does not fit in 1024";
  ExpectWholeCharacters(*sqlmap_result);
}

}  // namespace
}  // namespace scanfleet
