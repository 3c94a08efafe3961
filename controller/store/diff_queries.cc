// ScanStore's baseline choice and the reads a diff needs.
#include "controller/diff/suppressions.h"
#include "controller/store/scan_store.h"

namespace scanfleet {

namespace {

constexpr int kMaxRenamesPerJob = 100000;

bool IsFinished(v1::ScanState state) {
  return state == v1::SCAN_SUCCEEDED || state == v1::SCAN_FAILED || state == v1::SCAN_CANCELLED;
}

}  // namespace

StatusOr<BaselineChoice> ScanStore::ResolveBaseline(const v1::SubmitScanRequest& request,
                                                    const std::string& profile,
                                                    uint64_t created_before) {
  const v1::ScanTarget& target = request.target();
  if (request.baseline_scan_id() != 0) {
    std::string id = std::to_string(request.baseline_scan_id());
    ASSIGN_OR_RETURN(Statement * query,
                     db_->Prepare("SELECT repo, url, state FROM scans WHERE id=?"));
    query->Bind(1, static_cast<int64_t>(request.baseline_scan_id()));
    ASSIGN_OR_RETURN(bool found, query->Step());
    if (!found) {
      query->Reset();
      return Status::InvalidArgument("baseline scan " + id + " does not exist");
    }
    std::string repo = query->ColumnText(0), url = query->ColumnText(1);
    auto state = static_cast<v1::ScanState>(query->ColumnInt(2));
    query->Reset();
    if (repo != target.repo() || url != target.url()) {
      return Status::InvalidArgument("baseline scan " + id + " is of another target (" +
                                     (repo.empty() ? url : repo) + ")");
    }
    if (!IsFinished(state)) {
      return Status::InvalidArgument("baseline scan " + id + " has not finished");
    }
    return BaselineChoice{request.baseline_scan_id(), "scan " + id + ", given explicitly"};
  }
  const std::string& branch =
      request.baseline_branch().empty() ? target.branch() : request.baseline_branch();
  ASSIGN_OR_RETURN(
      Statement * latest,
      db_->Prepare("SELECT id FROM scans WHERE repo=? AND url=? AND branch=? AND "
                   "profile=? AND state=? AND (?=0 OR id<?) ORDER BY id DESC LIMIT 1"));
  latest->Bind(1, target.repo())
      .Bind(2, target.url())
      .Bind(3, branch)
      .Bind(4, profile)
      .Bind(5, static_cast<int64_t>(v1::SCAN_SUCCEEDED))
      .Bind(6, static_cast<int64_t>(created_before))
      .Bind(7, static_cast<int64_t>(created_before));
  ASSIGN_OR_RETURN(bool found, latest->Step());
  uint64_t id = found ? static_cast<uint64_t>(latest->ColumnInt(0)) : 0;
  latest->Reset();
  std::string where = "branch '" + branch + "' with profile '" + profile + "'";
  if (id == 0) return BaselineChoice{0, "no succeeded earlier scan of " + where};
  return BaselineChoice{id,
                        "scan " + std::to_string(id) + ", the latest succeeded scan of " + where};
}

Status ScanStore::RecordBaseline(uint64_t scan_id, const BaselineChoice& baseline,
                                 const std::string& trigger) {
  ASSIGN_OR_RETURN(Statement * update,
                   db_->Prepare("UPDATE scans SET baseline_scan_id=?, baseline_note=?, "
                                "submit_trigger=? WHERE id=?"));
  update->Bind(1, static_cast<int64_t>(baseline.scan_id))
      .Bind(2, baseline.note)
      .Bind(3, trigger)
      .Bind(4, static_cast<int64_t>(scan_id));
  return update->Run();
}

Status ScanStore::RecordDiffInputs(const v1::JobResult& result, uint64_t scan_id) {
  int64_t job_id = static_cast<int64_t>(result.job().job_id());
  if (!result.repo_suppressions().empty()) {
    // Kept as read (bounded): the controller parses it when it classifies, so
    // an invalid file becomes a warning on the diff, never a failed job.
    std::string text = result.repo_suppressions().substr(0, kMaxSuppressionsFileBytes + 1);
    ASSIGN_OR_RETURN(Statement * update,
                     db_->Prepare("UPDATE jobs SET repo_suppressions=? WHERE id=?"));
    update->Bind(1, text).Bind(2, job_id);
    RETURN_IF_ERROR(update->Run());
  }
  if (result.renames_size() == 0) return Status::Ok();
  ASSIGN_OR_RETURN(Statement * insert,
                   db_->Prepare("INSERT OR IGNORE INTO scan_renames(scan_id, from_path, to_path) "
                                "VALUES(?,?,?)"));
  for (int i = 0; i < result.renames_size() && i < kMaxRenamesPerJob; ++i) {
    const v1::PathRename& rename = result.renames(i);
    if (rename.from().empty() || rename.to().empty()) continue;
    insert->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, rename.from()).Bind(3, rename.to());
    RETURN_IF_ERROR(insert->Run());
  }
  return Status::Ok();
}

