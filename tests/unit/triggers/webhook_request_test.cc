#include "controller/triggers/webhook_request.h"

#include <gtest/gtest.h>

#include "controller/triggers/webhook_signature.h"
#include "tests/unit/triggers/webhook_test_util.h"

namespace scanfleet {
namespace {

using testing::SampleRepos;
using testing::WebhookFixture;

HttpHeaders GitHubHeaders(const std::string& body, const std::string& secret,
                          const std::string& event = "push") {
  return {{"content-type", "application/json"},
          {"X-GitHub-Event", event},
          {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
          {"X-Hub-Signature-256", "sha256=" + HmacSha256Hex(secret, body)}};
}

TEST(WebhookRequestTest, SignedGitHubPushBecomesASubmitOfThePushedCommit) {
  std::string body = WebhookFixture("github_push.json");
  ReposFile repos = SampleRepos();
  WebhookVerdict verdict = EvaluateWebhook(repos, GitHubHeaders(body, repos.repos[0].secret), body);
  ASSERT_EQ(verdict.http_status, 202) << verdict.message;
  ASSERT_TRUE(verdict.submit);
  EXPECT_EQ(verdict.submit->target().repo(), "https://git.example/acme/sample.git");
  EXPECT_EQ(verdict.submit->target().ref(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(verdict.submit->target().branch(), "main");
  EXPECT_EQ(verdict.submit->profile(), "python");
  EXPECT_EQ(verdict.submit->trigger(), "webhook:github");
  EXPECT_EQ(verdict.submit->idempotency_key(),
            "webhook:github:72d3162e-cc78-11e3-81ab-4c9367dc0958");
}

TEST(WebhookRequestTest, GiteaPushUsesItsOwnHeadersEvenBesideGitHubCompatibleOnes) {
  std::string body = WebhookFixture("gitea_push.json");
  ReposFile repos = SampleRepos();
  HttpHeaders headers = {{"Content-Type", "application/json; charset=utf-8"},
                         {"X-Gitea-Event", "push"},
                         {"X-GitHub-Event", "push"},
                         {"X-Gitea-Delivery", "f6266f16-1bf3-46a5-9ea4-602e06ead473"},
                         {"X-Gitea-Signature", HmacSha256Hex("gitea-secret", body)}};
  WebhookVerdict verdict = EvaluateWebhook(repos, headers, body);
  ASSERT_EQ(verdict.http_status, 202) << verdict.message;
  EXPECT_EQ(verdict.submit->target().ref(), "bffeb74224043ba2feb48d137756c8a9331c449a");
  EXPECT_EQ(verdict.submit->target().branch(), "develop");
  EXPECT_EQ(verdict.submit->trigger(), "webhook:gitea");
  EXPECT_EQ(verdict.submit->idempotency_key(),
            "webhook:gitea:f6266f16-1bf3-46a5-9ea4-602e06ead473");
  headers["X-Gitea-Signature"] = HmacSha256Hex("github-secret", body);
  EXPECT_EQ(EvaluateWebhook(repos, headers, body).reason, "bad_signature");
}

TEST(WebhookRequestTest, GitLabPushIsCheckedByTokenAndNamedByProjectPath) {
  std::string body = WebhookFixture("gitlab_push.json");
  ReposFile repos = SampleRepos();
  HttpHeaders headers = {{"Content-Type", "application/json"},
                         {"X-Gitlab-Event", "Push Hook"},
                         {"X-Gitlab-Event-UUID", "13792a34-cac6-4fda-95a8-c58e00a3954e"},
                         {"X-Gitlab-Token", "gitlab-token"}};
  WebhookVerdict verdict = EvaluateWebhook(repos, headers, body);
  ASSERT_EQ(verdict.http_status, 202) << verdict.message;
  EXPECT_EQ(verdict.submit->target().ref(), "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(verdict.submit->idempotency_key(),
            "webhook:gitlab:13792a34-cac6-4fda-95a8-c58e00a3954e");
  headers["X-Gitlab-Token"] = "wrong";
  EXPECT_EQ(EvaluateWebhook(repos, headers, body).http_status, 401);
  headers.erase("X-Gitlab-Token");
  EXPECT_EQ(EvaluateWebhook(repos, headers, body).reason, "missing_signature");
  headers["X-Gitlab-Token"] = "gitlab-token";
  headers.erase("X-Gitlab-Event-UUID");
  headers["X-Gitlab-Webhook-UUID"] = "0b8f4b3e-0d3c-4d0e-9d59-0a4a0d2d1c11";
  EXPECT_EQ(EvaluateWebhook(repos, headers, body).http_status, 202);
}

TEST(WebhookRequestTest, EachRejectionHasItsStatusAndReasonAndSubmitsNothing) {
  std::string body = WebhookFixture("github_push.json");
  ReposFile repos = SampleRepos();
  const std::string& secret = repos.repos[0].secret;
  auto expect = [&](const HttpHeaders& headers, const std::string& payload, int status,
                    const std::string& reason) {
    WebhookVerdict verdict = EvaluateWebhook(repos, headers, payload);
    EXPECT_EQ(verdict.http_status, status) << reason << ": " << verdict.message;
    EXPECT_EQ(verdict.reason, reason) << verdict.message;
    EXPECT_FALSE(verdict.submit) << reason;
  };
  HttpHeaders headers = GitHubHeaders(body, secret);
  headers["X-Hub-Signature-256"] = "sha256=" + HmacSha256Hex("wrong", body);
  expect(headers, body, 401, "bad_signature");
  headers.erase("X-Hub-Signature-256");
  expect(headers, body, 401, "missing_signature");

  HttpHeaders form = GitHubHeaders(body, secret);
  form["Content-Type"] = "application/x-www-form-urlencoded";
  expect(form, body, 400, "bad_content_type");
  HttpHeaders no_delivery = GitHubHeaders(body, secret);
  no_delivery.erase("X-GitHub-Delivery");
  expect(no_delivery, body, 400, "missing_delivery");
  HttpHeaders no_forge = GitHubHeaders(body, secret);
  no_forge.erase("X-GitHub-Event");
  expect(no_forge, body, 400, "unknown_forge");

  std::string broken = body.substr(0, body.size() / 2);
  expect(GitHubHeaders(broken, secret), broken, 400, "malformed");
  std::string unknown = body;
  unknown.replace(unknown.find("acme/sample\""), 11, "acme/other1");
  expect(GitHubHeaders(unknown, secret), unknown, 404, "unknown_repo");

  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string changed = body;
    changed.replace(changed.find(from), from.size(), to);
    return changed;
  };
  std::string deletion = replaced("\"after\": \"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\"",
                                  "\"after\": \"0000000000000000000000000000000000000000\"");
  expect(GitHubHeaders(deletion, secret), deletion, 200, "ignored_deletion");
  std::string tag = replaced("refs/heads/main", "refs/tags/v1.0");
  expect(GitHubHeaders(tag, secret), tag, 200, "ignored_tag");
  std::string feature = replaced("refs/heads/main", "refs/heads/feature/x");
  expect(GitHubHeaders(feature, secret), feature, 200, "ignored_branch");
  std::string release = replaced("refs/heads/main", "refs/heads/release/2.0");
  EXPECT_EQ(EvaluateWebhook(repos, GitHubHeaders(release, secret), release).http_status, 202);
  std::string no_after = replaced("\"after\"", "\"afterwards\"");
  expect(GitHubHeaders(no_after, secret), no_after, 400, "malformed");
  std::string bad_sha = replaced("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\",\n  \"repository",
                                 "--upload-pack=evil\",\n  \"repository");
  expect(GitHubHeaders(bad_sha, secret), bad_sha, 400, "malformed");
}

TEST(WebhookRequestTest, PingAndOtherEventsAreAnsweredWithoutAScan) {
  std::string ping = WebhookFixture("github_ping.json");
  ReposFile repos = SampleRepos();
  WebhookVerdict verdict =
      EvaluateWebhook(repos, GitHubHeaders(ping, repos.repos[0].secret, "ping"), ping);
  EXPECT_EQ(verdict.http_status, 200);
  EXPECT_EQ(verdict.reason, "ping");
  EXPECT_FALSE(verdict.submit);
  std::string body = WebhookFixture("github_push.json");
  verdict = EvaluateWebhook(repos, GitHubHeaders(body, repos.repos[0].secret, "issues"), body);
  EXPECT_EQ(verdict.http_status, 200);
  EXPECT_EQ(verdict.reason, "ignored_event");
  // A ping with a bad signature is still refused.
  HttpHeaders forged = GitHubHeaders(ping, "wrong", "ping");
  EXPECT_EQ(EvaluateWebhook(repos, forged, ping).http_status, 401);
}

}  // namespace
}  // namespace scanfleet
