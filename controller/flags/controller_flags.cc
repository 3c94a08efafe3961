#include "controller/flags/controller_flags.h"

#include <CLI/CLI.hpp>

#include "common/incremental/shard.h"

namespace scanfleet {

namespace {

// Where the controller listens: one socket per role (jobs to every pool on one).
void AddNetworkFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--bind-host", config.bind_host, "Address every socket binds to")
      ->capture_default_str();
  app.add_option("--api-port", config.api_port, "REP socket for clients")->capture_default_str();
  app.add_option("--results-port", config.results_port, "PULL socket for worker messages")
      ->capture_default_str();
  app.add_option("--jobs-port", config.jobs_port,
                 "ROUTER socket for jobs, acks and cancels to each worker (every pool)")
      ->capture_default_str();
  app.add_option("--events-port", config.events_port,
                 "PUB socket for findings and scan events (signed pages)")
      ->capture_default_str();
  app.add_option("--replay-port", config.replay_port,
                 "ROUTER socket for event replays (served by their own thread)")
      ->capture_default_str();
  app.add_option("--pool", flags.pools, "Job pool served, repeatable (default: sast and dast)");
  app.add_option("--zmtp-heartbeat-ms", config.zmtp_heartbeat_ms,
                 "ZMTP heartbeats on worker sockets (0: off; application heartbeats carry "
                 "liveness)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
}

// What a scan runs (registry, profiles, pools, shards), what it may target and
// which of its findings are suppressed.
void AddScanFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
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
  app.add_option("--profile", flags.profiles,
                 "Scan profile, NAME=SCANNER[,SCANNER...]; given once, replaces the registry's "
                 "profiles");
  app.add_option("--scanner-pool", flags.scanner_pools,
                 "Pool that runs a scanner, SCANNER=POOL (default: the registry's pool)");
  app.add_option("--default-profile", config.default_profile)->capture_default_str();
  app.add_option("--default-shards", config.default_shards,
                 "Shards per per-file scanner (flawfinder, bandit, shellcheck) for scans that "
                 "ask for none; each shard is a job scanning 1/N of the files, run in parallel "
                 "across workers (0 or 1: off)")
      ->check(CLI::Range(0u, kMaxShards))
      ->capture_default_str();
}

// The files the controller writes.
void AddFileFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--database", config.database_path, "SQLite database file")->capture_default_str();
  app.add_option("--endpoints-file", config.endpoints_file,
                 "Write the bound endpoints here as JSON once listening");
}

// Heartbeats, leases and attempt budgets: when a worker is dead and a job failed.
void AddLeaseFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--heartbeat-interval-ms", config.scheduler.heartbeat_interval_ms)
      ->capture_default_str();
  app.add_option("--controller-heartbeat-ms", config.controller_heartbeat_ms,
                 "How often the controller heartbeats each worker (at least "
                 "--heartbeat-interval-ms); a worker says hello again after 3 silent periods")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
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
  app.add_option("--profile-max-failures", flags.profile_max_failures,
                 "Per-profile attempt budget, PROFILE=N (overrides --max-failures)");
}

// Concurrency caps, and how long a job may wait for a worker that can run it.
void AddLimitFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--dast-target-max-running", config.scheduler.limits.per_target_max_running,
                 "DAST jobs in flight at once against one target host (0: no cap)")
      ->capture_default_str();
  app.add_option("--dast-target-interval-ms", config.scheduler.limits.per_target_min_interval_ms,
                 "Least time between two DAST job starts against one target host")
      ->capture_default_str();
  app.add_option("--pool-max-running", flags.pool_caps,
                 "Cap on jobs in flight in a pool, POOL=N (default: the workers' slots)");
  app.add_option("--unschedulable-timeout-ms", config.scheduler.unschedulable_timeout_ms,
                 "A queued job whose pool has no live worker with its scanner fails after this "
                 "long (0: waits forever)")
      ->capture_default_str();
}

// How long forgotten things are kept: workers, raw reports, events.
void AddRetentionFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
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
}

// The event log: pages and signed checkpoints (docs/SECURITY.md).
void AddEventLogFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--event-page-max", config.event_page_max,
                 "Most events per page, published or replayed (one signature per page; a page "
                 "also stays near 1 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--checkpoint-interval-ms", config.checkpoint_interval_ms,
                 "Sign a checkpoint of the event log this often when it grew (0: only when "
                 "`scanfleet verify-log` asks)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{24} * 3600 * 1000));
}

// Pauses before a job is sent again, and the limit of one scanner run.
void AddRetryFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--dispatch-retry-ms", config.scheduler.dispatch_retry_ms,
                 "Pause before re-sending a job the pool socket could not take")
      ->capture_default_str();
  app.add_option("--backoff-base-ms", config.scheduler.backoff_base_ms)->capture_default_str();
  app.add_option("--backoff-max-ms", config.scheduler.backoff_max_ms)->capture_default_str();
  app.add_option("--job-timeout-ms", config.job_timeout_ms, "Wall-clock limit per scanner run")
      ->capture_default_str();
}

// Frames in and transactions out: the input bound, group commit, fsync.
void AddCommitFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  app.add_option("--max-frame-bytes", config.max_frame_bytes, "Larger frames are refused")
      ->capture_default_str();
  app.add_option("--max-findings-per-iteration", config.max_findings_per_iteration,
                 "Findings stored per loop iteration before the next worker frame waits for the "
                 "next one, so large results never stall heartbeats and acks")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  app.add_option("--max-batch", config.max_batch,
                 "Worker frames per transaction (group commit; each frame is a batch)")
      ->capture_default_str();
  app.add_option("--synchronous-full", config.synchronous_full,
                 "SQLite synchronous=FULL (durable at every commit)")
      ->capture_default_str();
}

// What submits scans without a client: forge webhooks and scheduled scans.
void AddTriggerFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
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
}

// What the controller logs (spdlog levels).
void AddLoggingFlags(CLI::App& app, ControllerFlags& flags) {
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
}

// CurveZMQ keys, the ZAP allowlists, signed messages.
void AddSecurityFlags(CLI::App& app, ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
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
}

}  // namespace

void AddControllerFlags(CLI::App& app, ControllerFlags& flags) {
  // A flag given twice (e.g. after a config file or a wrapper script): the last one wins.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_config("--config", "", "TOML config file; keys are the long flag names");
  // In this order in --help.
  AddNetworkFlags(app, flags);
  AddScanFlags(app, flags);
  AddFileFlags(app, flags);
  AddLeaseFlags(app, flags);
  AddLimitFlags(app, flags);
  AddRetentionFlags(app, flags);
  AddEventLogFlags(app, flags);
  AddRetryFlags(app, flags);
  AddCommitFlags(app, flags);
  AddTriggerFlags(app, flags);
  AddLoggingFlags(app, flags);
  AddSecurityFlags(app, flags);
}

}  // namespace scanfleet
