// RunGitCommand; see git_command.h.
#include "worker/workspace/git_command.h"

namespace scanfleet {

namespace {

std::vector<std::string> GitEnvironment(const std::string& home,
                                        const std::vector<std::string>& credential_env) {
  std::vector<std::string> env = MinimalEnvironment(home);
  env.push_back("GIT_TERMINAL_PROMPT=0");
  env.push_back("GIT_CONFIG_NOSYSTEM=1");
  env.push_back("GIT_CONFIG_GLOBAL=/dev/null");
  env.insert(env.end(), credential_env.begin(), credential_env.end());
  return env;
}

}  // namespace

StatusOr<ProcessResult> RunGitCommand(std::vector<std::string> args, const std::string& home,
                                      int64_t timeout_ms, const CancelSignal* cancel,
                                      const std::vector<std::string>& credential_env,
                                      size_t max_stdout_bytes) {
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

}  // namespace scanfleet
