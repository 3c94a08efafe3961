#include "controller/cli/hook.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/finding/finding.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"

namespace scanfleet::cli {
namespace {

namespace fs = std::filesystem;

// Marks a hook this command wrote: re-installing replaces it, uninstalling removes it.
constexpr char kMarker[] = "# scanfleet-hook: managed by `scanfleet hook install`";

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// `git rev-parse --git-path hooks` in the repository (honours core.hooksPath).
std::string HooksDir(const std::string& repo) {
  std::string command = "git -C " + ShellQuote(repo) + " rev-parse --git-path hooks 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  char buffer[4096];
  std::string out;
  while (fgets(buffer, sizeof(buffer), pipe)) out += buffer;
  if (pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (out.empty()) return "";
  fs::path path(out);
  return (path.is_absolute() ? path : fs::path(repo) / path).lexically_normal().string();
}

bool IsOurs(const fs::path& hook) {
  std::ifstream file(hook);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return text.find(kMarker) != std::string::npos;
}

std::vector<std::string> Kinds(const HookOptions& options) {
  std::vector<std::string> kinds;
  if (options.pre_push || !options.post_commit) kinds.push_back("pre-push");
  if (options.post_commit) kinds.push_back("post-commit");
  return kinds;
}

// How the hook reaches the controller: this invocation's global options, with
// key files made absolute (git runs hooks from the repository's top).
std::vector<std::string> ConnectionArgs(const GlobalOptions& global) {
  auto absolute = [](const std::string& path) {
    return path.empty() ? path : fs::absolute(path).lexically_normal().string();
  };
  std::vector<std::string> args = {"--controller", global.controller};
  if (!global.key_file.empty()) args.insert(args.end(), {"--key", absolute(global.key_file)});
  if (!global.controller_key_file.empty()) {
    args.insert(args.end(), {"--controller-key", absolute(global.controller_key_file)});
  }
  if (global.insecure_dev) args.push_back("--insecure-dev");
  return args;
}

// This CLI's own path, written into the hook (the hook's $SCANFLEET_BIN overrides it).
std::string ThisBinary() {
  std::error_code error;
  std::string binary = fs::read_symlink("/proc/self/exe", error).string();
  return error ? "scanfleet" : binary;
}

}  // namespace

std::string HookScript(const std::string& kind, const HookOptions& options) {
  std::ostringstream s;
  s << "#!/bin/sh\n" << kMarker << "\n# Remove with `scanfleet hook uninstall`. docs/CI.md\n";
  s << "SCANFLEET=${SCANFLEET_BIN:-" << ShellQuote(options.scanfleet_binary) << "}\n";
  s << "scanfleet() { \"$SCANFLEET\"";
  for (const std::string& arg : options.connection_args) s << " " << ShellQuote(arg);
  s << " \"$@\"; }\n";
  s << "PROFILE=" << ShellQuote(options.profile) << "\n";
  s << "TOP=$(git rev-parse --show-toplevel) || exit 1\n";
  s << "LOG=\"$(git rev-parse --git-dir)/scanfleet-hook.log\"\n";
  if (kind == "post-commit") {
    s << R"sh(BRANCH=$(git symbolic-ref --quiet --short HEAD || echo "")
SHA=$(git rev-parse HEAD)
# Never blocks: a commit is local; the scan is for the record and for later diffs.
scanfleet submit --repo "$TOP" --ref "$SHA" --branch "$BRANCH" --trigger hook \
  ${PROFILE:+--profile "$PROFILE"} --patience-ms 0 >/dev/null 2>&1 || \
  echo "scanfleet hook: could not submit $SHA (controller unreachable?)" >&2
exit 0
)sh";
    return s.str();
  }
  s << "FAIL_ON=" << ShellQuote(options.fail_on) << "\n";
  s << R"sh(ZERO=0000000000000000000000000000000000000000
status=0
while read -r local_ref local_sha remote_ref remote_sha; do
  case "$local_sha" in *[!0]*) ;; *) continue ;; esac  # a deleted ref: nothing to scan
  BRANCH=${local_ref#refs/heads/}
  if [ -n "$SCANFLEET_HOOK_BYPASS" ]; then
    printf '%s user=%s commit=%s branch=%s reason=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      "$(id -un 2>/dev/null || echo unknown)" "$local_sha" "$BRANCH" \
      "$(printf '%s' "$SCANFLEET_HOOK_BYPASS" | tr '\n' ' ')" >> "$LOG"
    echo "scanfleet hook: bypassed ($SCANFLEET_HOOK_BYPASS); logged to $LOG" >&2
    scanfleet submit --repo "$TOP" --ref "$local_sha" --branch "$BRANCH" --trigger hook-bypass \
      ${PROFILE:+--profile "$PROFILE"} --patience-ms 0 </dev/null >/dev/null 2>&1 || true
    continue
  fi
  echo "scanfleet hook: scanning $local_sha ($BRANCH) before the push" >&2
  scanfleet submit --repo "$TOP" --ref "$local_sha" --branch "$BRANCH" --trigger hook \
    ${PROFILE:+--profile "$PROFILE"} --wait --new-only --fail-on "$FAIL_ON" </dev/null >&2
  code=$?
  case $code in
    0) ;;
    1) echo "scanfleet hook: push blocked: new findings at or above $FAIL_ON (bypass:" \
         "SCANFLEET_HOOK_BYPASS=\"reason\" git push)" >&2; status=1 ;;
    4) echo "scanfleet hook: controller unreachable; push not scanned (allowed)" >&2
       printf '%s unreachable commit=%s branch=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
         "$local_sha" "$BRANCH" >> "$LOG" ;;
    *) echo "scanfleet hook: push blocked: the scan did not complete (exit $code)" >&2; status=1 ;;
  esac
