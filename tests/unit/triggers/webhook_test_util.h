// Shared by the webhook unit tests: fixture bodies and a configured ReposFile.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "controller/triggers/repos_file.h"

namespace scanfleet::testing {

inline std::string WebhookFixture(const std::string& name) {
  std::ifstream in(std::string(SCANFLEET_FIXTURES) + "/webhooks/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// acme/sample on GitHub and Gitea, platform/sample on GitLab; main and
// develop are scanned on GitHub, every branch elsewhere.
inline ReposFile SampleRepos() {
  ReposFile file;
  RepoEntry github;
  github.name = "sample-github";
  github.forge = Forge::kGitHub;
  github.repository = "acme/sample";
  github.clone_url = "https://git.example/acme/sample.git";
  github.profile = "python";
  github.branches = {"main", "release/*"};
  github.secret_env = "X";
  github.secret = "It's a Secret to Everybody";
  RepoEntry gitea = github;
  gitea.name = "sample-gitea";
  gitea.forge = Forge::kGitea;
  gitea.branches = {};
  gitea.secret = "gitea-secret";
  RepoEntry gitlab = github;
  gitlab.name = "sample-gitlab";
  gitlab.forge = Forge::kGitLab;
  gitlab.repository = "platform/sample";
  gitlab.branches = {};
  gitlab.secret = "gitlab-token";
  file.repos = {github, gitea, gitlab};
  return file;
}

}  // namespace scanfleet::testing
