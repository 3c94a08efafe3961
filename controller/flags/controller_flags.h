// The scanfleet-controller command line: its flags, added by topic (sockets,
// scans, files, leases, limits, retention, retries, commits, triggers,
// logging, security), and the step that completes a ControllerConfig from
// them once parsed. Every default is ControllerConfig's, and --help shows it;
// a TOML --config file sets the same keys.
// Thread-safety: main thread only, before the loop starts.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"
#include "controller/config/controller_config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace scanfleet {

// What the flags fill: the config itself, and the values CLI11 cannot parse.
struct ControllerFlags {
  ControllerConfig config;
  std::string log_level = "info";  // --log-level, for InitLogging
  // Repeatable NAME=VALUE flags, parsed by CompleteControllerConfig.
  std::vector<std::string> pools;                 // --pool NAME=PORT
  std::vector<std::string> profiles;              // --profile NAME=SCANNER[,SCANNER...]
  std::vector<std::string> scanner_pools;         // --scanner-pool SCANNER=POOL
  std::vector<std::string> profile_max_failures;  // --profile-max-failures PROFILE=N
  std::vector<std::string> pool_caps;             // --pool-max-running POOL=N
};

// Adds --config and every flag to `app`, bound to `flags` (controller_flags.cc).
void AddControllerFlags(CLI::App& app, ControllerFlags& flags);

// After parsing: fills flags.config from the NAME=VALUE flags, the
// --suppressions file and the scanner registry (the kinds, pools and parsers
// of the scanners this controller's pools serve). The error names the flag;
// main prints it after "error: " (config_from_flags.cc).
Status CompleteControllerConfig(ControllerFlags& flags);

}  // namespace scanfleet
