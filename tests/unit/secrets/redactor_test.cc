// Redactor: every form of every secret value is replaced, longest first.
#include "worker/secrets/redactor.h"

#include <gtest/gtest.h>

#include <map>

namespace scanfleet {
namespace {

Redactor WithSecrets(const std::map<std::string, std::string>& secrets) {
  return Redactor(secrets);
}

TEST(RedactorTest, ReplacesEveryOccurrence) {
  Redactor redactor = WithSecrets({{"dast-login", "hunter2-pass"}});
  EXPECT_EQ(redactor.Redact("user=admin pass=hunter2-pass; again hunter2-pass."),
            "user=admin pass=[REDACTED:dast-login]; again [REDACTED:dast-login].");
}

TEST(RedactorTest, LeavesTextWithoutSecretsAlone) {
  Redactor redactor = WithSecrets({{"token", "s3cr3t-value"}});
  std::string text = "nothing to see here";
  EXPECT_FALSE(redactor.RedactInPlace(text));
  EXPECT_EQ(text, "nothing to see here");
}

TEST(RedactorTest, SkipsValuesShorterThanFourBytes) {
  Redactor redactor = WithSecrets({{"pin", "123"}, {"empty", ""}});
  EXPECT_TRUE(redactor.empty());
  EXPECT_EQ(redactor.Redact("line 123 of 1234"), "line 123 of 1234");
}

TEST(RedactorTest, FourByteValueIsRedacted) {
  Redactor redactor = WithSecrets({{"pin", "9876"}});
  EXPECT_EQ(redactor.Redact("pin 9876!"), "pin [REDACTED:pin]!");
}

TEST(RedactorTest, PrefixSecretsAreNamedByTheLongest) {
  Redactor redactor = WithSecrets({{"short", "abcdef"}, {"long", "abcdef123456"}});
  EXPECT_EQ(redactor.Redact("x abcdef123456 y abcdef z"), "x [REDACTED:long] y [REDACTED:short] z");
}

TEST(RedactorTest, OverlappingSecretsLeaveNoByteOfEither) {
  Redactor redactor = WithSecrets({{"first", "alpha-beta"}, {"second", "beta-gamma"}});
  std::string redacted = redactor.Redact("[alpha-beta-gamma]");
  EXPECT_EQ(redacted, "[[REDACTED:first][REDACTED:second]]");
  EXPECT_EQ(redacted.find("gamma"), std::string::npos);
}

TEST(RedactorTest, SelfOverlappingOccurrencesMerge) {
  Redactor redactor = WithSecrets({{"rep", "abab"}});
  EXPECT_EQ(redactor.Redact("xababab y"), "x[REDACTED:rep] y");
}

TEST(RedactorTest, Base64FormsAreRedacted) {
  Redactor redactor = WithSecrets({{"token", "correct horse battery"}});
  // Standard base64 of the value alone, and its URL-safe unpadded form.
  EXPECT_EQ(redactor.Redact("b64=Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"), "b64=[REDACTED:token]");
  Redactor slashes = WithSecrets({{"bin", "\xfb\xff\xbf\xfb\xff\xbf"}});
  EXPECT_EQ(slashes.Redact("a +/+/+/+/ b"), "a [REDACTED:bin] b");
  EXPECT_EQ(slashes.Redact("a -_-_-_-_ b"), "a [REDACTED:bin] b");
}

TEST(RedactorTest, Base64InsideALongerEncodingIsRedacted) {
  // An HTTP Basic header: base64("admin:Sup3rS3cretPassw0rd"); the value
  // starts at byte 6, so it is not aligned to a base64 group.
  Redactor redactor = WithSecrets({{"login", "Sup3rS3cretPassw0rd"}});
  std::string header = "Authorization: Basic YWRtaW46U3VwM3JTM2NyZXRQYXNzdzByZA==";
  std::string redacted = redactor.Redact(header);
  EXPECT_NE(redacted.find("[REDACTED:login]"), std::string::npos) << redacted;
  EXPECT_EQ(redacted.find("U3VwM3JTM2NyZXRQYXNzdzBy"), std::string::npos) << redacted;
  // The other two alignments.
  for (std::string prefix : {"a:", "ab:"}) {
    Redactor one = WithSecrets({{"login", "Sup3rS3cretPassw0rd"}});
    std::string plain = prefix + "Sup3rS3cretPassw0rd";
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string encoded;
    for (size_t i = 0; i < plain.size(); i += 3) {
      uint32_t group = static_cast<uint8_t>(plain[i]) << 16;
      if (i + 1 < plain.size()) group |= static_cast<uint8_t>(plain[i + 1]) << 8;
      if (i + 2 < plain.size()) group |= static_cast<uint8_t>(plain[i + 2]);
      for (int k = 0; k < 4; ++k) encoded += kAlphabet[(group >> (18 - 6 * k)) & 63];
    }
    EXPECT_NE(one.Redact(encoded).find("[REDACTED:login]"), std::string::npos) << prefix;
  }
}

TEST(RedactorTest, UrlEncodedFormsAreRedacted) {
  Redactor redactor = WithSecrets({{"pw", "p@ss w/rd&x"}});
  EXPECT_EQ(redactor.Redact("?pw=p%40ss%20w%2Frd%26x&u=1"), "?pw=[REDACTED:pw]&u=1");
  EXPECT_EQ(redactor.Redact("?pw=p%40ss%20w%2frd%26x"), "?pw=[REDACTED:pw]");
  EXPECT_EQ(redactor.Redact("pw=p%40ss+w%2Frd%26x"), "pw=[REDACTED:pw]");
}

TEST(RedactorTest, JsonEscapedFormIsRedacted) {
  Redactor redactor = WithSecrets({{"quoted", "say \"hi\"\\now"}});
  EXPECT_EQ(redactor.Redact(R"({"m": "say \"hi\"\\now"})"), R"({"m": "[REDACTED:quoted]"})");
}

TEST(RedactorTest, WholeLargeBufferHasNoBoundaries) {
  Redactor redactor = WithSecrets({{"token", "ghp_0123456789abcdef"}});
  std::string big(64 * 1024 - 7, 'x');
  big += "ghp_0123456789abcdef";
  big += std::string(64 * 1024, 'y');
  std::string redacted = redactor.Redact(big);
  EXPECT_EQ(redacted.find("ghp_"), std::string::npos);
  EXPECT_EQ(redacted.substr(64 * 1024 - 7, 15), "[REDACTED:token");
}

TEST(RedactorTest, SameValueUnderTwoNamesIsRedactedOnce) {
  Redactor redactor = WithSecrets({{"a-name", "shared-value"}, {"b-name", "shared-value"}});
  EXPECT_EQ(redactor.Redact("shared-value"), "[REDACTED:a-name]");
}

}  // namespace
}  // namespace scanfleet
