// `scanfleet hook install|uninstall`: git hooks that submit the commits being
// pushed (pre-push: waits and blocks on new findings at or above a severity)
// or committed (post-commit: submits, never blocks). docs/CI.md "Git hooks".
// Thread-safety: main thread only.
#pragma once

#include <string>
#include <vector>

namespace scanfleet::cli {

struct HookOptions {
  std::string repo = ".";  // repository whose hooks to write
  bool pre_push = false;   // neither flag: pre-push only
  bool post_commit = false;
  std::string fail_on = "high";
  bool force = false;   // replace a foreign hook (kept as <hook>.pre-scanfleet)
  std::string profile;  // scan profile (controller default if empty)
  // How the hook reaches the controller: the global options of this
  // invocation (--controller, --key, --controller-key, --insecure-dev).
  std::vector<std::string> connection_args;
  std::string scanfleet_binary;  // absolute path of this CLI
};

// The hook script's text (exposed for tests).
std::string HookScript(const std::string& kind, const HookOptions& options);

int HookInstall(const HookOptions& options);
int HookUninstall(const HookOptions& options);

}  // namespace scanfleet::cli
