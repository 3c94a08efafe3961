// Checking out a commit for a SAST job, treating repo and ref as hostile.
//
// Repo locations are allowlisted by scheme (https, ssh, file, absolute path)
// and never start with '-'; refs are restricted to plain ref characters. git
// runs with an argv (never a shell), "--" before positional arguments,
// protocol.ext.allow=never, hooks disabled and a scrubbed environment.
// Credentials (a private repository's token) come in `credential_env` only:
// entries added to git's environment, never to its argv or the URL, and never
// part of an error message.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "worker/exec/cancel_signal.h"

namespace scanfleet {

Status ValidateRepoLocation(std::string_view repo);
Status ValidateRef(std::string_view ref);

struct CheckoutResult {
  std::string commit;  // full commit id the ref resolved to
};

// Clones `repo` into `dest_dir` without writing a working tree and resolves
// `ref` (a branch, tag or commit) to a commit. Errors: InvalidArgument for
// input that will never work (bad repo/ref, repo missing, ref not found),
// DeadlineExceeded, Unavailable for other failures. `credential_env`:
// "NAME=value" entries for git's environment (GIT_CONFIG_*).
StatusOr<CheckoutResult> CloneAndResolve(const std::string& repo, const std::string& ref,
                                         const std::string& dest_dir, const std::string& home_dir,
                                         int64_t timeout_ms, const CancelSignal* cancel,
                                         const std::vector<std::string>& credential_env = {});

// Writes the whole tree of `commit` into the clone at `dest_dir` (detached).
Status CheckoutTree(const std::string& dest_dir, const std::string& commit,
                    const std::string& home_dir, int64_t timeout_ms, const CancelSignal* cancel);

// CloneAndResolve, then CheckoutTree; the same errors.
StatusOr<CheckoutResult> CheckoutCommit(const std::string& repo, const std::string& ref,
                                        const std::string& dest_dir, const std::string& home_dir,
                                        int64_t timeout_ms, const CancelSignal* cancel,
                                        const std::vector<std::string>& credential_env = {});

// True for a full commit id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
bool IsCommitId(std::string_view text);

// The raw `git diff --name-status -z -M` of `base_commit` against `commit` in
// the checkout at `repo_dir` (see common/incremental/name_status.h to parse
// it). A base commit the clone lacks is fetched from origin first. Errors:
// InvalidArgument for a malformed commit id, NotFound when the base commit
// cannot be had, DeadlineExceeded, Unavailable for other git failures.
StatusOr<std::string> DiffNameStatus(const std::string& repo_dir, const std::string& base_commit,
                                     const std::string& commit, const std::string& home_dir,
                                     int64_t timeout_ms, const CancelSignal* cancel,
                                     const std::vector<std::string>& credential_env = {});

}  // namespace scanfleet
