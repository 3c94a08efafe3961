// Suppressions: findings a team has decided to accept, each with a mandatory
// reason and an optional expiry date. A suppressed finding is still reported
// (with its reason and source), it only stops counting for the CI gate.
//
// File format (.scanfleet/suppressions.json in a scanned repository, or the
// controller's --suppressions FILE), at most 64 KiB:
//   {"suppressions": [
//     {"fingerprint": "3f2a...", "reason": "false positive: bounded copy"},
//     {"rule": "flawfinder:FF1004", "reason": "...", "expires": "2027-01-31"},
//     {"rule": "B602", "reason": "any tool's rule B602"},
//     {"path": "vendor/*", "reason": "third-party code"},
//     {"path": "gen/*", "repo": "https://git.example/app.git", "reason": "..."}]}
// Each entry names exactly one of fingerprint / rule / path (an fnmatch glob
// whose '*' also crosses '/'). "repo" (controller file only) limits an entry
// to one repository. An expired entry suppresses nothing.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "common/wire/repo_suppressions_contract.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

inline constexpr size_t kMaxSuppressionsFileBytes = kMaxRepoSuppressionsBytes;

struct Suppression {
  enum class Kind { kFingerprint, kRule, kPathGlob };
  Kind kind = Kind::kFingerprint;
  std::string pattern;  // fingerprint, rule id, or glob
  std::string tool;     // kRule: the tool of "tool:rule_id", empty for any tool
  std::string reason;
  std::string expires;  // YYYY-MM-DD (last day it applies), or empty
  std::string repo;     // only for findings of this repository (empty: any)
  std::string source;   // where it was read, for the report

  // "fingerprint:<fp>", "rule:<tool:id>", "path:<glob>".
  std::string Describe() const;
};

// Parses a suppressions file. Any error (not JSON, wrong types, an entry with
// no or two matchers, an empty reason, a bad date, too large) rejects the
// whole file: a half-read file would suppress an unpredictable subset.
StatusOr<std::vector<Suppression>> ParseSuppressions(std::string_view text,
                                                     const std::string& source);

// "YYYY-MM-DD" of a UTC time.
std::string UtcDate(int64_t unix_ms);

// The first suppression that applies to `finding` of `repo` on `today`
// (YYYY-MM-DD), or nullptr.
const Suppression* MatchSuppression(const std::vector<Suppression>& suppressions,
                                    const v1::Finding& finding, const std::string& repo,
                                    const std::string& today);

}  // namespace scanfleet
