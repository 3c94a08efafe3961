// The contract between worker and controller about a scanned repository's
// committed suppressions file: the worker takes the file's bytes from the
// checkout (worker/workspace/repo_suppressions.h) and sends them in the job's
// result, the controller parses them (controller/diff/suppressions.h).
#pragma once

#include <cstddef>

namespace scanfleet {

// Relative to the repository root.
inline constexpr char kRepoSuppressionsPath[] = ".scanfleet/suppressions.json";
// The largest file either side takes.
inline constexpr size_t kMaxRepoSuppressionsBytes = 64 * 1024;
// A file that could not be taken is reported to the controller as this prefix
// plus the reason, so the scan records a clear warning (never JSON).
inline constexpr char kRepoSuppressionsErrorPrefix[] = "#error ";

}  // namespace scanfleet
