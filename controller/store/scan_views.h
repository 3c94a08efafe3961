// ScanViews: the read-only views of a scan that join its aggregates: the
// status the API shows (scan, jobs with their last attempt's output, finding
// counts), what a diff needs of a scan, and whether an earlier scan can be an
// incremental job's base. Reads only; runs inside or outside a transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "controller/diff/classify.h"
#include "controller/store/baseline_records.h"
#include "controller/store/finding_records.h"
#include "controller/store/scan_records.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// The base an incremental job of `scanner` builds on, or why it cannot.
struct IncrementalBase {
  std::string commit;  // empty: scan every file, because of `reason`
  std::string reason;
};

// What a diff needs of one scan.
struct ScanDiffData {
  uint64_t scan_id = 0;
  v1::ScanState state = v1::SCAN_STATE_UNSPECIFIED;
  std::string repo;  // or the DAST URL
  DiffSide side;
  std::vector<std::pair<std::string, std::string>> renames;  // (from, to)
  std::vector<std::string> repo_suppressions;  // each job's copy of the repo file (non-empty ones)
  BaselineChoice baseline;                     // chosen at submit time
};

class ScanViews {
 public:
  ScanViews(Database& db, ScanRecords& scans, FindingRecords& findings, BaselineRecords& baselines)
      : db_(db), scans_(scans), findings_(findings), baselines_(baselines) {}

  // The scan with its jobs (each with a note on its incremental base) and
  // its findings counted by severity; NotFound.
  StatusOr<v1::ScanStatus> GetScan(uint64_t scan_id);
  // NotFound when the scan does not exist. `read`: which fields of which
  // findings the side holds (a diff that lists only new findings classifies
  // on FindingFields::kIdentity).
  StatusOr<ScanDiffData> LoadDiffData(uint64_t scan_id, const FindingRead& read = {});
  // The commit of `base_scan_id`'s jobs of `scanner`, when they all succeeded
  // on one commit of `repo`; otherwise the reason to scan everything.
  // NotFound when the base scan does not exist.
  StatusOr<IncrementalBase> ResolveIncrementalBase(uint64_t base_scan_id,
                                                   const std::string& scanner,
                                                   const std::string& repo);

 private:
  Database& db_;
  ScanRecords& scans_;
  FindingRecords& findings_;
  BaselineRecords& baselines_;
};

}  // namespace scanfleet
