// scanfleet-controller: flags and config file -> ControllerConfig -> loop.
// The flags are in controller/flags; this file parses, builds the config and runs.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/log/log.h"
#include "common/process/stop_signal.h"
#include "controller/flags/controller_flags.h"
#include "controller/loop/controller_loop.h"

namespace {

// Every loop iteration allocates and frees SQLite pages and message buffers;
// with glibc's default trim threshold the heap top went back to the kernel
// and was faulted in again each time (brk + page faults were a quarter of
// the loop's CPU under load). Keep up to 64 MiB of freed heap instead.
void KeepFreedHeap() {
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

// Runs the loop until SIGTERM/SIGINT; the exit code.
int RunController(const scanfleet::ControllerConfig& config) {
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

}  // namespace

int main(int argc, char** argv) {
  KeepFreedHeap();
  scanfleet::ControllerFlags flags;
  CLI::App app{
      "scanfleet-controller: schedules security-scan jobs over ZeroMQ to a fleet of workers,\n"
      "keeps scans, jobs, attempts and findings in SQLite and publishes findings to subscribers.\n"
      "Port 0 picks a free port (see --endpoints-file)."};
  scanfleet::AddControllerFlags(app, flags);
  CLI11_PARSE(app, argc, argv);

  if (auto status = scanfleet::CompleteControllerConfig(flags); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  if (auto status = scanfleet::InitLogging("controller", flags.log_level); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  return RunController(flags.config);
}
