#include "controller/store/raw_reports.h"

#include "controller/store/schema.h"

namespace scanfleet {

Status RawReports::Keep(const v1::JobResult& result, TimeMs now) {
  if (result.raw_report().empty()) return Status::Ok();
  ASSIGN_OR_RETURN(Statement * insert,
                   db_.Prepare("INSERT OR REPLACE INTO raw_reports(job_id, attempt, report, "
                               "bytes, tool_version, created_ms) VALUES(?,?,?,?,?,?)"));
  insert->Bind(1, static_cast<int64_t>(result.job().job_id()))
      .Bind(2, result.job().attempt())
      .BindBlob(3, result.raw_report())
      .Bind(4, static_cast<int64_t>(result.raw_report_bytes()))
      .Bind(5, result.tool_version())
      .Bind(6, now);
  return insert->Run();
}

StatusOr<std::vector<RawReport>> RawReports::LoadOfScan(uint64_t scan_id,
                                                        uint32_t* without_report) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT j.id, r.attempt, j.scanner, j.state, r.report, "
                               "r.tool_version FROM jobs j LEFT JOIN raw_reports r ON "
                               "r.job_id = j.id WHERE j.scan_id=? AND j.state IN "
                               "('succeeded','failed','dead') ORDER BY j.id"));
  query->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<RawReport> reports;
  *without_report = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    std::string report = query->ColumnBlob(4);
    if (report.empty()) {
      ++*without_report;
      continue;
    }
    StatusOr<v1::JobState> state = StoredJobState(query->ColumnText(3));
    if (!state.ok()) {
      query->Reset();
      return state.status();
    }
    reports.push_back(RawReport{static_cast<uint64_t>(query->ColumnInt(0)),
                                static_cast<uint32_t>(query->ColumnInt(1)), query->ColumnText(2),
                                *state, std::move(report), query->ColumnText(5)});
  }
  query->Reset();
  return reports;
}

StatusOr<int64_t> RawReports::PruneBefore(TimeMs before_ms) {
  ASSIGN_OR_RETURN(Statement * prune, db_.Prepare("DELETE FROM raw_reports WHERE created_ms < ?"));
  prune->Bind(1, before_ms);
  RETURN_IF_ERROR(prune->Run());
  return db_.changes();
}

}  // namespace scanfleet
