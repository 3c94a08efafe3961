// scanfleet-worker: flags -> WorkerConfig -> loop.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/log/log.h"
#include "common/process/stop_signal.h"
#include "worker/loop/worker_loop.h"

int main(int argc, char** argv) {
  scanfleet::WorkerConfig config;
  std::string log_level = "info";
  CLI::App app{
      "scanfleet-worker: pulls scan jobs from a scanfleet controller, runs real scanners on\n"
      "private checkouts and sends normalized findings back. Only the controller's API address\n"
      "is needed; its other sockets are discovered."};
  app.set_config("--config", "", "TOML config file; keys are the long flag names");
  app.add_option("--controller", config.controller, "Controller API endpoint")
      ->envname("SCANFLEET_CONTROLLER")
      ->capture_default_str();
  app.add_option("--id", config.worker_id, "Worker id (default: HOSTNAME-PID)");
  app.add_option("--pools", config.pools, "Pools to pull jobs from")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--slots", config.slots, "Jobs run at once")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--work-dir", config.work_dir, "Private workspaces are created here")
      ->capture_default_str();
  app.add_option("--heartbeat-interval-ms", config.session.heartbeat_interval_ms)
      ->capture_default_str();
  app.add_option("--result-resend-ms", config.session.result_resend_ms,
                 "Unacknowledged results are re-sent this often")
      ->capture_default_str();
  app.add_option("--drain-grace-ms", config.drain_grace_ms,
                 "On SIGTERM, running jobs get this long before they are cancelled")
      ->capture_default_str();
  app.add_option("--max-frame-bytes", config.max_frame_bytes)->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (config.worker_id.empty()) {
    char hostname[256] = {0};
    gethostname(hostname, sizeof(hostname) - 1);
    config.worker_id = std::string(hostname) + "-" + std::to_string(getpid());
  }
  if (auto status = scanfleet::InitLogging("worker", log_level); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  auto stop_fd_or = scanfleet::StopSignalFd();
  if (!stop_fd_or.ok()) {
    std::cerr << "scanfleet-worker: " << stop_fd_or.status().ToString() << "\n";
    return 1;
  }
  int stop_fd = *stop_fd_or;

  scanfleet::SystemClock clock;
  scanfleet::WorkerLoop loop(config, clock);
  if (auto status = loop.Start(stop_fd); !status.ok()) {
    std::cerr << "scanfleet-worker: cannot start: " << status.ToString() << "\n";
    return 1;
  }
  if (auto status = loop.Run(stop_fd); !status.ok()) {
    std::cerr << "scanfleet-worker: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
