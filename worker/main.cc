// scanfleet-worker: flags -> WorkerConfig -> loop.
// The flags are in worker/flags; this file parses, completes the config and runs.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/log/log.h"
#include "common/process/stop_signal.h"
#include "common/scanners/registry.h"
#include "worker/flags/worker_flags.h"
#include "worker/loop/worker_loop.h"

namespace {

// The --id default: unique per host and process.
std::string HostnamePid() {
  char hostname[256] = {0};
  gethostname(hostname, sizeof(hostname) - 1);
  return std::string(hostname) + "-" + std::to_string(getpid());
}

// Runs the loop until SIGTERM/SIGINT has drained it; the exit code.
int RunWorker(const scanfleet::WorkerConfig& config) {
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

}  // namespace

int main(int argc, char** argv) {
  scanfleet::WorkerFlags flags;
  CLI::App app{
      "scanfleet-worker: pulls scan jobs from a scanfleet controller, runs real scanners on\n"
      "private checkouts and sends normalized findings back. Only the controller's API address\n"
      "is needed; its other sockets are discovered."};
  scanfleet::AddWorkerFlags(app, flags);
  CLI11_PARSE(app, argc, argv);
  if (flags.print_registry) {
    std::cout << scanfleet::DefaultRegistryJson();
    return 0;
  }

  if (flags.config.worker_id.empty()) flags.config.worker_id = HostnamePid();
  if (auto status = scanfleet::InitLogging("worker", flags.log_level); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  return RunWorker(flags.config);
}
