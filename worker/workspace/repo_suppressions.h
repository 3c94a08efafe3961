// Reads the scanned repository's committed suppressions file
// (.scanfleet/suppressions.json) from a checkout, for the controller to parse.
// The checkout is untrusted: neither the directory nor the file may be a
// symlink (no escape from the checkout), the file must be regular and at most
// 64 KiB. The worker never interprets the content.
// Thread-safety: a pure function of the filesystem.
#pragma once

#include <string>

#include "common/status/status.h"

namespace scanfleet {

// Relative to the repository root.
inline constexpr char kRepoSuppressionsPath[] = ".scanfleet/suppressions.json";
inline constexpr size_t kMaxRepoSuppressionsBytes = 64 * 1024;
// A file that could not be taken is reported to the controller as this prefix
// plus the reason, so the scan records a clear warning (never JSON).
inline constexpr char kRepoSuppressionsErrorPrefix[] = "#error ";

// The file's bytes; an empty string when the repository has none;
// kRepoSuppressionsErrorPrefix + reason when it exists but cannot be taken.
std::string ReadRepoSuppressions(const std::string& checkout_dir);

}  // namespace scanfleet
