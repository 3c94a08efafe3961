#include "worker/flags/worker_flags.h"

#include <CLI/CLI.hpp>
#include <string>

namespace scanfleet {

namespace {

constexpr int64_t kMaxDurationMs = 24 * 3600 * 1000;  // a day: bounds the drain flags

// Which controller, as which worker, for which pools, with how many jobs at once.
void AddConnectionFlags(CLI::App& app, WorkerFlags& flags) {
  WorkerConfig& config = flags.config;
  app.add_option("--controller", config.controller, "Controller API endpoint")
      ->envname("SCANFLEET_CONTROLLER")
      ->capture_default_str();
  app.add_option("--id", config.worker_id, "Worker id (default: HOSTNAME-PID)");
  app.add_option("--pools", config.pools, "Pools to pull jobs from")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--slots", config.slots,
                 "Jobs run at once; a job that arrives with no free slot waits (see --prefetch) "
                 "or is declined and requeued by the controller")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--prefetch", config.prefetch,
                 "Jobs the controller may send beyond the free slots while this worker turns "
                 "work over quickly; they wait here in order and start as slots free (0: none)")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            unsigned long prefetch = 0;
            try {
              size_t used = 0;
              prefetch = std::stoul(value, &used);
              if (used != value.size()) return "not a number: '" + value + "'";
            } catch (...) {
              return "not a number: '" + value + "'";
            }
            if (prefetch > kMaxWorkerPrefetch) {
              return "at most " + std::to_string(kMaxWorkerPrefetch) +
                     " jobs may wait beyond the slots, got " + value;
            }
            return "";
          },
          "0.." + std::to_string(kMaxWorkerPrefetch)))
      ->capture_default_str();
}

