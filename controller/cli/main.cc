// scanfleet: the client CLI of a scanfleet controller.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>

#include "common/process/stop_signal.h"
#include "common/security/client_security.h"
#include "common/transport/zmq_socket.h"
#include "controller/cli/commands.h"
#include "controller/cli/diff.h"
#include "controller/cli/hook.h"

int main(int argc, char** argv) {
  namespace cli = scanfleet::cli;
  const char* env_controller = std::getenv("SCANFLEET_CONTROLLER");
  std::string controller = env_controller ? env_controller : "tcp://127.0.0.1:7700";
  int timeout_ms = 5000;

  CLI::App app{
      "scanfleet: submit security scans to a scanfleet controller and read their results.\n"
      "Exit codes: 0 ok, 1 --fail-on met, 2 bad usage/request, 3 scan failed, "
      "4 controller unreachable."};
  app.add_option("--controller", controller, "Controller API endpoint (env SCANFLEET_CONTROLLER)")
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "How long to wait for each controller answer")
      ->capture_default_str();
  app.require_subcommand(1);
  std::string key_file, controller_key_file;
  bool insecure_dev = false;
  auto* security = app.add_option_group("Security", "CurveZMQ keys (docs/SECURITY.md)");
  security
      ->add_option("--key", key_file,
                   "This client's key pair (NAME.key); its .pub must be in the controller's "
                   "clients/ (or, for tail, subscribers/) directory")
      ->envname("SCANFLEET_KEY");
  security
      ->add_option("--controller-key", controller_key_file,
                   "The controller's public key (controller.pub)")
      ->envname("SCANFLEET_CONTROLLER_KEY");
  security
      ->add_flag("--insecure-dev", insecure_dev,
                 "Plaintext, for a controller started with --insecure-dev")
      ->envname("SCANFLEET_INSECURE_DEV");

  auto* keys_cmd = app.add_subcommand("keys", "Manage CurveZMQ/Ed25519 key pairs");
  keys_cmd->require_subcommand(1);
  std::string key_name, key_dir = ".";
  auto* generate_cmd = keys_cmd->add_subcommand(
      "generate", "Write NAME.key (secret, 0600) and NAME.pub (public) into a directory");
  generate_cmd->add_option("name", key_name, "Key name, e.g. controller, worker-1, ci")->required();
  generate_cmd->add_option("--out", key_dir, "Directory to write into (created if missing)")
      ->capture_default_str();

  cli::SubmitOptions submit;
  auto* submit_cmd = app.add_subcommand("submit", "Submit a scan of a git commit or a DAST target");
  submit_cmd->add_option("--repo", submit.repo,
                         "Git repository: local path, https://, ssh://, file://");
  submit_cmd->add_option("--ref", submit.ref, "Commit, branch or tag to scan")
      ->capture_default_str();
  submit_cmd->add_option("--branch", submit.branch,
                         "Branch the commit belongs to, e.g. main (scans of a branch form its "
                         "history)");
  submit_cmd->add_flag("--incremental", submit.incremental,
                       "Per-file scanners (flawfinder, bandit, shellcheck) scan only the files "
                       "changed since the baseline scan's commit (--baseline, or the latest "
                       "succeeded scan of --baseline-branch); its findings of unchanged files are "
                       "carried forward. Without a usable baseline: a full scan");
  submit_cmd
      ->add_option("--shards", submit.shards,
                   "Split each per-file scanner into N jobs (1..64), each scanning the files "
                   "whose path hashes to its shard, run in parallel across workers")
      ->check(CLI::Range(1u, 64u));
  submit_cmd->add_option("--target", submit.target, "DAST target URL or host");
  submit_cmd->add_option("--profile", submit.profile,
                         "Scan profile (controller's default if empty)");
  submit_cmd->add_flag("--wait", submit.wait, "Show progress and wait for the scan to finish");
  submit_cmd->add_option("--fail-on", submit.fail_on,
                         "With --wait: exit 1 if a finding is at or above this severity");
  submit_cmd->add_flag("--json", submit.json, "Machine-readable output");
  submit_cmd->add_option("--baseline", submit.baseline_scan_id,
                         "Classify findings against this finished scan of the same repository "
                         "(default: the latest succeeded scan of --baseline-branch)");
  submit_cmd->add_option("--baseline-branch", submit.baseline_branch,
                         "Branch whose latest succeeded scan (same profile) is the baseline "
                         "(default: --branch)");
  submit_cmd->add_flag("--new-only", submit.new_only,
                       "With --wait: --fail-on counts only NEW, unsuppressed findings (the CI "
                       "gate) and the new findings are listed");
  submit_cmd->add_option("--report", submit.report_format,
                         "With --wait: write the scan's report when it finishes: sarif, "
                         "defectdojo, gitlab, json or csv");
  submit_cmd->add_option("--report-out", submit.report_out, "File for --report (default stdout)");
  submit_cmd->add_option("--trigger", submit.trigger,
                         "Who submits, recorded with the scan: cli (default), hook, ci, ...");
  submit_cmd->add_option("--idempotency-key", submit.idempotency_key,
                         "Submitting again with the same key returns the first scan "
                         "(default: a random key, so retries inside this run are safe)");
  submit_cmd->add_option("--secret", submit.secrets,
                         "Name of a secret the workers hold (repeatable); the scanner gets it "
                         "as $SCANFLEET_SECRET_<NAME>. Pass the name, never the value");
  submit_cmd->add_option("--repo-token-secret", submit.repo_token_secret,
                         "Name of the secret holding an access token for the https:// "
                         "repository; only git sees it");
  submit_cmd
      ->add_option("--patience-ms", submit.patience_ms,
                   "Keep retrying an unreachable controller this long (e.g. while it "
                   "restarts)")
      ->capture_default_str();

  uint64_t scan_id = 0;
  bool json = false;
  auto* status_cmd = app.add_subcommand("status", "Show a scan's state and jobs");
  status_cmd->add_option("scan", scan_id, "Scan id")->required();
  status_cmd->add_flag("--json", json, "Machine-readable output");

  std::string min_severity = "info";
  auto* findings_cmd = app.add_subcommand("findings", "List a scan's findings");
  findings_cmd->add_option("scan", scan_id, "Scan id")->required();
  findings_cmd->add_option("--min-severity", min_severity, "Only at or above this severity")
      ->capture_default_str();
  findings_cmd->add_flag("--json", json, "Machine-readable output");

  auto* workers_cmd = app.add_subcommand("workers", "List the workers the controller knows");
  workers_cmd->add_flag("--json", json, "Machine-readable output");
  auto* schedules_cmd = app.add_subcommand(
      "schedules",
      "List the controller's scheduled scans (from its --repos file): cron, next fire time "
      "(UTC), overlap policy, last scan and its state");
  schedules_cmd->add_flag("--json", json, "Machine-readable output");

  cli::TailOptions tail;
  auto* tail_cmd = app.add_subcommand(
      "tail", "Follow findings as they are stored: one JSON object per line, no gap, no duplicate");
  tail_cmd->add_option("--scan", tail.scan_id, "Only events of this scan");
  tail_cmd->add_option("--from-seq", tail.from_seq,
                       "Replay stored events after this sequence number first (0 = everything)");
  tail_cmd->add_option("--until-scan-done", tail.until_scan_done,
                       "Exit once this scan has finished");
  tail_cmd->add_option("--max-findings", tail.max_findings, "Exit after this many findings");
  tail_cmd->add_flag("--all-events", tail.all_events, "Print scan lifecycle events too");

  cli::SiemOptions siem;
  auto* siem_cmd = app.add_subcommand(
      "siem",
      "Forward events to SIEMs (syslog-tcp CEF/LEEF, ECS/OCSF JSON lines) with a durable "
      "cursor; runs until SIGTERM (docs/SIEM.md)");
  siem_cmd
      ->add_option("--sink", siem.sinks,
                   "syslog-tcp://HOST:PORT[?format=cef|leef], file:PATH[?format=ecs|ocsf] or "
                   "stdout[?format=ecs|ocsf]; repeatable")
      ->required();
  siem_cmd->add_option("--cursor", siem.cursor_path,
                       "File holding the last seq every sink got; a restart resumes after it");
  siem_cmd->add_option("--from-seq", siem.from_seq,
                       "Without a saved cursor, start after this seq (default: everything)");
  siem_cmd->add_option("--topics", siem.topic_prefixes,
                       "Forward only topics starting with this prefix, e.g. finding. "
                       "(repeatable; default: all)");
  siem_cmd->add_option("--max-batch", siem.max_batch, "Events per sink write and cursor save")
      ->capture_default_str();

  std::string reason;
  auto* cancel_cmd = app.add_subcommand(
      "cancel", "Cancel a scan: unfinished jobs end cancelled, running scanners are killed");
  cancel_cmd->add_option("scan", scan_id, "Scan id")->required();
  cancel_cmd->add_option("--reason", reason, "Recorded with the cancelled jobs");
  cancel_cmd->add_flag("--json", json, "Machine-readable output");

  uint64_t job_id = 0;
  auto* retry_cmd = app.add_subcommand(
      "retry", "Re-queue dead-lettered jobs (of a scan, or one job) with a fresh attempt budget");
  auto* retry_scan = retry_cmd->add_option("scan", scan_id, "Scan id: retry all its dead jobs");
  retry_cmd->add_option("--job", job_id, "Retry only this dead job")->excludes(retry_scan);
  retry_cmd->add_flag("--json", json, "Machine-readable output");

  auto* reparse_cmd = app.add_subcommand(
      "reparse",
      "Rebuild a finished scan's findings from its kept raw reports with the controller's "
      "current parsers (after a parser fix), without re-running scanners");
  reparse_cmd->add_option("scan", scan_id, "Scan id")->required();
  reparse_cmd->add_flag("--json", json, "Machine-readable output");

  cli::DiffOptions diff;
  auto* diff_cmd = app.add_subcommand(
      "diff",
      "Classify a scan's findings against its baseline: new, unchanged, fixed, not re-checked "
      "(a failed or partial scanner never closes findings), with suppressions");
  diff_cmd->add_option("scan", diff.scan_id, "Scan id")->required();
  diff_cmd->add_option("--baseline", diff.baseline_scan_id,
                       "Compare with this scan instead of the baseline stored with the scan");
  diff_cmd->add_flag("--json", diff.json, "Machine-readable output");
  diff_cmd->add_flag("--new-only", diff.new_only, "List only the new findings");

  cli::HookOptions hook;
  auto* hook_cmd = app.add_subcommand("hook", "Install or remove scanfleet git hooks");
  hook_cmd->require_subcommand(1);
  auto* hook_install = hook_cmd->add_subcommand(
      "install",
      "Write a pre-push hook that scans the pushed commits and blocks the push on new findings "
      "at or above --fail-on (bypass: SCANFLEET_HOOK_BYPASS=\"reason\" git push, logged to "
      ".git/scanfleet-hook.log), and/or a post-commit hook that submits without blocking. The "
      "hook reaches the controller with this invocation's --controller/--key/--controller-key");
  hook_install->add_option("--repo", hook.repo, "Repository to install into")
      ->capture_default_str();
  hook_install->add_flag("--pre-push", hook.pre_push, "Install the pre-push hook (the default)");
  hook_install->add_flag("--post-commit", hook.post_commit, "Install the post-commit hook");
  hook_install->add_option("--fail-on", hook.fail_on, "Block a push on new findings at or above")
      ->capture_default_str();
  hook_install->add_option("--profile", hook.profile, "Scan profile (controller default)");
  hook_install->add_flag("--force", hook.force,
                         "Replace a hook scanfleet did not write (kept as HOOK.pre-scanfleet)");
  auto* hook_uninstall = hook_cmd->add_subcommand(
      "uninstall", "Remove scanfleet's hooks (restoring a hook --force replaced)");
  hook_uninstall->add_option("--repo", hook.repo, "Repository")->capture_default_str();

  cli::ReportOptions report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "Write a scan's findings as a report: sarif (GitHub code scanning), defectdojo (Generic "
      "Findings Import), gitlab (gl-sast-report.json 15.x), json or csv");
  report_cmd->add_option("scan", report.scan_id, "Scan id")->required();
  report_cmd->add_option("--format", report.format, "sarif, defectdojo, gitlab, json or csv")
      ->required();
  report_cmd->add_option("--output,-o", report.output, "Write to this file (default stdout)");
  report_cmd->add_option("--checkout", report.checkout,
                         "Checkout of the scanned commit: SARIF computes GitHub's "
                         "primaryLocationLineHash from the real file contents");
  report_cmd->add_flag("--allow-running", report.allow_running,
                       "Report on a scan that has not finished (marked partial)");

  CLI11_PARSE(app, argc, argv);

  if (generate_cmd->parsed()) return cli::GenerateKeys(key_name, key_dir);
  if (hook_uninstall->parsed()) return cli::HookUninstall(hook);
  if (hook_install->parsed()) {
    auto absolute = [](const std::string& path) {
      return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
    };
    hook.connection_args = {"--controller", controller};
    if (!key_file.empty())
      hook.connection_args.insert(hook.connection_args.end(), {"--key", absolute(key_file)});
    if (!controller_key_file.empty()) {
      hook.connection_args.insert(hook.connection_args.end(),
                                  {"--controller-key", absolute(controller_key_file)});
    }
    if (insecure_dev) hook.connection_args.push_back("--insecure-dev");
    std::error_code error;
    hook.scanfleet_binary = std::filesystem::read_symlink("/proc/self/exe", error).string();
    if (error) hook.scanfleet_binary = "scanfleet";
    return cli::HookInstall(hook);
  }
  auto client_security =
      scanfleet::ClientSecurity::Load(insecure_dev, key_file, controller_key_file);
  if (!client_security.ok()) {
    std::cerr << "scanfleet: " << client_security.status().message() << "\n";
    return cli::kExitUsage;
  }
  if (siem_cmd->parsed()) {
    // Before the ZeroMQ context starts threads, so they inherit the blocked mask.
    auto stop_fd = scanfleet::StopSignalFd();
    if (!stop_fd.ok()) return cli::ReportError(stop_fd.status());
    siem.stop_fd = *stop_fd;
  }
  scanfleet::Context context;
  scanfleet::ApiClient client(context, controller, "cli", client_security->Curve());
  if (submit_cmd->parsed()) return cli::Submit(client, submit, timeout_ms);
  if (status_cmd->parsed()) return cli::ShowStatus(client, scan_id, json, timeout_ms);
  if (findings_cmd->parsed()) return cli::Findings(client, scan_id, min_severity, json, timeout_ms);
  if (workers_cmd->parsed()) return cli::Workers(client, json, timeout_ms);
  if (schedules_cmd->parsed()) return cli::Schedules(client, json, timeout_ms);
  if (tail_cmd->parsed()) return cli::Tail(context, client, *client_security, tail, timeout_ms);
  if (report_cmd->parsed()) return cli::Report(client, report, timeout_ms);
  if (diff_cmd->parsed()) return cli::Diff(client, diff, timeout_ms);
  if (siem_cmd->parsed()) return cli::Siem(context, client, *client_security, siem, timeout_ms);
  if (reparse_cmd->parsed()) return cli::Reparse(client, scan_id, json, timeout_ms);
  if (cancel_cmd->parsed()) return cli::Cancel(client, scan_id, reason, json, timeout_ms);
  if (retry_cmd->parsed()) {
    if (scan_id == 0 && job_id == 0) {
      std::cerr << "scanfleet retry: give a scan id or --job ID\n";
      return cli::kExitUsage;
    }
    return cli::Retry(client, scan_id, job_id, json, timeout_ms);
  }
  return cli::kExitUsage;
}
