// BaselineRecords: what a scan is diffed against and what the diff needs of
// it (docs/BASELINES.md): the baseline chosen at submit (scans.baseline_*,
// with the submit's trigger), the repository's suppressions file each
// succeeded job read (jobs.repo_suppressions) and the renames its jobs saw
// (scan_renames). Writes go into the caller's open transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// The baseline a scan is classified against.
struct BaselineChoice {
  uint64_t scan_id = 0;  // 0: none
  std::string note;      // how it was chosen, or why there is none
};

class BaselineRecords {
 public:
  explicit BaselineRecords(Database& db) : db_(db) {}

  // The baseline of a scan submitted with `request` whose resolved profile is
  // `profile`: request.baseline_scan_id when set (InvalidArgument unless it
  // exists, is of the same repository and finished), else the latest
  // SUCCEEDED scan of the same repository (or DAST URL) on baseline_branch
  // (empty: target.branch) with the same profile, created before scan
  // `created_before` (0: any existing scan). No such scan is not an error:
  // scan_id 0 with the reason in `note`. Incremental merges call it too.
  StatusOr<BaselineChoice> Resolve(const v1::SubmitScanRequest& request, const std::string& profile,
                                   uint64_t created_before = 0);
  // Stores the chosen baseline and the submit's trigger with a new scan, so
  // later reports classify against the same scan.
  Status Record(uint64_t scan_id, const BaselineChoice& baseline, const std::string& trigger);
  // Keeps a succeeded job's repo suppressions file (bounded, as read) and the
  // renames it reports, for the scan's diffs.
  Status RecordDiffInputs(const v1::JobResult& result, uint64_t scan_id);
  // The scan's renames (from, to), by from.
  StatusOr<std::vector<std::pair<std::string, std::string>>> Renames(uint64_t scan_id);

 private:
  Database& db_;
};

}  // namespace scanfleet
