#include "controller/store/schedule_runs.h"

namespace scanfleet {

StatusOr<std::map<std::string, ScheduleRun>> ScheduleRuns::LoadAll() {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT name, last_slot_ms, last_scan_id, skipped FROM "
                               "schedule_runs"));
  std::map<std::string, ScheduleRun> runs;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    runs[query->ColumnText(0)] =
        ScheduleRun{query->ColumnInt(1), static_cast<uint64_t>(query->ColumnInt(2)),
                    static_cast<uint64_t>(query->ColumnInt(3))};
  }
  query->Reset();
  return runs;
}

Status ScheduleRuns::Save(const std::string& name, const ScheduleRun& run) {
  ASSIGN_OR_RETURN(Statement * upsert,
                   db_.Prepare("INSERT OR REPLACE INTO schedule_runs(name, last_slot_ms, "
                               "last_scan_id, skipped) VALUES(?,?,?,?)"));
  upsert->Bind(1, name)
      .Bind(2, run.last_slot_ms)
      .Bind(3, static_cast<int64_t>(run.last_scan_id))
      .Bind(4, static_cast<int64_t>(run.skipped));
  return upsert->Run();
}

}  // namespace scanfleet
