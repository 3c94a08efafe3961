// scanfleet-controller: flags and config file -> ControllerConfig -> loop.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/incremental/shard.h"
#include "common/log/log.h"
#include "common/process/stop_signal.h"
#include "common/scanners/registry.h"
#include "controller/config/controller_config.h"
#include "controller/loop/controller_loop.h"

namespace {

// "name=value" pairs for repeated flags such as --pool sast=7710.
bool SplitPair(const std::string& text, std::string& name, std::string& value) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  name = text.substr(0, eq);
  value = text.substr(eq + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Every loop iteration allocates and frees SQLite pages and message buffers;
  // with glibc's default trim threshold the heap top went back to the kernel
  // and was faulted in again each time (brk + page faults were a quarter of
  // the loop's CPU under load). Keep up to 64 MiB of freed heap instead.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  using scanfleet::ControllerConfig;
  ControllerConfig config;
  std::string log_level = "info";
  std::vector<std::string> pools, profiles, scanner_pools, profile_max_failures, pool_caps;
  CLI::App app{
      "scanfleet-controller: schedules security-scan jobs over ZeroMQ to a fleet of workers,\n"
      "keeps scans, jobs, attempts and findings in SQLite and publishes findings to subscribers.\n"
      "Port 0 picks a free port (see --endpoints-file)."};
  // A flag given twice (e.g. after a config file or a wrapper script): the last one wins.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_config("--config", "", "TOML config file; keys are the long flag names");
  app.add_option("--bind-host", config.bind_host, "Address every socket binds to")
      ->capture_default_str();
  app.add_option("--api-port", config.api_port, "REP socket for clients")->capture_default_str();
  app.add_option("--results-port", config.results_port, "PULL socket for worker messages")
      ->capture_default_str();
  app.add_option("--control-port", config.control_port, "PUB socket for acks/cancels to workers")
      ->capture_default_str();
  app.add_option("--events-port", config.events_port, "PUB socket for findings and scan events")
      ->capture_default_str();
  app.add_option("--pool", pools,
                 "Job pool and its PUSH port, NAME=PORT (default sast=7710 dast=7711)");
  app.add_option("--scanner-registry", config.scanner_registry,
                 "Scanner registry JSON file overlaid on the shipped one: scanner kinds, pools "
                 "and profiles (see scanfleet-worker --print-registry)");
  app.add_option("--suppressions", config.suppressions_file,
                 "Suppressions JSON file (docs/BASELINES.md): findings matched by fingerprint, "
                 "rule or path glob, each with a reason, are reported as suppressed and do not "
                 "count for CI gates; applies to every repository or to an entry's \"repo\"");
  app.add_option("--dast-allow", config.dast_allow,
                 "Hosts/CIDRs DAST scans may target, e.g. 10.0.0.0/8,app.internal "
                 "(default: none, DAST submissions are refused)")
      ->delimiter(',');
  app.add_option("--profile", profiles,
                 "Scan profile, NAME=SCANNER[,SCANNER...]; given once, replaces the registry's "
                 "profiles");
  app.add_option("--scanner-pool", scanner_pools,
                 "Pool that runs a scanner, SCANNER=POOL (default: the registry's pool)");
  app.add_option("--default-profile", config.default_profile)->capture_default_str();
  app.add_option("--default-shards", config.default_shards,
                 "Shards per per-file scanner (flawfinder, bandit, shellcheck) for scans that "
                 "ask for none; each shard is a job scanning 1/N of the files, run in parallel "
                 "across workers (0 or 1: off)")
      ->check(CLI::Range(0u, scanfleet::kMaxShards))
      ->capture_default_str();
  app.add_option("--database", config.database_path, "SQLite database file")->capture_default_str();
  app.add_option("--endpoints-file", config.endpoints_file,
                 "Write the bound endpoints here as JSON once listening");
  app.add_option("--heartbeat-interval-ms", config.scheduler.heartbeat_interval_ms)
      ->capture_default_str();
  app.add_option("--dead-after-missed", config.scheduler.dead_after_missed,
                 "Missed heartbeats before a worker is declared dead")
      ->capture_default_str();
  app.add_option("--accept-timeout-ms", config.scheduler.accept_timeout_ms,
                 "A dispatched job not accepted within this is re-dispatched")
      ->capture_default_str();
  app.add_option("--lease-ms", config.scheduler.lease_ms,
                 "Lease of a running job, renewed by each worker heartbeat")
      ->capture_default_str();
  app.add_option("--max-failures", config.scheduler.max_failures,
                 "Failed attempts (crash, timeout, bad output) before a job is dead-lettered")
      ->capture_default_str();
  app.add_option("--profile-max-failures", profile_max_failures,
                 "Per-profile attempt budget, PROFILE=N (overrides --max-failures)");
  app.add_option("--dast-target-max-running", config.scheduler.limits.per_target_max_running,
                 "DAST jobs in flight at once against one target host (0: no cap)")
      ->capture_default_str();
  app.add_option("--dast-target-interval-ms", config.scheduler.limits.per_target_min_interval_ms,
                 "Least time between two DAST job starts against one target host")
      ->capture_default_str();
  app.add_option("--pool-max-running", pool_caps,
                 "Cap on jobs in flight in a pool, POOL=N (default: the workers' slots)");
  app.add_option("--unschedulable-timeout-ms", config.scheduler.unschedulable_timeout_ms,
                 "A queued job whose pool has no live worker with its scanner fails after this "
                 "long (0: waits forever)")
      ->capture_default_str();
  app.add_option("--worker-retention-ms", config.scheduler.worker_retention_ms,
                 "A worker dead or gone this long is forgotten (no longer listed; 0: keep all)")
      ->capture_default_str();
  app.add_option("--raw-report-retention-ms", config.raw_report_retention_ms,
                 "Raw scanner reports (kept for `scanfleet reparse`) older than this are deleted")
      ->capture_default_str();
  app.add_option("--event-retention-ms", config.event_retention_ms,
                 "Stored events (replayed to subscribers) older than this are deleted; a "
                 "subscriber further behind is told it lost events (0: keep every event)")
      ->capture_default_str();
  app.add_option("--dispatch-retry-ms", config.scheduler.dispatch_retry_ms,
                 "Pause before re-sending a job the pool socket could not take")
      ->capture_default_str();
  app.add_option("--backoff-base-ms", config.scheduler.backoff_base_ms)->capture_default_str();
  app.add_option("--backoff-max-ms", config.scheduler.backoff_max_ms)->capture_default_str();
  app.add_option("--job-timeout-ms", config.job_timeout_ms, "Wall-clock limit per scanner run")
      ->capture_default_str();
  app.add_option("--max-frame-bytes", config.max_frame_bytes, "Larger frames are refused")
      ->capture_default_str();
  app.add_option("--max-batch", config.max_batch, "Messages per transaction (group commit)")
      ->capture_default_str();
  app.add_option("--synchronous-full", config.synchronous_full,
                 "SQLite synchronous=FULL (durable at every commit)")
      ->capture_default_str();
  auto* triggers = app.add_option_group("Triggers",
                                        "Forge webhooks and scheduled scans "
                                        "(docs/WEBHOOKS.md)");
  triggers
      ->add_option("--repos", config.repos_file,
                   "JSON file of repositories (forge, clone URL, profile, branch globs, webhook "
                   "secret source) and scheduled scans; a bad file stops the controller")
      ->check(CLI::ExistingFile);
  triggers->add_option("--webhook-listen", config.webhook_listen,
                       "HOST:PORT of the HTTP webhook receiver (POST /webhook, GET /healthz); "
                       "port 0 picks a free port, written to --endpoints-file as webhook_port "
                       "(default: off)");
  triggers
      ->add_option("--webhook-max-body", config.webhook_max_body_bytes,
                   "Larger webhook bodies are refused with 413 without being read into memory")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{64} << 20));
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  auto* security = app.add_option_group("Security",
                                        "CurveZMQ, ZAP allowlists, signatures "
                                        "(docs/SECURITY.md)");
  security
      ->add_option("--secret-key", config.secret_key_file,
                   "The controller's key pair (NAME.key from `scanfleet keys generate`)")
      ->envname("SCANFLEET_SECRET_KEY");
  security
      ->add_option("--authorized-keys", config.authorized_keys_dir,
                   "Directory with workers/, clients/ and subscribers/ holding allowed *.pub "
                   "keys; re-read on SIGHUP")
      ->envname("SCANFLEET_AUTHORIZED_KEYS");
  security
      ->add_option("--signature-window-ms", config.signature_window_ms,
                   "Signed worker messages older or newer than this are refused")
      ->capture_default_str();
  security->add_flag("--insecure-dev", config.insecure_dev,
                     "Plaintext, unauthenticated, unsigned: for a development machine only");
  CLI11_PARSE(app, argc, argv);

  std::string name, value;
  if (!pools.empty()) config.pool_ports.clear();
  for (const auto& pool : pools) {
    if (!SplitPair(pool, name, value)) {
      std::cerr << "error: --pool wants NAME=PORT, got '" << pool << "'\n";
      return 2;
    }
    try {
      config.pool_ports[name] = static_cast<uint32_t>(std::stoul(value));
    } catch (...) {
      std::cerr << "error: --pool " << pool << ": port is not a number\n";
      return 2;
    }
  }
  if (!config.suppressions_file.empty()) {
    std::ifstream file(config.suppressions_file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    auto suppressions =
        file ? scanfleet::ParseSuppressions(text, "controller:" + config.suppressions_file)
             : scanfleet::StatusOr<std::vector<scanfleet::Suppression>>(
                   scanfleet::Status::NotFound("cannot read " + config.suppressions_file));
    if (!suppressions.ok()) {
      std::cerr << "error: --suppressions: " << suppressions.status().message() << "\n";
      return 2;
    }
    config.suppressions = std::move(suppressions).value();
  }
  auto registry = scanfleet::LoadRegistry(config.scanner_registry);
  if (!registry.ok()) {
    std::cerr << "error: " << registry.status().message() << "\n";
    return 2;
  }
  config.profiles = registry->profiles;
  config.scanner_pools.clear();
  for (const auto& [scanner, spec] : registry->scanners) {
    // A scanner of a pool this controller does not serve is simply not
    // offered; a profile naming it is refused at submit with that reason.
    if (!config.pool_ports.count(spec.pool)) continue;
    config.scanner_pools[scanner] = spec.pool;
    config.scanner_kinds[scanner] = spec.kind == scanfleet::ScannerKind::kDast ? "dast" : "sast";
    config.scanner_parsers[scanner] = spec.parser;
    if (!spec.file_patterns.empty()) config.per_file_scanners.insert(scanner);
  }
  if (!profiles.empty()) config.profiles.clear();
  for (const auto& profile : profiles) {
    if (!SplitPair(profile, name, value) || value.empty()) {
      std::cerr << "error: --profile wants NAME=SCANNER[,SCANNER...], got '" << profile << "'\n";
      return 2;
    }
    auto& scanners = config.profiles[name];
    for (size_t start = 0; start <= value.size();) {
      size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) scanners.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  for (const auto& mapping : scanner_pools) {
    if (!SplitPair(mapping, name, value)) {
      std::cerr << "error: --scanner-pool wants SCANNER=POOL, got '" << mapping << "'\n";
      return 2;
    }
    config.scanner_pools[name] = value;
  }
  for (const auto& cap : pool_caps) {
    uint32_t count = 0;
    try {
      if (SplitPair(cap, name, value)) count = static_cast<uint32_t>(std::stoul(value));
    } catch (...) {
    }
    if (count == 0) {
      std::cerr << "error: --pool-max-running wants POOL=N with N >= 1, got '" << cap << "'\n";
      return 2;
    }
    config.scheduler.limits.pool_max_running[name] = count;
  }
  for (const auto& budget : profile_max_failures) {
    uint32_t count = 0;
    try {
      if (SplitPair(budget, name, value)) count = static_cast<uint32_t>(std::stoul(value));
    } catch (...) {
    }
    if (count == 0) {
      std::cerr << "error: --profile-max-failures wants PROFILE=N with N >= 1, got '" << budget
                << "'\n";
      return 2;
    }
    config.profile_max_failures[name] = count;
  }
  if (auto status = scanfleet::InitLogging("controller", log_level); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }

  // SIGTERM/SIGINT arrive on a signalfd the loop polls: it stops between batches.
  auto stop_fd_or = scanfleet::StopSignalFd();
  if (!stop_fd_or.ok()) {
    std::cerr << "scanfleet-controller: " << stop_fd_or.status().ToString() << "\n";
    return 1;
  }
  int stop_fd = *stop_fd_or;
  // SIGHUP re-reads the key allowlists (a revoked key is refused from then on).
  auto reload_fd_or = scanfleet::ReloadSignalFd();
  if (!reload_fd_or.ok()) {
    std::cerr << "scanfleet-controller: " << reload_fd_or.status().ToString() << "\n";
    return 1;
  }

  scanfleet::SystemClock clock;
  scanfleet::ControllerLoop loop(config, clock);
  if (auto status = loop.Start(); !status.ok()) {
    std::cerr << "scanfleet-controller: cannot start: " << status.ToString() << "\n";
    return 1;
  }
  if (auto status = loop.Run(stop_fd, *reload_fd_or); !status.ok()) {
    std::cerr << "scanfleet-controller: " << status.ToString() << "\n";
    return 1;
  }
  close(stop_fd);
  close(*reload_fd_or);
  return 0;
}
