// FindingRecords: every job's findings (the findings table), numbered by their
// position in the tool's output (ordinal, unique per job).
//
// An incremental job's findings carried forward from its base scan are stored
// as the job's own, marked with carried_from_scan; a re-parse replaces only
// the scanned ones. Inserting findings does not publish them: the caller
// (ScanLifecycle) appends their events. Writes go into the caller's open
// transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class FindingRecords {
 public:
  explicit FindingRecords(Database& db) : db_(db) {}

  // Stores `findings` as the job's, ordinals from `first_ordinal`;
  // `carried_from_scan` != 0 marks them carried forward from that scan.
  Status Insert(const google::protobuf::RepeatedPtrField<v1::Finding>& findings, uint64_t job_id,
                uint64_t scan_id, int first_ordinal, uint64_t carried_from_scan);
  // Deletes the job's scanned findings (carried ones stay); returns the first
  // ordinal after those left.
  StatusOr<int> DeleteScanned(uint64_t job_id);

  // The scan's findings of `min_severity` or worse, by job, then ordinal.
  StatusOr<std::vector<v1::Finding>> List(uint64_t scan_id, v1::Severity min_severity);
  // The job of each of the scan's findings, in List()'s order.
  StatusOr<std::vector<uint64_t>> JobOfEach(uint64_t scan_id);
  // How many findings the scan has of each severity (index: v1::Severity).
  StatusOr<std::vector<uint64_t>> CountBySeverity(uint64_t scan_id);
  // The findings of `scanner`'s jobs of the scan, by job, then ordinal (an
  // incremental job's base).
  StatusOr<std::vector<v1::Finding>> OfScanner(uint64_t scan_id, const std::string& scanner);
  // Source lines stored with a job's findings, by (path, line): a re-parse of a
  // tool that prints no source text reuses the snippets the worker read.
  StatusOr<std::map<std::pair<std::string, int>, std::string>> SnippetsOfJob(uint64_t job_id);

 private:
  Database& db_;
};

}  // namespace scanfleet
