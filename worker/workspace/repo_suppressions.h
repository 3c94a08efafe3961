// Reads the scanned repository's committed suppressions file
// (.scanfleet/suppressions.json) from a checkout, for the controller to parse.
// The checkout is untrusted: neither the directory nor the file may be a
// symlink (no escape from the checkout), the file must be regular and at most
// 64 KiB. The worker never interprets the content.
// Thread-safety: a pure function of the filesystem.
#pragma once

#include <string>

#include "common/status/status.h"
#include "common/wire/repo_suppressions_contract.h"

namespace scanfleet {

// The file's bytes; an empty string when the repository has none;
// kRepoSuppressionsErrorPrefix + reason when it exists but cannot be taken.
std::string ReadRepoSuppressions(const std::string& checkout_dir);

}  // namespace scanfleet
