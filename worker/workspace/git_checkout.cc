#include "worker/workspace/git_checkout.h"

#include <cctype>
#include <vector>

#include "worker/exec/process_runner.h"

namespace scanfleet {

namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> GitEnvironment(const std::string& home,
                                        const std::vector<std::string>& credential_env) {
  std::vector<std::string> env = MinimalEnvironment(home);
  env.push_back("GIT_TERMINAL_PROMPT=0");
  env.push_back("GIT_CONFIG_NOSYSTEM=1");
  env.push_back("GIT_CONFIG_GLOBAL=/dev/null");
  env.insert(env.end(), credential_env.begin(), credential_env.end());
  return env;
}

StatusOr<ProcessResult> Git(std::vector<std::string> args, const std::string& home,
                            int64_t timeout_ms, const CancelSignal* cancel,
                            const std::vector<std::string>& credential_env = {},
                            size_t max_stdout_bytes = 1 << 20) {
  ProcessSpec spec;
  spec.argv = {"git",
               "-c",
               "protocol.ext.allow=never",
               "-c",
               "core.hooksPath=/dev/null",
               "-c",
               "safe.directory=*"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = home;
  spec.env = GitEnvironment(home, credential_env);
  spec.timeout_ms = timeout_ms;
  spec.max_stdout_bytes = max_stdout_bytes;
  spec.max_stderr_bytes = 8192;
  ASSIGN_OR_RETURN(ProcessResult result, RunProcess(spec, cancel));
  if (result.cancelled) return Status::Unavailable("cancelled");
  if (result.timed_out) return Status::DeadlineExceeded("git timed out");
  if (result.stdout_truncated) return Status::ResourceExhausted("git printed too much");
  return result;
}

// A diff of a large commit lists every changed path once.
constexpr size_t kMaxDiffBytes = 32 << 20;

}  // namespace

Status ValidateRepoLocation(std::string_view repo) {
  if (repo.empty()) return Status::InvalidArgument("repository location is empty");
  if (repo.size() > 4096) return Status::InvalidArgument("repository location is too long");
  if (repo.front() == '-') return Status::InvalidArgument("repository must not start with '-'");
  for (unsigned char c : repo) {
    if (c < 0x21 || c == 0x7f) {
      return Status::InvalidArgument("repository location contains whitespace or control bytes");
    }
  }
  if (StartsWith(repo, "https://") || StartsWith(repo, "ssh://") || StartsWith(repo, "file://") ||
      repo.front() == '/') {
    return Status::Ok();
  }
  return Status::InvalidArgument(
      "repository must be an https://, ssh://, file:// URL or an "
      "absolute path");
}

Status ValidateRef(std::string_view ref) {
  if (ref.empty() || ref.size() > 255) return Status::InvalidArgument("ref must be 1-255 bytes");
  if (ref.front() == '-') return Status::InvalidArgument("ref must not start with '-'");
  for (char c : ref) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '/' &&
        c != '-') {
      return Status::InvalidArgument("ref may only contain letters, digits and . _ / -");
    }
  }
  if (ref.find("..") != std::string_view::npos || ref.find("//") != std::string_view::npos ||
      ref.back() == '/' || ref.front() == '/' || ref.ends_with(".lock")) {
    return Status::InvalidArgument("ref is not a valid git ref name");
  }
  return Status::Ok();
}

StatusOr<CheckoutResult> CheckoutCommit(const std::string& repo, const std::string& ref,
                                        const std::string& dest_dir, const std::string& home_dir,
                                        int64_t timeout_ms, const CancelSignal* cancel,
                                        const std::vector<std::string>& credential_env) {
  RETURN_IF_ERROR(ValidateRepoLocation(repo));
  RETURN_IF_ERROR(ValidateRef(ref));
  ASSIGN_OR_RETURN(ProcessResult clone,
                   Git({"clone", "--quiet", "--no-checkout", "--", repo, dest_dir}, home_dir,
                       timeout_ms, cancel, credential_env));
  if (clone.exit_code != 0) {
    std::string why = clone.stderr_data;
    bool missing = why.find("does not exist") != std::string::npos ||
                   why.find("not found") != std::string::npos ||
                   why.find("not a git repository") != std::string::npos;
    if (missing) return Status::InvalidArgument("cannot clone " + repo + ": " + why);
    return Status::Unavailable("git clone failed: " + why);
  }
  std::string commit;
  for (const std::string& candidate : {ref, "origin/" + ref}) {
    ASSIGN_OR_RETURN(ProcessResult resolved,
                     Git({"-C", dest_dir, "rev-parse", "--verify", "--quiet", "--end-of-options",
                          candidate + "^{commit}"},
                         home_dir, timeout_ms, cancel));
    if (resolved.exit_code == 0) {
      commit = resolved.stdout_data.substr(0, resolved.stdout_data.find('\n'));
      break;
    }
  }
  if (commit.empty()) return Status::InvalidArgument("ref '" + ref + "' not found in " + repo);
  ASSIGN_OR_RETURN(ProcessResult checkout,
                   Git({"-C", dest_dir, "checkout", "--quiet", "--detach", commit}, home_dir,
                       timeout_ms, cancel));
  if (checkout.exit_code != 0) {
    return Status::Unavailable("git checkout failed: " + checkout.stderr_data);
  }
  return CheckoutResult{commit};
}

bool IsCommitId(std::string_view text) {
  if (text.size() != 40 && text.size() != 64) return false;
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

StatusOr<std::string> DiffNameStatus(const std::string& repo_dir, const std::string& base_commit,
                                     const std::string& commit, const std::string& home_dir,
                                     int64_t timeout_ms, const CancelSignal* cancel,
                                     const std::vector<std::string>& credential_env) {
  if (!IsCommitId(base_commit) || !IsCommitId(commit)) {
    return Status::InvalidArgument("base commit is not a full hexadecimal commit id");
  }
  auto have_base = [&]() -> StatusOr<bool> {
    ASSIGN_OR_RETURN(ProcessResult found, Git({"-C", repo_dir, "cat-file", "-e", "--end-of-options",
                                               base_commit + "^{commit}"},
                                              home_dir, timeout_ms, cancel));
    return found.exit_code == 0;
  };
  ASSIGN_OR_RETURN(bool present, have_base());
  if (!present) {
    // Not in the clone (a shallow or partial remote): ask origin for it.
    ASSIGN_OR_RETURN(ProcessResult fetched, Git({"-C", repo_dir, "fetch", "--quiet", "--no-tags",
                                                 "origin", "--", base_commit},
                                                home_dir, timeout_ms, cancel, credential_env));
    (void)fetched;  // a refused fetch shows as the commit still missing
    ASSIGN_OR_RETURN(present, have_base());
  }
  if (!present) {
    return Status::NotFound("base commit " + base_commit.substr(0, 12) +
                            " is not in the repository");
  }
  ASSIGN_OR_RETURN(
      ProcessResult diff,
      Git({"-C", repo_dir, "diff", "--name-status", "-z", "--find-renames", "--no-ext-diff",
           "--no-textconv", "--no-color", "--ignore-submodules", base_commit, commit, "--"},
          home_dir, timeout_ms, cancel, {}, kMaxDiffBytes));
  if (diff.exit_code != 0) return Status::Unavailable("git diff failed: " + diff.stderr_data);
  return std::move(diff.stdout_data);
}

}  // namespace scanfleet
