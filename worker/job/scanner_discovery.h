// DiscoverScanners: which registry scanners this worker can run, and their
// versions, found once at start by running each one's version command in the
// sandbox the scanners will run in (so a tool the sandbox user cannot run is
// not offered). Builtin scanners answer without a process.
// Thread-safety: reentrant; runs processes.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/scanners/registry.h"
#include "worker/exec/sandbox_options.h"

namespace scanfleet {

// Scanner name -> version, for those that answered.
std::map<std::string, std::string> DiscoverScanners(const ScannerRegistry& registry,
                                                    const ScannerSandbox& sandbox);

// The version a version command printed: its first line that carries a
// digit (tools such as wapiti print a banner first), else its first line;
// whitespace-normalized, at most 200 bytes.
std::string VersionOfOutput(std::string_view text);

}  // namespace scanfleet
