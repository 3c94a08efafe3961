// The secrets of one job: resolved by name on the worker, handed to the
// processes that need them through their environment only, and redacted from
// everything the job sends back.
//
// A job names secrets three ways: ScanTarget.secret_names (each given to the
// scanner as SecretEnvironmentName(name)), the scanner registry's "secrets"
// map (environment variable -> secret name) and ScanTarget.repo_token_secret
// (given to git only, as an HTTP Authorization header scoped to the
// repository's host through GIT_CONFIG_* variables; never in argv or the URL).
// Values never enter an argv, a log line or a result: RedactResult replaces
// every form the Redactor knows in each string of a JobResult, and the job
// runner redacts scanner output before it parses or keeps it.
// Thread-safety: pure functions over their arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/scanners/registry.h"
#include "common/status/status.h"
#include "proto/scanfleet.pb.h"
#include "worker/secrets/redactor.h"
#include "worker/secrets/secret_source.h"

namespace scanfleet {

struct JobSecrets {
  std::vector<std::string> scanner_env;  // "NAME=value" added to the scanner's environment
  std::vector<std::string> git_env;      // "NAME=value" added to git's environment
  Redactor redactor;                     // built from every value resolved for the job
};

// Resolves every secret the job and its scanner name. Errors (a secret this
// worker does not have, a refused secret file, a repository token for a
// repository that is not https://) name the secret, never its value; the job
// fails with FAILURE_BAD_INPUT and is not retried.
StatusOr<JobSecrets> ResolveJobSecrets(const v1::JobAssignment& job, const ScannerSpec& spec,
                                       const SecretSource& source);

// git configuration, as environment entries, that sends `token` as HTTP
// Basic credentials ("x-access-token:<token>", accepted as a token by GitHub,
// GitLab, Gitea and Azure DevOps) to the host of the https:// `repo` only.
// InvalidArgument for a repo that is not https:// or a token with a line break.
StatusOr<std::vector<std::string>> GitTokenEnvironment(std::string_view repo,
                                                       std::string_view token);

// Redacts every string a JobResult carries back: error, output_tail, the
// resolved commit and tool version, and each string field of every finding.
// (raw_report is compressed: the job runner redacts it before compressing.)
void RedactResult(const Redactor& redactor, v1::JobResult* result);

}  // namespace scanfleet
