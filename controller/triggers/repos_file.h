// The deployment's --repos file: repositories whose forge webhooks may start
// scans, and scheduled scans. JSON (docs/WEBHOOKS.md has the format):
//
//   {"repos": [{"name", "forge": "github"|"gitea"|"gitlab", "repository",
//               "clone_url", "profile", "branches": [glob...],
//               "secret_env" | "secret_file"}],
//    "schedules": [{"name", "repo" + "branch" | "dast_target", "profile",
//                   "cron", "overlap": "skip"|"queue"}]}
//
// The file is untrusted input: every error names the file, the entry and the
// field, and the controller refuses to start on one. A webhook secret is never
// in the file itself: it comes from an environment variable or from a file
// only its owner can read.
// Thread-safety: plain values; parse once, then share read-only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "controller/triggers/cron.h"
#include "controller/triggers/schedule_plan.h"

namespace scanfleet {

enum class Forge { kGitHub, kGitea, kGitLab };
std::string_view ForgeName(Forge forge);

struct RepoEntry {
  std::string name;  // the deployment's name for it (schedules refer to it)
  Forge forge = Forge::kGitHub;
  std::string repository;  // GitHub/Gitea repository.full_name, GitLab project.path_with_namespace
  std::string clone_url;   // what the workers clone
  std::string profile;     // empty: the controller's default profile
  std::vector<std::string> branches;  // globs; empty: every branch
  std::string secret_env;             // webhook secret from this environment variable...
  std::string secret_file;            // ...or from this owner-only file
  std::string secret;                 // resolved by ResolveSecrets, never in the file
};

struct ScheduleEntry {
  std::string name;
  std::string repo;  // a RepoEntry name (SAST: scans the branch head)...
  std::string branch;
  std::string dast_target;  // ...or a DAST target URL
  std::string profile;
  CronExpression cron;
  OverlapPolicy overlap = OverlapPolicy::kSkip;
};

struct ReposFile {
  std::vector<RepoEntry> repos;
  std::vector<ScheduleEntry> schedules;

  const RepoEntry* FindRepo(std::string_view name) const;
  // The repository a forge's push names, or null.
  const RepoEntry* FindByIdentity(Forge forge, std::string_view repository) const;
};

// Parses the file's text; `file_name` only labels errors. Secrets are not read.
StatusOr<ReposFile> ParseReposFile(std::string_view text, const std::string& file_name);

// Fills each repo's secret: `getenv` looks up secret_env (injected for tests);
// a secret_file must be a regular file owned by this user with no group or
// other permissions.
Status ResolveSecrets(ReposFile& file, const std::string& file_name,
                      const std::function<std::optional<std::string>(const std::string&)>& getenv);

// Reads, parses and resolves secrets from the process environment.
StatusOr<ReposFile> LoadReposFile(const std::string& path);

// Whether `branch` matches one of the repo's globs (every branch if none).
bool BranchAllowed(const RepoEntry& repo, const std::string& branch);

}  // namespace scanfleet
