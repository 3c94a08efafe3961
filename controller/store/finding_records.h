// FindingRecords: every job's findings.
//
// A job's findings are the rows stored for it (the findings table, numbered
// by their position in the tool's output: ordinal, unique per job) followed,
// for an incremental job, by the findings it carried forward from its base
// scan. Those are recorded once, by reference (CarriedSets), and resolved
// here on every read from the base jobs' findings, themselves resolved the
// same way when the base was incremental too; or they are copied rows marked
// with carried_from_scan: in databases written before schema 11, for a job
// whose base chain was already kMaxCarryDepth deep, and for a record
// materialized before its base's findings changed (a re-parse). Every read
// below returns what the scan holds either way, so a reader never sees the
// difference. Inserting findings does not publish them: the caller
// (ScanLifecycle) appends their events. Writes go into the caller's open
// transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "controller/store/carried_sets.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// A finding with the job it belongs to.
struct JobFinding {
  uint64_t job_id = 0;
  v1::Finding finding;
};

// Which fields of each finding a read fills.
enum class FindingFields {
  kAll,
  // What a diff classifies and suppresses by, and what a fingerprint is made
  // of: tool, rule_id, severity, path, snippet, fingerprint, url,
  // http_method, parameter.
  kIdentity,
  // path and severity, no fingerprint: what counting a carried set needs.
  kPathAndSeverity,
};

// What a read returns: which fields, of which files.
struct FindingRead {
  FindingFields fields = FindingFields::kAll;
  // When set, only the findings whose path (as read: a carried finding's
  // path now) is one of these; must outlive the read.
  const std::set<std::string>* only_paths = nullptr;
};

class FindingRecords {
 public:
  FindingRecords(Database& db, CarriedSets& carried) : db_(db), carried_(carried) {}

  // Stores `findings` as the job's rows, ordinals from `first_ordinal`;
  // `carried_from_scan` != 0 marks them as copies carried from that scan.
  Status Insert(const google::protobuf::RepeatedPtrField<v1::Finding>& findings, uint64_t job_id,
                uint64_t scan_id, int first_ordinal, uint64_t carried_from_scan);
  // Deletes the job's scanned rows (carried ones, copied or by reference,
  // stay); returns the first ordinal after the rows left.
  StatusOr<int> DeleteScanned(uint64_t job_id);

  // Stores what an incremental job carries forward: by reference when the
  // deepest record among `set.base_job_ids` is shallower than kMaxCarryDepth,
  // else as copied rows numbered from `first_ordinal`. Fills `set.depth` and
  // `set.by_severity`.
  Status Carry(CarriedSet& set, int first_ordinal);
  // Replaces the records that take findings from `base_job_id` with copied
  // rows (before that job's findings change), so what they carry stays.
  Status MaterializeDependents(uint64_t base_job_id);

  // The scan's findings of `min_severity` or worse, by job (each job's rows
  // by ordinal, then what it carries by reference).
  StatusOr<std::vector<v1::Finding>> List(uint64_t scan_id, v1::Severity min_severity);
  // The scan's findings with their jobs, in List()'s order (every one, or
  // some fields of some files: `read`).
  StatusOr<std::vector<JobFinding>> ListWithJobs(uint64_t scan_id, const FindingRead& read = {});
  // How many findings the scan has of each severity (index: v1::Severity);
  // records keep their counts, so nothing is resolved.
  StatusOr<std::vector<uint64_t>> CountBySeverity(uint64_t scan_id);
  // Source lines stored with a job's scanned findings, by (path, line): a
  // re-parse of a tool that prints no source text reuses the snippets the
  // worker read.
  StatusOr<std::map<std::pair<std::string, int>, std::string>> SnippetsOfJob(uint64_t job_id);

 private:
  // The scan's findings at or above `min_severity`, by job.
  StatusOr<std::vector<JobFinding>> OfScan(uint64_t scan_id, v1::Severity min_severity,
                                           const FindingRead& read);
  // A job's findings: its rows, then what its record carries (if any).
  // `depth`: records followed so far (DataLoss past kMaxResolveDepth).
  StatusOr<std::vector<v1::Finding>> OfJob(uint64_t job_id, const FindingRead& read,
                                           uint32_t depth);
  // What `set` carries: its base jobs' findings through CarryRules.
  StatusOr<std::vector<v1::Finding>> Resolve(const CarriedSet& set, const FindingRead& read,
                                             uint32_t depth);
  // Stores `carried` as copied rows of the set's job (carried_from_scan = its
  // base), ordinals from `first_ordinal`.
  Status InsertCopies(const CarriedSet& set, std::vector<v1::Finding> carried, int first_ordinal);
  // The ordinal after the job's last row (0 when it has none).
  StatusOr<int> NextOrdinal(uint64_t job_id);

  Database& db_;
  CarriedSets& carried_;
};

}  // namespace scanfleet
