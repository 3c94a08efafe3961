// Everything the controller can be configured with, and its documented
// defaults. Filled from flags and an optional TOML config file (controller/flags).
//
// It lives in controller/config, below every component that reads it (the
// loop, api/ and triggers/), so that reading the configuration never means
// including the loop that owns it. It depends only on the value types it
// holds (scheduler, diff, wire). One struct, in sections by topic, because
// controller/flags fills it in one place and each component takes the
// whole value by const reference.
// Thread-safety: a plain value; the loop owns it, the others read it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/wire/envelope.h"
#include "controller/diff/suppressions.h"
#include "controller/scheduler/scheduler.h"

namespace scanfleet {

struct ControllerConfig {
  std::string bind_host = "127.0.0.1";  // "0.0.0.0" to serve other hosts
  uint32_t api_port = 7700;             // REP: clients (CLI, CI, webhook bridge)
  uint32_t results_port = 7701;         // PULL: everything workers send
  uint32_t jobs_port = 7702;            // ROUTER: jobs, acks, cancels, heartbeats to each worker
  uint32_t events_port = 7703;          // PUB: findings and scan events, in signed pages
  uint32_t replay_port = 7704;          // ROUTER: event replays, served off the loop thread
  std::set<std::string> pools = {"sast", "dast"};  // job pools served (all on jobs_port)
  // ZMTP heartbeats on the worker sockets (0: off; application heartbeats
  // carry liveness, and ZMTP timers on hundreds of connections cost a core).
  int zmtp_heartbeat_ms = 0;
  // How often the controller heartbeats each worker (its liveness and
  // incarnation; a worker says hello again after three silent periods). At
  // least scheduler.heartbeat_interval_ms: workers' own heartbeats carry their
  // liveness and leases; this direction only has to tell a restart in time.
  int64_t controller_heartbeat_ms = 1000;
  int64_t ControllerHeartbeatMs() const {
    return std::max<int64_t>(controller_heartbeat_ms, scheduler.heartbeat_interval_ms);
  }
  std::string database_path = "scanfleet.db";
  std::string endpoints_file;  // if set, bound endpoints are written here as JSON
  SchedulerConfig scheduler;
  // Profile name -> scanners; scanner -> pool.
  std::map<std::string, std::vector<std::string>> profiles = {
      {"default", {"flawfinder", "bandit"}}, {"c", {"flawfinder"}}, {"python", {"bandit"}}};
  std::map<std::string, std::string> scanner_pools = {{"flawfinder", "sast"}, {"bandit", "sast"}};
  // Scanner -> "sast" or "dast" (from the registry); unlisted scanners are SAST.
  std::map<std::string, std::string> scanner_kinds;
  // Scanner -> parser name (from the registry), for `reparse`.
  std::map<std::string, std::string> scanner_parsers;
  int64_t raw_report_retention_ms = 30LL * 24 * 3600 * 1000;  // kept reports older are deleted
  int64_t event_retention_ms = 90LL * 24 * 3600 * 1000;       // events older are deleted (0: kept)
  // Deployment scanner registry overlaid on the shipped one
  // (controller/flags/config_from_flags.cc fills profiles, scanner_pools and
  // scanner_kinds from it).
  std::string scanner_registry;
  // DAST targets must have a host in this list (IPs, CIDRs, exact host names);
  // empty: every DAST submission is refused.
  std::vector<std::string> dast_allow;
  std::string default_profile = "default";
  // Scanners whose argv takes {files} (from the registry): only these are
  // sharded and scanned incrementally.
  std::set<std::string> per_file_scanners;
  // Shards per per-file scanner when a submission asks for none (0/1: off).
  uint32_t default_shards = 0;
  // Profile name -> failed attempts before its jobs are dead-lettered
  // (profiles not listed use scheduler.max_failures).
  std::map<std::string, uint32_t> profile_max_failures;
  int64_t job_timeout_ms = 10 * 60 * 1000;  // wall-clock limit per scanner run
  int64_t max_frame_bytes = kDefaultMaxFrameBytes;
  int max_batch = 1024;  // worker frames handled per transaction (group commit)
  // Once an iteration has stored this many findings, further worker frames
  // wait for the next iteration (a scan of 20 x 10,000 findings never holds
  // the loop for seconds).
  int64_t max_findings_per_iteration = 10000;
  bool synchronous_full = true;  // SQLite synchronous=FULL
  // Most events in one page, live or replayed (each page also stays near 1 MiB).
  uint32_t event_page_max = 1000;
  // A signed checkpoint of the event log this often when it grew (0: only on
  // demand; docs/SECURITY.md, "Tamper-evident log").
  int64_t checkpoint_interval_ms = 60000;
  // Security (docs/SECURITY.md). Unless insecure_dev, every socket uses
  // CurveZMQ with secret_key_file as the server key, clients must be listed in
  // authorized_keys_dir/{workers,clients,subscribers}/*.pub, worker messages
  // must be signed by a listed worker key and events are signed.
  bool insecure_dev = false;
  std::string secret_key_file;
  std::string authorized_keys_dir;
  int64_t signature_window_ms = 60000;  // accepted clock skew and replay memory
  // Triggers (docs/WEBHOOKS.md): repositories and schedules, and the webhook
  // receiver's HOST:PORT (empty: no HTTP server).
  std::string repos_file;
  std::string webhook_listen;
  int64_t webhook_max_body_bytes = 1 << 20;
  // Controller-side suppressions (--suppressions FILE, docs/BASELINES.md),
  // parsed at start; they apply to every scan (or to the entry's "repo").
  std::string suppressions_file;
  std::vector<Suppression> suppressions;
};

}  // namespace scanfleet
