// Turns a classification into the DiffScanResponse: applies suppressions
// (reported, never hidden) and counts findings per class and, for the CI
// gate, new unsuppressed findings per severity.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "controller/diff/classify.h"
#include "controller/diff/suppressions.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// Parses the copies of a repository's committed suppressions file that a
// scan's jobs returned (identical copies are parsed once). An invalid file
// suppresses nothing and adds a warning to `notes`; returns the valid entries.
std::vector<Suppression> RepoSuppressions(const std::vector<std::string>& files,
                                          std::vector<std::string>& notes, int& invalid_files);

// Which classified findings the response lists (all are counted).
enum class DiffListing { kAll, kNewOnly };

v1::DiffScanResponse AssembleDiff(ClassifiedResult classified,
                                  const std::vector<Suppression>& suppressions,
                                  const std::string& repo, const std::string& today,
                                  DiffListing listing = DiffListing::kAll);

// "new", "unchanged", "fixed", "not-rechecked".
std::string DiffClassName(v1::DiffClass diff_class);

}  // namespace scanfleet
