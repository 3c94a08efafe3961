#include "worker/workspace/git_checkout.h"

#include <cctype>
#include <vector>

#include "worker/workspace/git_command.h"

namespace scanfleet {

namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
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

StatusOr<CheckoutResult> CloneAndResolve(const std::string& repo, const std::string& ref,
                                         const std::string& dest_dir, const std::string& home_dir,
                                         int64_t timeout_ms, const CancelSignal* cancel,
                                         const std::vector<std::string>& credential_env) {
  RETURN_IF_ERROR(ValidateRepoLocation(repo));
  RETURN_IF_ERROR(ValidateRef(ref));
  ASSIGN_OR_RETURN(ProcessResult clone,
                   RunGitCommand({"clone", "--quiet", "--no-checkout", "--", repo, dest_dir},
                                 home_dir, timeout_ms, cancel, credential_env));
  if (clone.exit_code != 0) {
    std::string why = clone.stderr_data;
    bool missing = why.find("does not exist") != std::string::npos ||
                   why.find("not found") != std::string::npos ||
                   why.find("not a git repository") != std::string::npos;
    if (missing) return Status::InvalidArgument("cannot clone " + repo + ": " + why);
    return Status::Unavailable("git clone failed: " + why);
  }
  for (const std::string& candidate : {ref, "origin/" + ref}) {
    ASSIGN_OR_RETURN(ProcessResult resolved,
                     RunGitCommand({"-C", dest_dir, "rev-parse", "--verify", "--quiet",
                                    "--end-of-options", candidate + "^{commit}"},
                                   home_dir, timeout_ms, cancel));
    if (resolved.exit_code == 0) {
      return CheckoutResult{resolved.stdout_data.substr(0, resolved.stdout_data.find('\n'))};
    }
  }
  return Status::InvalidArgument("ref '" + ref + "' not found in " + repo);
}

Status CheckoutTree(const std::string& dest_dir, const std::string& commit,
                    const std::string& home_dir, int64_t timeout_ms, const CancelSignal* cancel) {
  ASSIGN_OR_RETURN(ProcessResult checkout,
                   RunGitCommand({"-C", dest_dir, "checkout", "--quiet", "--detach", commit},
                                 home_dir, timeout_ms, cancel));
  if (checkout.exit_code != 0) {
    return Status::Unavailable("git checkout failed: " + checkout.stderr_data);
  }
  return Status::Ok();
}

StatusOr<CheckoutResult> CheckoutCommit(const std::string& repo, const std::string& ref,
                                        const std::string& dest_dir, const std::string& home_dir,
                                        int64_t timeout_ms, const CancelSignal* cancel,
                                        const std::vector<std::string>& credential_env) {
  ASSIGN_OR_RETURN(CheckoutResult cloned, CloneAndResolve(repo, ref, dest_dir, home_dir, timeout_ms,
                                                          cancel, credential_env));
  RETURN_IF_ERROR(CheckoutTree(dest_dir, cloned.commit, home_dir, timeout_ms, cancel));
  return cloned;
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
    ASSIGN_OR_RETURN(ProcessResult found,
                     RunGitCommand({"-C", repo_dir, "cat-file", "-e", "--end-of-options",
                                    base_commit + "^{commit}"},
                                   home_dir, timeout_ms, cancel));
    return found.exit_code == 0;
  };
  ASSIGN_OR_RETURN(bool present, have_base());
  if (!present) {
    // Not in the clone (a shallow or partial remote): ask origin for it.
    ASSIGN_OR_RETURN(ProcessResult fetched,
                     RunGitCommand({"-C", repo_dir, "fetch", "--quiet", "--no-tags", "origin", "--",
                                    base_commit},
                                   home_dir, timeout_ms, cancel, credential_env));
    (void)fetched;  // a refused fetch shows as the commit still missing
    ASSIGN_OR_RETURN(present, have_base());
  }
  if (!present) {
    return Status::NotFound("base commit " + base_commit.substr(0, 12) +
                            " is not in the repository");
  }
  ASSIGN_OR_RETURN(ProcessResult diff,
                   RunGitCommand({"-C", repo_dir, "diff", "--name-status", "-z", "--find-renames",
                                  "--no-ext-diff", "--no-textconv", "--no-color",
                                  "--ignore-submodules", base_commit, commit, "--"},
                                 home_dir, timeout_ms, cancel, {}, kMaxDiffBytes));
  if (diff.exit_code != 0) return Status::Unavailable("git diff failed: " + diff.stderr_data);
  return std::move(diff.stdout_data);
}

}  // namespace scanfleet
