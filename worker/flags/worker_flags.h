// The scanfleet-worker command line: its flags, added by topic (connection,
// directories, session and drain, scanners, sandbox, security, logging), bound
// to a WorkerConfig whose defaults --help shows; a TOML --config file sets the
// same keys.
// Thread-safety: main thread only, before the loop starts.
#pragma once

#include <string>

#include "worker/loop/worker_loop.h"

namespace CLI {
class App;
}  // namespace CLI

namespace scanfleet {

struct WorkerFlags {
  WorkerConfig config;
  std::string log_level = "info";  // --log-level, for InitLogging
  bool print_registry = false;     // --print-registry: print it and exit
};

// Adds --config and every flag to `app`, bound to `flags`.
void AddWorkerFlags(CLI::App& app, WorkerFlags& flags);

}  // namespace scanfleet