done
exit $status
)sh";
  return s.str();
}

int HookInstall(const HookOptions& options) {
  if (!ParseSeverity(options.fail_on)) {
    std::cerr << "scanfleet hook: --fail-on takes critical, high, medium, low or info\n";
    return kExitUsage;
  }
  std::string hooks = HooksDir(options.repo);
  if (hooks.empty()) {
    std::cerr << "scanfleet hook: " << options.repo << " is not a git repository\n";
    return kExitUsage;
  }
  std::error_code error;
  fs::create_directories(hooks, error);
  for (const std::string& kind : Kinds(options)) {
    fs::path hook = fs::path(hooks) / kind;
    if (fs::exists(fs::symlink_status(hook)) && !IsOurs(hook)) {
      if (!options.force) {
        std::cerr << "scanfleet hook: " << hook.string()
                  << " exists and was not written by scanfleet; not replacing it (merge it by "
                     "hand, or pass --force to keep it as "
                  << kind << ".pre-scanfleet and install ours)\n";
        return kExitUsage;
      }
      fs::rename(hook, hook.string() + ".pre-scanfleet", error);
      if (error) {
        std::cerr << "scanfleet hook: cannot move " << hook.string() << ": " << error.message()
                  << "\n";
        return kExitUsage;
      }
    }
    std::string temp = hook.string() + ".tmp";
    {
      std::ofstream out(temp, std::ios::trunc);
      out << HookScript(kind, options);
      if (!out) {
        std::cerr << "scanfleet hook: cannot write " << temp << "\n";
        return kExitUsage;
      }
    }
    chmod(temp.c_str(), 0755);
    fs::rename(temp, hook, error);
    if (error) {
      std::cerr << "scanfleet hook: cannot install " << hook.string() << ": " << error.message()
                << "\n";
      return kExitUsage;
    }
    std::cout << "installed " << hook.string() << "\n";
  }
  return kExitOk;
}

int HookUninstall(const HookOptions& options) {
  std::string hooks = HooksDir(options.repo);
  if (hooks.empty()) {
    std::cerr << "scanfleet hook: " << options.repo << " is not a git repository\n";
    return kExitUsage;
  }
  for (const std::string kind : {"pre-push", "post-commit"}) {
    fs::path hook = fs::path(hooks) / kind;
    if (!fs::exists(hook) || !IsOurs(hook)) continue;
    std::error_code error;
    fs::remove(hook, error);
    fs::path kept = hook.string() + ".pre-scanfleet";
    if (fs::exists(kept)) fs::rename(kept, hook, error);
    std::cout << "removed " << hook.string()
              << (fs::exists(hook) ? " (restored the previous hook)" : "") << "\n";
  }
  return kExitOk;
}

CommandRun SetUpHook(CLI::App& command) {
  auto hook = std::make_shared<HookOptions>();
  command.require_subcommand(1);
  auto* install = command.add_subcommand(
      "install",
      "Write a pre-push hook that scans the pushed commits and blocks the push on new findings "
      "at or above --fail-on (bypass: SCANFLEET_HOOK_BYPASS=\"reason\" git push, logged to "
      ".git/scanfleet-hook.log), and/or a post-commit hook that submits without blocking. The "
      "hook reaches the controller with this invocation's --controller/--key/--controller-key");
  install->add_option("--repo", hook->repo, "Repository to install into")->capture_default_str();
  install->add_flag("--pre-push", hook->pre_push, "Install the pre-push hook (the default)");
  install->add_flag("--post-commit", hook->post_commit, "Install the post-commit hook");
  install->add_option("--fail-on", hook->fail_on, "Block a push on new findings at or above")
      ->capture_default_str();
  install->add_option("--profile", hook->profile, "Scan profile (controller default)");
  install->add_flag("--force", hook->force,
                    "Replace a hook scanfleet did not write (kept as HOOK.pre-scanfleet)");
  auto* uninstall = command.add_subcommand(
      "uninstall", "Remove scanfleet's hooks (restoring a hook --force replaced)");
  uninstall->add_option("--repo", hook->repo, "Repository")->capture_default_str();
  return LocalRun([hook, install, uninstall](const GlobalOptions& global) {
    if (uninstall->parsed()) return HookUninstall(*hook);
    if (!install->parsed()) return kExitUsage;
    hook->connection_args = ConnectionArgs(global);
    hook->scanfleet_binary = ThisBinary();
    return HookInstall(*hook);
  });
}

}  // namespace scanfleet::cli
