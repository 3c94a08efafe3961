// Logging setup shared by the three executables: spdlog to stderr with the
// process name, at a level chosen by --log-level.
// Thread-safety: call InitLogging once at startup, before threads start.
#pragma once

#include <string>

#include "common/status/status.h"

namespace scanfleet {

// level: trace, debug, info, warn, error, off.
Status InitLogging(const std::string& process_name, const std::string& level);

}  // namespace scanfleet
