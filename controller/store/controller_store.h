// ControllerStore: the controller's persistent state, one SQLite database
// (schema.h) behind one small store per aggregate that all share its
// connection.
//
//   scans()          ScanRecords      a scan's target, state and counters
//   jobs()           JobRecords       jobs and their attempts
//   findings()       FindingRecords   each job's findings, carried ones resolved
//   carried_sets()   CarriedSets      what incremental jobs carry, by reference
//   events()         EventLog         the replayable event log
//   baselines()      BaselineRecords  a scan's baseline, renames, repo suppressions
//   raw_reports()    RawReports       reports kept for re-parsing
//   schedule_runs()  ScheduleRuns     what each scheduled scan last did
//   worker_hellos()  WorkerHellos     each worker's last hello
//   lifecycle()      ScanLifecycle    changes that span them (FinishJob, CancelScan...)
//   views()          ScanViews        read-only views that join them (GetScan...)
//
// The unit of work is the caller's, never a store's: the controller loop opens
// one Transaction per iteration (its group commit) and every store writes
// inside it; an API request opens a Savepoint inside that, so a failed one
// leaves nothing behind. There is no raw SQL outside controller/store: the
// Database itself is not handed out.
// Thread-safety: not thread-safe; owned by the controller loop thread.
#pragma once

#include <memory>
#include <string>

#include "common/status/status.h"
#include "common/store/database.h"
#include "controller/store/baseline_records.h"
#include "controller/store/carried_sets.h"
#include "controller/store/event_log.h"
#include "controller/store/finding_records.h"
#include "controller/store/job_records.h"
#include "controller/store/raw_reports.h"
#include "controller/store/scan_lifecycle.h"
#include "controller/store/scan_records.h"
#include "controller/store/scan_views.h"
#include "controller/store/schedule_runs.h"
#include "controller/store/worker_hellos.h"

namespace scanfleet {

class ControllerStore {
 public:
  // Opens (creating if missing) and migrates the database at `path`.
  static StatusOr<std::unique_ptr<ControllerStore>> Open(const std::string& path,
                                                         const Database::Options& options);
  ControllerStore(const ControllerStore&) = delete;
  ControllerStore& operator=(const ControllerStore&) = delete;

  // FailedPrecondition when one is already open.
  StatusOr<Transaction> BeginTransaction() { return Transaction::Begin(*db_); }
  // Rows written since open: an iteration that changed none made no durable commit.
  int64_t total_changes() const { return db_->total_changes(); }
  // FailedPrecondition outside a transaction.
  StatusOr<Savepoint> OpenSavepoint(std::string name) {
    return Savepoint::Open(*db_, std::move(name));
  }
  int schema_version() const { return db_->schema_version(); }

  ScanRecords& scans() { return scans_; }
  JobRecords& jobs() { return jobs_; }
  CarriedSets& carried_sets() { return carried_sets_; }
  FindingRecords& findings() { return findings_; }
  EventLog& events() { return events_; }
  BaselineRecords& baselines() { return baselines_; }
  RawReports& raw_reports() { return raw_reports_; }
  ScheduleRuns& schedule_runs() { return schedule_runs_; }
  WorkerHellos& worker_hellos() { return worker_hellos_; }
  ScanLifecycle& lifecycle() { return lifecycle_; }
  ScanViews& views() { return views_; }

 private:
  explicit ControllerStore(std::unique_ptr<Database> db);

  std::unique_ptr<Database> db_;  // declared first: every store refers to it
  ScanRecords scans_;
  JobRecords jobs_;
  CarriedSets carried_sets_;  // before findings_, which refers to it
  FindingRecords findings_;
  EventLog events_;
  BaselineRecords baselines_;
  RawReports raw_reports_;
  ScheduleRuns schedule_runs_;
  WorkerHellos worker_hellos_;
  ScanLifecycle lifecycle_;
  ScanViews views_;
};

}  // namespace scanfleet
