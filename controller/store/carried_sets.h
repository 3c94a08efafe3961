// CarriedSets: what each incremental job carried forward from its base scan,
// recorded once per job instead of as a copy of every carried finding
// (tables carried_sets and carried_changes, schema 11).
//
// A record names the base scan, the base's jobs of the job's scanner, and the
// changes the job's worker reported against the base commit (changed, deleted
// and renamed paths, in the worker's order); with the job's shard that is
// everything CarryForward needs, so the carried findings are computed again
// from the base's findings on every read (FindingRecords resolves them). The
// record also keeps how many findings it selected, per severity, so counts
// need no resolution, and its depth: how many records a read follows to reach
// stored rows (1 when the base jobs' findings are all rows).
//
// A record is immutable. The findings it resolves to change only if its base
// jobs' findings do, and the one writer that changes stored findings (a
// re-parse) first turns the records that depend on them into copied rows
// (FindingRecords::MaterializeDependents), so a scan's carried findings stay
// what they were when it finished. Writes go into the caller's open
// transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/incremental/name_status.h"
#include "common/status/status.h"
#include "common/store/database.h"

namespace scanfleet {

// A job whose base chain is this deep stores its carried findings as copied
// rows instead of a record, so no read follows more than this many records.
inline constexpr uint32_t kMaxCarryDepth = 8;

// Records nested deeper than this are corrupt (a cycle): DataLoss on read.
inline constexpr uint32_t kMaxResolveDepth = 64;

struct CarriedSet {
  uint64_t job_id = 0;                 // the incremental job that carries
  uint64_t scan_id = 0;                // its scan
  uint64_t base_scan_id = 0;           // the scan the findings come from
  std::vector<uint64_t> base_job_ids;  // the base's jobs of the scanner, ascending
  // As the worker reported them; every rename is one without modification
  // (a renamed-and-modified file is also in `changed`), similarity 100.
  CommitChanges changes;
  uint32_t shard_index = 0;  // the job's shard (read from jobs; not stored here)
  uint32_t shard_count = 0;  // 0: not sharded
  uint32_t depth = 1;        // records a read follows to reach rows, this one included
  std::vector<uint64_t> by_severity = std::vector<uint64_t>(5, 0);  // index: v1::Severity

  uint64_t count() const;
};

class CarriedSets {
 public:
  explicit CarriedSets(Database& db) : db_(db) {}

  // Records `set` (its shard is the job's and is not stored); an error when
  // the job has one already (a job finishes once).
  Status Insert(const CarriedSet& set);
  // The job's record, if it has one.
  StatusOr<std::optional<CarriedSet>> OfJob(uint64_t job_id);
  // The records of the scan's jobs, by job id.
  StatusOr<std::map<uint64_t, CarriedSet>> OfScan(uint64_t scan_id);
  // The jobs whose records take findings from job `base_job_id`.
  StatusOr<std::vector<uint64_t>> DependentsOf(uint64_t base_job_id);
  // The greatest depth among the records of `job_ids` (0 when none has one).
  StatusOr<uint32_t> DepthOf(const std::vector<uint64_t>& job_ids);
  // The scan's carried findings per severity (index: v1::Severity), summed
  // over its records.
  StatusOr<std::vector<uint64_t>> CountBySeverity(uint64_t scan_id);
  // Deletes the job's record (after its findings were copied into rows).
  Status Erase(uint64_t job_id);

 private:
  // Completes `set` (read from the carried_sets row) with its changes.
  Status LoadChanges(CarriedSet& set);

  Database& db_;
};

}  // namespace scanfleet
