// The job's secret plumbing: names resolved to environment entries for the
// scanner and git, git sees the token only for the repository's host, and a
// result carries no value back.
#include "worker/job/job_secrets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "worker/exec/process_runner.h"

namespace scanfleet {
namespace {

SecretSource FakeSource(std::map<std::string, std::string> env) {
  return SecretSource("", [env](const std::string& variable) -> std::optional<std::string> {
    auto it = env.find(variable);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

bool Has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

// What git resolves http.extraHeader to for `url` with `extra_env`.
std::string GitHeaderFor(const std::string& url, const std::vector<std::string>& extra_env) {
  ProcessSpec spec;
  spec.argv = {"git", "config", "--get-urlmatch", "http.extraHeader", url};
  spec.cwd = "/";
  spec.env = MinimalEnvironment("/tmp");
  spec.env.push_back("GIT_CONFIG_NOSYSTEM=1");
  spec.env.push_back("GIT_CONFIG_GLOBAL=/dev/null");
  spec.env.insert(spec.env.end(), extra_env.begin(), extra_env.end());
  auto ran = RunProcess(spec);
  EXPECT_TRUE(ran.ok());
  return ran.ok() ? ran->stdout_data : "";
}

TEST(GitTokenEnvironmentTest, GitSendsTheTokenToTheRepositoryHostOnly) {
  auto env = GitTokenEnvironment("https://git.example.com:8443/org/repo.git", "tok-123456");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  // base64("x-access-token:tok-123456")
  EXPECT_EQ(GitHeaderFor("https://git.example.com:8443/org/other.git", *env),
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46dG9rLTEyMzQ1Ng==\n");
  EXPECT_EQ(GitHeaderFor("https://evil.example.net/org/repo.git", *env), "");
  EXPECT_EQ(GitHeaderFor("https://git.example.com/org/repo.git", *env), "");  // other port
  for (const std::string& entry : *env) {
    EXPECT_EQ(entry.find("tok-123456"), std::string::npos) << "the raw token is encoded";
  }
}

TEST(GitTokenEnvironmentTest, CredentialsInTheUrlAreNotPartOfTheScope) {
  auto env = GitTokenEnvironment("https://user@git.example.com/repo", "tok-123456");
  ASSERT_TRUE(env.ok());
  EXPECT_TRUE(Has(*env, "GIT_CONFIG_KEY_0=http.https://git.example.com/.extraHeader"));
}

TEST(GitTokenEnvironmentTest, RefusesNonHttpsAndHeaderInjection) {
  EXPECT_FALSE(GitTokenEnvironment("ssh://git.example.com/repo", "tok-123456").ok());
  EXPECT_FALSE(GitTokenEnvironment("/srv/repo", "tok-123456").ok());
  EXPECT_FALSE(GitTokenEnvironment("https://git.example.com/r", "tok\r\nX-Evil: 1").ok());
}

TEST(ResolveJobSecretsTest, JobAndRegistrySecretsReachTheScannerEnvironment) {
  v1::JobAssignment job;
  job.mutable_target()->set_url("http://app.internal/");
  job.mutable_target()->add_secret_names("dast.login");
  ScannerSpec spec;
  spec.name = "zap";
  spec.secret_env = {{"ZAP_API_KEY", "zap-key"}};
  auto secrets = ResolveJobSecrets(job, spec,
                                   FakeSource({{"SCANFLEET_SECRET_DAST_LOGIN", "admin:pa55word"},
                                               {"SCANFLEET_SECRET_ZAP_KEY", "zk-0000-1111"}}));
  ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
  EXPECT_TRUE(Has(secrets->scanner_env, "SCANFLEET_SECRET_DAST_LOGIN=admin:pa55word"));
  EXPECT_TRUE(Has(secrets->scanner_env, "ZAP_API_KEY=zk-0000-1111"));
  EXPECT_TRUE(secrets->git_env.empty());
  EXPECT_EQ(secrets->redactor.Redact("k=zk-0000-1111"), "k=[REDACTED:zap-key]");
}

TEST(ResolveJobSecretsTest, RepoTokenGoesToGitOnly) {
  v1::JobAssignment job;
  job.mutable_target()->set_repo("https://git.example.com/org/private.git");
  job.mutable_target()->set_repo_token_secret("repo-token");
  auto secrets = ResolveJobSecrets(job, ScannerSpec{},
                                   FakeSource({{"SCANFLEET_SECRET_REPO_TOKEN", "glpat-abcdef"}}));
  ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
  EXPECT_TRUE(secrets->scanner_env.empty());
  EXPECT_EQ(secrets->git_env.size(), 3u);
  EXPECT_EQ(secrets->redactor.Redact("glpat-abcdef"), "[REDACTED:repo-token]");
}

TEST(ResolveJobSecretsTest, MissingSecretIsNamedWithoutValues) {
  v1::JobAssignment job;
  job.mutable_target()->add_secret_names("present");
  job.mutable_target()->add_secret_names("absent");
  auto secrets =
      ResolveJobSecrets(job, ScannerSpec{}, FakeSource({{"SCANFLEET_SECRET_PRESENT", "v4lue"}}));
  ASSERT_FALSE(secrets.ok());
  EXPECT_NE(secrets.status().message().find("'absent'"), std::string::npos);
  EXPECT_EQ(secrets.status().message().find("v4lue"), std::string::npos);
}

TEST(ResolveJobSecretsTest, MissingRegistrySecretNamesTheVariable) {
  ScannerSpec spec;
  spec.name = "dastly";
  spec.secret_env = {{"DASTLY_TOKEN", "dastly-token"}};
  auto secrets = ResolveJobSecrets(v1::JobAssignment{}, spec, FakeSource({}));
  ASSERT_FALSE(secrets.ok());
  EXPECT_NE(secrets.status().message().find("$DASTLY_TOKEN"), std::string::npos);
  EXPECT_NE(secrets.status().message().find("'dastly-token'"), std::string::npos);
}

TEST(RedactResultTest, EveryStringOfAResultIsRedacted) {
  Redactor redactor(std::map<std::string, std::string>{{"pw", "pa55word-xyz"}});
  v1::JobResult result;
  result.set_error("login pa55word-xyz failed");
  result.set_output_tail("echo pa55word-xyz");
  v1::Finding* finding = result.add_findings();
  finding->set_message("found pa55word-xyz");
  finding->set_snippet("password = 'pa55word-xyz'");
  finding->set_evidence("pw=pa55word-xyz");
  finding->set_url("http://h/?pw=pa55word-xyz");
  finding->set_parameter("pa55word-xyz");
  finding->set_title("pa55word-xyz");
  RedactResult(redactor, &result);
  EXPECT_EQ(result.DebugString().find("pa55word"), std::string::npos) << result.DebugString();
  EXPECT_EQ(result.findings(0).snippet(), "password = '[REDACTED:pw]'");
}

}  // namespace
}  // namespace scanfleet
