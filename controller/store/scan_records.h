// ScanRecords: one row per submitted scan (the scans table): its target,
// profile, state and counters of finished jobs and findings.
//
// A scan's state moves queued -> running -> succeeded / failed (when its last
// job ends) or cancelled; a retry of its dead jobs reopens it. What moves it
// is ScanLifecycle's, which also appends the scan events. Writes go into the
// caller's open transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// The scans table keeps a target's secret names comma-separated (a name has
// no comma: common/secrets/secret_name.h).
std::string JoinSecretNames(const v1::ScanTarget& target);
void SplitSecretNames(const std::string& joined, v1::ScanTarget* target);

class ScanRecords {
 public:
  explicit ScanRecords(Database& db) : db_(db) {}

  // Stores a queued scan of `jobs_total` jobs; returns its id.
  // AlreadyExists when another scan has the (non-empty) idempotency key.
  StatusOr<uint64_t> Insert(const v1::ScanTarget& target, const std::string& profile,
                            uint32_t jobs_total, const std::string& idempotency_key, TimeMs now);
  // The scan an earlier submit with this key created, if any.
  StatusOr<std::optional<v1::SubmitScanResponse>> FindSubmission(const std::string& key);
  // The scan's row (state, target, profile, counters; no jobs); NotFound.
  StatusOr<v1::ScanStatus> Get(uint64_t scan_id);
  // NotFound when the scan does not exist.
  StatusOr<v1::ScanState> State(uint64_t scan_id);

  // The scan of the job moves from queued to running; false when it was not
  // queued (its first job already started).
  StatusOr<bool> StartForJob(uint64_t job_id);
  // One more of the scan's jobs ended (`failed` or not) with `findings`.
  Status CountFinishedJob(uint64_t scan_id, bool failed, uint64_t findings);
  // When every job of the unfinished scan has ended, moves it to succeeded
  // (none failed) or failed and returns its status then (state, counters,
  // finished_ms); otherwise nullopt and nothing changes.
  StatusOr<std::optional<v1::ScanStatus>> FinishIfDone(uint64_t scan_id, TimeMs now);
  // The scan is cancelled; `jobs_cancelled` more of its jobs have ended.
  Status MarkCancelled(uint64_t scan_id, uint64_t jobs_cancelled, TimeMs now);
  // `dead_jobs` of the scan's dead jobs are queued again: it is running again.
  Status Reopen(uint64_t scan_id, int64_t dead_jobs);
  // After a re-parse: findings and failed jobs recounted from the jobs; a
  // failed scan none of whose jobs failed any more succeeds. Returns its state.
  StatusOr<v1::ScanState> RecountAfterReparse(uint64_t scan_id);

 private:
  Database& db_;
};

}  // namespace scanfleet
