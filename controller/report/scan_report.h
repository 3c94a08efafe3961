// The input of every report formatter: one scan's description and findings,
// already fetched from the controller. The formatters are pure functions of a
// ScanReport (no I/O, no clock): the same input gives byte-identical output.
//
// "Partial" is the one rule every format must make visible: a scan that is
// not finished, or any of whose tool runs did not succeed, must never look
// like a clean result (see ScanReport::partial()).
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/finding/finding.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet::report {

// One scanner job of the scan.
struct ToolRun {
  std::string tool;     // registry name, e.g. "bandit"
  std::string version;  // version line the tool reported; empty when unknown
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;  // printed as JobStateName: "dead", ...
  std::string error;    // last error of a job that did not succeed
  bool succeeded() const { return state == v1::JOB_SUCCEEDED; }
};

// How a finding compares with the scan's baseline (docs/BASELINES.md).
struct FindingDiff {
  std::string status;              // "new" / "unchanged"
  std::string suppression_reason;  // non-empty when suppressed (reported, never hidden)
  std::string suppression_source;  // "repo:.scanfleet/suppressions.json" / "controller:FILE"
};

struct ScanReport {
  uint64_t scan_id = 0;
  v1::ScanState state = v1::SCAN_STATE_UNSPECIFIED;  // printed as ScanStateName
  std::string profile;
  // SAST: what was scanned. resolved_commit is the commit the ref resolved to.
  std::string repo;
  std::string ref;
  std::string resolved_commit;
  // DAST: the target URL or host.
  std::string target_url;
  int64_t created_ms = 0;   // submission time (Unix ms)
  int64_t finished_ms = 0;  // terminal time, 0 while running
  std::vector<ToolRun> runs;
  std::vector<Finding> findings;  // in job order, then the tool's order
  // Relative path -> file contents, for files of the scanned commit the caller
  // could read (e.g. `--checkout DIR`). SARIF hashes lines from these; files
  // missing here fall back to the finding's snippet.
  std::map<std::string, std::string> sources;
  // Fingerprint -> the finding's class against the baseline and suppression.
  // Empty when the caller had no diff: formats then leave the fields out.
  std::map<std::string, FindingDiff> diff;

  const FindingDiff* DiffOf(const Finding& finding) const {
    auto it = diff.find(finding.fingerprint);
    return it == diff.end() ? nullptr : &it->second;
  }

  bool dast() const { return !target_url.empty(); }
  // True when the scan is not finished or any tool run did not succeed.
  bool partial() const {
    if (state != v1::SCAN_SUCCEEDED) return true;
    for (const ToolRun& run : runs) {
      if (!run.succeeded()) return true;
    }
    return false;
  }
};

}  // namespace scanfleet::report
