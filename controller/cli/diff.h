// `scanfleet diff` and the diff pieces `submit --wait` shows: a scan's
// findings classified against its baseline (new / unchanged / fixed / not
// re-checked) with suppressions (docs/BASELINES.md).
// Thread-safety: main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/api/api_client.h"
#include "common/finding/finding.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet::cli {

struct DiffOptions {
  uint64_t scan_id = 0;
  uint64_t baseline_scan_id = 0;  // 0: the baseline stored with the scan
  bool json = false;
  bool new_only = false;  // list only new findings
};

// `new_only`: the response lists only the new findings (counts stay complete).
StatusOr<v1::DiffScanResponse> FetchDiff(ApiClient& client, uint64_t scan_id,
                                         uint64_t baseline_scan_id, int timeout_ms,
                                         bool new_only = false);
// Counts by class and severity, then the new (and unless new_only, fixed)
// findings, then notes.
std::string DiffTable(const v1::DiffScanResponse& diff, bool new_only);
// "new 1, fixed 0, unchanged 41, suppressed 2, not re-checked 0 (baseline: scan 3)".
std::string DiffCountsLine(const v1::DiffScanResponse& diff);
std::string DiffJson(const v1::DiffScanResponse& diff, bool new_only);
// New, unsuppressed findings at or above `severity`: what the CI gate counts.
uint64_t NewUnsuppressedAtOrAbove(const v1::DiffScanResponse& diff, Severity severity);

int Diff(ApiClient& client, const DiffOptions& options, int timeout_ms);

}  // namespace scanfleet::cli
