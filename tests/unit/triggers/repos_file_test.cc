#include "controller/triggers/repos_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace scanfleet {
namespace {

constexpr char kValid[] = R"({
  "repos": [
    {"name": "app", "forge": "github", "repository": "acme/app",
     "clone_url": "https://github.com/acme/app.git", "profile": "python",
     "branches": ["main", "release/*"], "secret_env": "APP_SECRET"},
    {"name": "lib", "forge": "gitlab", "repository": "platform/lib",
     "clone_url": "https://gitlab.example/platform/lib.git", "secret_file": "/nonexistent"}
  ],
  "schedules": [
    {"name": "nightly", "repo": "app", "branch": "main", "cron": "0 2 * * *"},
    {"name": "weekly-dast", "dast_target": "http://10.0.0.5:8080/", "profile": "dast",
     "cron": "@weekly", "overlap": "queue"}
  ]
})";

std::string ErrorOf(const std::string& text) {
  auto parsed = ParseReposFile(text, "repos.json");
  return parsed.ok() ? std::string("OK") : parsed.status().message();
}

TEST(ReposFileTest, ParsesReposAndSchedules) {
  auto file = ParseReposFile(kValid, "repos.json");
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->repos.size(), 2u);
  EXPECT_EQ(file->repos[0].branches.size(), 2u);
  EXPECT_EQ(file->FindByIdentity(Forge::kGitLab, "platform/lib"), &file->repos[1]);
  EXPECT_EQ(file->FindByIdentity(Forge::kGitHub, "platform/lib"), nullptr);
  ASSERT_EQ(file->schedules.size(), 2u);
  EXPECT_EQ(file->schedules[0].overlap, OverlapPolicy::kSkip);
  EXPECT_EQ(file->schedules[1].overlap, OverlapPolicy::kQueue);
  EXPECT_TRUE(BranchAllowed(file->repos[0], "release/1.2"));
  EXPECT_FALSE(BranchAllowed(file->repos[0], "feature/x"));
  EXPECT_TRUE(BranchAllowed(file->repos[1], "anything"));
}

TEST(ReposFileTest, ErrorsNameTheFileTheEntryAndTheField) {
  EXPECT_EQ(ErrorOf("[1"), "repos.json: not valid JSON");
  EXPECT_EQ(ErrorOf(R"({"repo": []})"),
            "repos.json: top level: field 'repo': is not a known field");
  std::string no_secret = R"({"repos": [{"name": "a", "forge": "github", "repository": "x/y",
                              "clone_url": "u"}]})";
  EXPECT_EQ(ErrorOf(no_secret),
            "repos.json: repos[0]: field 'secret_env': give exactly one of secret_env and "
            "secret_file");
  std::string plain_secret = R"({"repos": [{"name": "a", "forge": "github", "repository": "x/y",
                                 "clone_url": "u", "secret": "hunter2"}]})";
  EXPECT_NE(ErrorOf(plain_secret).find("field 'secret': a secret is never written in this file"),
            std::string::npos);
  std::string bad_forge = R"({"repos": [{"name": "a", "forge": "bitbucket", "repository": "x/y",
                              "clone_url": "u", "secret_env": "S"}]})";
  EXPECT_EQ(ErrorOf(bad_forge),
            "repos.json: repos[0]: field 'forge': 'bitbucket' is not one of github, gitea, gitlab");
  std::string bad_cron = R"({"schedules": [{"name": "s", "dast_target": "http://h/",
                             "cron": "61 * * * *"}]})";
  EXPECT_EQ(ErrorOf(bad_cron),
            "repos.json: schedules[0]: field 'cron': cron minute field '61': 61 is out of range "
            "0-59");
  std::string unknown_repo = R"({"schedules": [{"name": "s", "repo": "nope", "branch": "main",
                                 "cron": "@daily"}]})";
  EXPECT_EQ(ErrorOf(unknown_repo),
            "repos.json: schedules[0]: field 'repo': 'nope' is not a name in \"repos\"");
  std::string bad_overlap = R"({"schedules": [{"name": "s", "dast_target": "http://h/",
                                "cron": "@daily", "overlap": "sometimes"}]})";
  EXPECT_EQ(ErrorOf(bad_overlap),
            "repos.json: schedules[0]: field 'overlap': 'sometimes' is not skip or queue");
  std::string twice = R"({"schedules": [{"name": "s", "dast_target": "http://h/", "cron": "@daily"},
                          {"name": "s", "dast_target": "http://h/", "cron": "@daily"}]})";
  EXPECT_EQ(ErrorOf(twice), "repos.json: schedules[1]: field 'name': 's' is used twice");
  EXPECT_EQ(ErrorOf(R"({"repos": [{"name": 5}]})"),
            "repos.json: repos[0]: field 'name': must be a string");
}

TEST(ReposFileTest, SecretsComeFromTheEnvironmentOrAnOwnerOnlyFile) {
  auto file = ParseReposFile(kValid, "repos.json");
  ASSERT_TRUE(file.ok());
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "APP_SECRET") return "s3cret";
    return std::nullopt;
  };
  // lib's secret file does not exist.
  Status missing = ResolveSecrets(*file, "repos.json", env);
  EXPECT_NE(missing.message().find("repos[1] (lib): field 'secret_file'"), std::string::npos)
      << missing.message();

  std::string path = ::testing::TempDir() + "/webhook-secret-" + std::to_string(getpid());
  {
    std::ofstream out(path);
    out << "token-from-file\n";
  }
  file->repos[1].secret_file = path;
  chmod(path.c_str(), 0644);
  Status readable = ResolveSecrets(*file, "repos.json", env);
  EXPECT_NE(readable.message().find("readable only by it"), std::string::npos)
      << readable.message();
  chmod(path.c_str(), 0600);
  ASSERT_TRUE(ResolveSecrets(*file, "repos.json", env).ok());
  EXPECT_EQ(file->repos[0].secret, "s3cret");
  EXPECT_EQ(file->repos[1].secret, "token-from-file");
  std::remove(path.c_str());

  Status unset =
      ResolveSecrets(*file, "repos.json", [](const std::string&) { return std::nullopt; });
  EXPECT_NE(unset.message().find("environment variable APP_SECRET is not set"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
