#include "controller/triggers/webhook_signature.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

// GitHub's documented example: secret "It's a Secret to Everybody", payload
// "Hello, World!" -> this signature (docs.github.com, "Validating webhook deliveries").
constexpr char kGitHubExampleSignature[] =
    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

TEST(WebhookSignatureTest, MatchesGitHubsPublishedExample) {
  EXPECT_EQ(HmacSha256Hex("It's a Secret to Everybody", "Hello, World!"), kGitHubExampleSignature);
  EXPECT_TRUE(VerifyHmacSignature("It's a Secret to Everybody", "Hello, World!",
                                  std::string("sha256=") + kGitHubExampleSignature, "sha256=")
                  .ok());
}

TEST(WebhookSignatureTest, GitHubRefusesWrongSecretBodyPrefixAndTruncation) {
  std::string good = std::string("sha256=") + kGitHubExampleSignature;
  auto check = [](std::string_view secret, std::string_view body, std::string_view header) {
    return VerifyHmacSignature(secret, body, header, "sha256=").code();
  };
  EXPECT_EQ(check("wrong secret", "Hello, World!", good), StatusCode::kPermissionDenied);
  EXPECT_EQ(check("It's a Secret to Everybody", "Hello, World?", good),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(check("It's a Secret to Everybody", "Hello, World!", good.substr(0, good.size() - 1)),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(check("It's a Secret to Everybody", "Hello, World!",
                  std::string("sha1=") + kGitHubExampleSignature),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(check("It's a Secret to Everybody", "Hello, World!", kGitHubExampleSignature),
            StatusCode::kPermissionDenied);  // no prefix
  std::string not_hex = good;
  not_hex.back() = 'g';
  EXPECT_EQ(check("It's a Secret to Everybody", "Hello, World!", not_hex),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(check("It's a Secret to Everybody", "Hello, World!", ""), StatusCode::kNotFound);
}

TEST(WebhookSignatureTest, GiteaSignatureIsBareHexInEitherCase) {
  std::string hex = HmacSha256Hex("gitea-secret", "{}");
  EXPECT_TRUE(VerifyHmacSignature("gitea-secret", "{}", hex, "").ok());
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(VerifyHmacSignature("gitea-secret", "{}", upper, "").ok());
  EXPECT_EQ(VerifyHmacSignature("other", "{}", hex, "").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifyHmacSignature("gitea-secret", "{}", "sha256=" + hex, "").code(),
            StatusCode::kPermissionDenied);
}

TEST(WebhookSignatureTest, GitLabTokenMustEqualTheSecret) {
  EXPECT_TRUE(VerifySharedToken("gitlab-token", "gitlab-token").ok());
  EXPECT_EQ(VerifySharedToken("gitlab-token", "gitlab-toke").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifySharedToken("gitlab-token", "gitlab-token ").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifySharedToken("gitlab-token", "").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace scanfleet
