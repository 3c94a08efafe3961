// ScanStore operations of incremental scans: choosing a job's base commit at
// submit, and carrying the base scan's findings forward when the job ends.
#include "common/finding/finding.h"
#include "common/incremental/carry_forward.h"
#include "common/wire/convert.h"
#include "controller/store/finding_rows.h"
#include "controller/store/scan_store.h"

namespace scanfleet {

namespace {

bool IsCommitId(const std::string& text) {
  if (text.size() != 40 && text.size() != 64) return false;
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The changes an incremental result reports. Paths come from the worker; one
// that is not a safe relative path can never equal a finding's path (those are
// confined to the checkout), so it changes nothing here.
CommitChanges ReportedChanges(const v1::JobResult& result) {
  CommitChanges changes;
  changes.changed.assign(result.changed_paths().begin(), result.changed_paths().end());
  changes.deleted.assign(result.deleted_paths().begin(), result.deleted_paths().end());
  for (const v1::PathRename& rename : result.renames()) {
    // A renamed-and-modified file is also in changed_paths; the rest moved as is.
    changes.renames.push_back(FileRename{rename.from(), rename.to(), 100});
  }
  return changes;
}

}  // namespace

StatusOr<IncrementalBase> ScanStore::ResolveIncrementalBase(uint64_t base_scan_id,
                                                            const std::string& scanner,
                                                            const std::string& repo) {
  std::string base = "baseline scan " + std::to_string(base_scan_id);
  ASSIGN_OR_RETURN(Statement * scan, db_->Prepare("SELECT repo FROM scans WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(base_scan_id));
  ASSIGN_OR_RETURN(bool found, scan->Step());
  std::string base_repo = found ? scan->ColumnText(0) : "";
  scan->Reset();
  if (!found) return Status::NotFound(base + " does not exist");
  if (base_repo != repo) return IncrementalBase{"", base + " is of another repository"};
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_->Prepare("SELECT state, resolved_commit FROM jobs WHERE scan_id=? AND "
                                "scanner=?"));
  jobs->Bind(1, static_cast<int64_t>(base_scan_id)).Bind(2, scanner);
  IncrementalBase resolved;
  int count = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    ++count;
    std::string state = jobs->ColumnText(0), commit = jobs->ColumnText(1);
    if (state != "succeeded") {
      resolved.reason = base + "'s " + scanner + " job did not succeed (" + state + ")";
    } else if (!IsCommitId(commit) || (!resolved.commit.empty() && commit != resolved.commit)) {
      resolved.reason = base + "'s " + scanner + " jobs did not all scan one commit";
    }
    resolved.commit = commit;
  }
  jobs->Reset();
  if (count == 0) resolved.reason = base + " did not run " + scanner;
  if (!resolved.reason.empty()) resolved.commit.clear();
  return resolved;
}

StatusOr<uint64_t> ScanStore::FinishIncremental(const v1::JobResult& result, uint64_t scan_id,
                                                TimeMs now, std::vector<v1::Event>& events) {
  int64_t job_id = static_cast<int64_t>(result.job().job_id());
  ASSIGN_OR_RETURN(Statement * update, db_->Prepare("UPDATE jobs SET files_scanned=? WHERE id=?"));
  update->Bind(1, static_cast<int64_t>(result.files_scanned())).Bind(2, job_id);
  RETURN_IF_ERROR(update->Run());
  ASSIGN_OR_RETURN(Statement * job,
                   db_->Prepare("SELECT scanner, shard_index, shard_count, base_scan_id FROM jobs "
                                "WHERE id=?"));
  job->Bind(1, job_id);
  ASSIGN_OR_RETURN(bool row, job->Step());
  if (!row) {
    job->Reset();
    return Status::Internal("job " + std::to_string(job_id) + " vanished");
  }
  std::string scanner = job->ColumnText(0);
  auto shard_index = static_cast<uint32_t>(job->ColumnInt(1));
  auto shard_count = static_cast<uint32_t>(job->ColumnInt(2));
  auto base_scan_id = static_cast<uint64_t>(job->ColumnInt(3));
  job->Reset();
  if (base_scan_id == 0) return uint64_t{0};
  if (!result.incremental()) {
    // The worker could not diff against the base commit and scanned everything.
    ASSIGN_OR_RETURN(Statement * note,
                     db_->Prepare("UPDATE jobs SET incremental_note=? WHERE id=?"));
    std::string why = result.incremental_note().empty() ? "the worker scanned every file"
                                                        : result.incremental_note();
    note->Bind(1, why.substr(0, 1024)).Bind(2, job_id);
    RETURN_IF_ERROR(note->Run());
    return uint64_t{0};
  }
  ASSIGN_OR_RETURN(Statement * query,
                   db_->Prepare("SELECT " + FindingColumns("f.") +
                                " FROM findings f JOIN jobs j ON j.id = f.job_id WHERE "
                                "j.scan_id=? AND j.scanner=? ORDER BY f.job_id, f.ordinal"));
  query->Bind(1, static_cast<int64_t>(base_scan_id)).Bind(2, scanner);
  std::vector<Finding> base;
  while (true) {
    ASSIGN_OR_RETURN(bool more, query->Step());
    if (!more) break;
    base.push_back(FindingFromProto(ReadFindingRow(*query)));
  }
  query->Reset();
  std::vector<Finding> carried =
      CarryForward(base, ReportedChanges(result), shard_index, shard_count);
  google::protobuf::RepeatedPtrField<v1::Finding> protos;
  for (const Finding& finding : carried) FindingToProto(finding, protos.Add());
  RETURN_IF_ERROR(InsertFindings(protos, result.job().job_id(), scan_id, result.findings_size(),
                                 base_scan_id, now, events));
  ASSIGN_OR_RETURN(Statement * count,
                   db_->Prepare("UPDATE jobs SET findings=findings+?1, carried_findings=?1 "
                                "WHERE id=?2"));
  count->Bind(1, static_cast<int64_t>(carried.size())).Bind(2, job_id);
  RETURN_IF_ERROR(count->Run());
  return static_cast<uint64_t>(carried.size());
}

}  // namespace scanfleet