// Where checkouts are made and unacknowledged results kept.
void AddDirectoryFlags(CLI::App& app, WorkerFlags& flags) {
  WorkerConfig& config = flags.config;
  app.add_option("--work-dir", config.work_dir, "Private workspaces are created here")
      ->capture_default_str();
  app.add_option("--spool-dir", config.spool_dir,
                 "Finished results are kept here (mode 0700) until the controller acknowledges "
                 "them, and re-sent after a restart (default: WORK-DIR/spool)");
  app.add_option("--spool-after-ms", config.spool_after_ms,
                 "A result whose scanner ran less than this is written to the spool only once "
                 "it has waited this long for the controller's acknowledgement; a longer job's "
                 "result before it is first sent (0: every result before it is sent)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
}

// Heartbeats, result re-sends and the SIGTERM drain.
void AddSessionFlags(CLI::App& app, WorkerFlags& flags) {
  WorkerConfig& config = flags.config;
  app.add_option("--heartbeat-interval-ms", config.session.heartbeat_interval_ms)
      ->capture_default_str();
  app.add_option("--zmtp-heartbeat-ms", config.zmtp_heartbeat_ms,
                 "ZMTP heartbeats on the worker's sockets (0: off; application heartbeats carry "
                 "liveness)")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  app.add_option("--result-resend-ms", config.session.result_resend_ms,
                 "Unacknowledged results are re-sent this often")
      ->capture_default_str();
  app.add_option("--drain-grace-ms", config.drain_grace_ms,
                 "On SIGTERM the worker takes no new job; running jobs get this long to finish, "
                 "then they are cancelled and handed back to the controller")
      ->check(CLI::Range(int64_t{0}, kMaxDurationMs))
      ->capture_default_str();
  app.add_option("--drain-ack-wait-ms", config.drain_ack_wait_ms,
                 "Then unacknowledged results get this long to be acknowledged before the "
                 "worker exits (they stay spooled either way)")
      ->check(CLI::Range(int64_t{0}, kMaxDurationMs))
      ->capture_default_str();
}

// Which scanners exist, which DAST targets they may reach, where secrets come from.
void AddScannerFlags(CLI::App& app, WorkerFlags& flags) {
  WorkerConfig& config = flags.config;
  app.add_option("--scanner-registry", config.scanner_registry,
                 "Scanner registry JSON file; its scanners and profiles replace the shipped "
                 "ones of the same name (see --print-registry)");
  app.add_option("--dast-allow", config.dast_allow,
                 "Hosts/CIDRs this worker may run DAST scanners against, e.g. 10.0.0.0/8, "
                 "app.internal (default: none, every DAST job is refused)")
      ->delimiter(',');
  app.add_option("--secrets-dir", config.secrets_dir,
                 "Directory of secret files, one per secret name, readable by the worker's "
                 "user only; names not found there are read from $SCANFLEET_SECRET_<NAME>");
}

// The sandbox every scanner process runs in (worker/exec).
void AddSandboxFlags(CLI::App& app, WorkerFlags& flags) {
  ScannerSandboxFlags& sandbox = flags.config.sandbox;
  app.add_option("--scanner-user", sandbox.user,
                 "User scanners run as (its own group, no supplementary groups); the job's "
                 "workspace is given to it. 'auto': nobody when the worker runs as root (root "
                 "is not bound by the process limit), else the worker's user; 'self': the "
                 "worker's user")
      ->capture_default_str();
  app.add_option("--scanner-max-memory-mb", sandbox.max_memory_mb,
                 "Address space of each scanner process (RLIMIT_AS)")
      ->check(CLI::Range(uint64_t{64}, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--scanner-max-cpu-seconds", sandbox.max_cpu_seconds,
                 "CPU time of each scanner process (RLIMIT_CPU; SIGXCPU, then SIGKILL); 0: the "
                 "scanner's wall-clock timeout")
      ->check(CLI::Range(uint64_t{0}, uint64_t{86400}))
      ->capture_default_str();
  app.add_option("--scanner-max-open-files", sandbox.max_open_files,
                 "Open descriptors per scanner process (RLIMIT_NOFILE)")
      ->check(CLI::Range(uint64_t{16}, uint64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--scanner-max-processes", sandbox.max_processes,
                 "Processes of the scanner user (RLIMIT_NPROC, shared by all slots) and pids.max "
                 "of each run's pids cgroup")
      ->check(CLI::Range(uint64_t{8}, uint64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--scanner-max-file-size-mb", sandbox.max_file_size_mb,
                 "Largest file a scanner may write (RLIMIT_FSIZE; SIGXFSZ beyond)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--scanner-pids-cgroup", sandbox.pids_cgroup,
                 "pids cgroup directory under which each scanner run gets its own cgroup "
                 "(pids.max = --scanner-max-processes; everything left in it is killed at the "
                 "end); '' or unusable: RLIMIT_NPROC alone")
      ->capture_default_str();
  app.add_option("--sast-network", sandbox.sast_network,
                 "'isolate': SAST scanners run in a new, empty network namespace (when the host "
                 "refuses one they run with network and a warning is logged); 'allow': they "
                 "keep the network. DAST scanners always have it")
      ->check(CLI::IsMember({"isolate", "allow"}))
      ->capture_default_str();
}

// An action, not a setting: main prints the registry and exits.
void AddPrintRegistryFlag(CLI::App& app, WorkerFlags& flags) {
  app.add_flag("--print-registry", flags.print_registry,
               "Print the shipped scanner registry (a starting point for --scanner-registry) "
               "and exit");
}

// What the worker accepts from the network: the frame bound, CurveZMQ keys,
// signed results.
void AddSecurityFlags(CLI::App& app, WorkerFlags& flags) {
  WorkerConfig& config = flags.config;
  app.add_option("--max-frame-bytes", config.max_frame_bytes)->capture_default_str();
  auto* security = app.add_option_group("Security",
                                        "CurveZMQ and signed results "
                                        "(docs/SECURITY.md)");
  security
      ->add_option("--key", config.key_file,
                   "This worker's key pair (NAME.key from `scanfleet keys generate`); its "
                   ".pub must be in the controller's authorized workers/ directory")
      ->envname("SCANFLEET_KEY");
  security
      ->add_option("--controller-key", config.controller_key_file,
                   "The controller's public key (controller.pub)")
      ->envname("SCANFLEET_CONTROLLER_KEY");
  security->add_flag("--insecure-dev", config.insecure_dev,
                     "Plaintext and unsigned, for a controller started with --insecure-dev");
}

// What the worker logs (spdlog levels).
void AddLoggingFlags(CLI::App& app, WorkerFlags& flags) {
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
}

}  // namespace

void AddWorkerFlags(CLI::App& app, WorkerFlags& flags) {
  app.set_config("--config", "", "TOML config file; keys are the long flag names");
  // In this order in --help.
  AddConnectionFlags(app, flags);
  AddDirectoryFlags(app, flags);
  AddSessionFlags(app, flags);
  AddScannerFlags(app, flags);
  AddSandboxFlags(app, flags);
  AddPrintRegistryFlag(app, flags);
  AddSecurityFlags(app, flags);
  AddLoggingFlags(app, flags);
}

}  // namespace scanfleet