StatusOr<ScanDiffData> ScanStore::LoadDiffData(uint64_t scan_id) {
  ScanDiffData data;
  data.scan_id = scan_id;
  ASSIGN_OR_RETURN(Statement * scan,
                   db_->Prepare("SELECT state, repo, url, profile, baseline_scan_id, "
                                "baseline_note FROM scans WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(scan_id));
  ASSIGN_OR_RETURN(bool found, scan->Step());
  if (!found) {
    scan->Reset();
    return Status::NotFound("scan " + std::to_string(scan_id) + " does not exist");
  }
  data.state = static_cast<v1::ScanState>(scan->ColumnInt(0));
  data.repo = scan->ColumnText(1).empty() ? scan->ColumnText(2) : scan->ColumnText(1);
  data.side.profile = scan->ColumnText(3);
  data.baseline.scan_id = static_cast<uint64_t>(scan->ColumnInt(4));
  data.baseline.note = scan->ColumnText(5);
  scan->Reset();

  ASSIGN_OR_RETURN(Statement * jobs,
                   db_->Prepare("SELECT id, scanner, state, skipped_records, last_error, "
                                "repo_suppressions FROM jobs WHERE scan_id=? ORDER BY id"));
  jobs->Bind(1, static_cast<int64_t>(scan_id));
  std::map<int64_t, std::string> scanner_of_job;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    int64_t job_id = jobs->ColumnInt(0);
    std::string scanner = jobs->ColumnText(1), state = jobs->ColumnText(2);
    int64_t skipped = jobs->ColumnInt(3);
    scanner_of_job[job_id] = scanner;
    auto [run, first] = data.side.runs.try_emplace(scanner, ScannerRun{true, ""});
    if (run->second.complete) {
      if (state != "succeeded") {
        run->second = {false, "job " + std::to_string(job_id) + " " + state +
                                  (jobs->ColumnText(4).empty() ? "" : ": " + jobs->ColumnText(4))};
      } else if (skipped > 0) {
        run->second = {false, "job " + std::to_string(job_id) + " is partial (" +
                                  std::to_string(skipped) + " malformed output records skipped)"};
      }
    }
    if (!jobs->ColumnText(5).empty()) data.repo_suppressions.push_back(jobs->ColumnText(5));
  }
  jobs->Reset();

  ASSIGN_OR_RETURN(Statement * ids,
                   db_->Prepare("SELECT job_id FROM findings WHERE scan_id=? ORDER BY job_id, "
                                "ordinal"));
  ids->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<int64_t> job_ids;
  while (true) {
    ASSIGN_OR_RETURN(bool row, ids->Step());
    if (!row) break;
    job_ids.push_back(ids->ColumnInt(0));
  }
  ids->Reset();
  // Same order as ListFindings (job, then ordinal).
  ASSIGN_OR_RETURN(std::vector<v1::Finding> findings, ListFindings(scan_id, v1::SEVERITY_INFO));
  for (size_t i = 0; i < findings.size() && i < job_ids.size(); ++i) {
    data.side.findings.emplace_back(scanner_of_job[job_ids[i]], std::move(findings[i]));
  }

  ASSIGN_OR_RETURN(Statement * renames,
                   db_->Prepare("SELECT from_path, to_path FROM scan_renames WHERE scan_id=? "
                                "ORDER BY from_path"));
  renames->Bind(1, static_cast<int64_t>(scan_id));
  while (true) {
    ASSIGN_OR_RETURN(bool row, renames->Step());
    if (!row) break;
    data.renames.emplace_back(renames->ColumnText(0), renames->ColumnText(1));
  }
  renames->Reset();
  return data;
}

}  // namespace scanfleet
