#include "controller/store/baseline_records.h"

#include "controller/diff/suppressions.h"

namespace scanfleet {

namespace {

constexpr int kMaxRenamesPerJob = 100000;

bool IsFinished(v1::ScanState state) {
  return state == v1::SCAN_SUCCEEDED || state == v1::SCAN_FAILED || state == v1::SCAN_CANCELLED;
}

}  // namespace

StatusOr<BaselineChoice> BaselineRecords::Resolve(const v1::SubmitScanRequest& request,
                                                  const std::string& profile,
                                                  uint64_t created_before) {
  const v1::ScanTarget& target = request.target();
  if (request.baseline_scan_id() != 0) {
    std::string id = std::to_string(request.baseline_scan_id());
    ASSIGN_OR_RETURN(Statement * query,
                     db_.Prepare("SELECT repo, url, state FROM scans WHERE id=?"));
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
  ASSIGN_OR_RETURN(Statement * latest,
                   db_.Prepare("SELECT id FROM scans WHERE repo=? AND url=? AND branch=? AND "
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

Status BaselineRecords::Record(uint64_t scan_id, const BaselineChoice& baseline,
                               const std::string& trigger) {
  ASSIGN_OR_RETURN(Statement * update,
                   db_.Prepare("UPDATE scans SET baseline_scan_id=?, baseline_note=?, "
                               "submit_trigger=? WHERE id=?"));
  update->Bind(1, static_cast<int64_t>(baseline.scan_id))
      .Bind(2, baseline.note)
      .Bind(3, trigger)
      .Bind(4, static_cast<int64_t>(scan_id));
  return update->Run();
}

Status BaselineRecords::RecordDiffInputs(const v1::JobResult& result, uint64_t scan_id) {
  int64_t job_id = static_cast<int64_t>(result.job().job_id());
  if (!result.repo_suppressions().empty()) {
    // Kept as read (bounded): the controller parses it when it classifies, so
    // an invalid file becomes a warning on the diff, never a failed job.
    std::string text = result.repo_suppressions().substr(0, kMaxSuppressionsFileBytes + 1);
    ASSIGN_OR_RETURN(Statement * update,
                     db_.Prepare("UPDATE jobs SET repo_suppressions=? WHERE id=?"));
    update->Bind(1, text).Bind(2, job_id);
    RETURN_IF_ERROR(update->Run());
  }
  if (result.renames_size() == 0) return Status::Ok();
  ASSIGN_OR_RETURN(Statement * insert,
                   db_.Prepare("INSERT OR IGNORE INTO scan_renames(scan_id, from_path, to_path) "
                               "VALUES(?,?,?)"));
  for (int i = 0; i < result.renames_size() && i < kMaxRenamesPerJob; ++i) {
    const v1::PathRename& rename = result.renames(i);
    if (rename.from().empty() || rename.to().empty()) continue;
    insert->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, rename.from()).Bind(3, rename.to());
    RETURN_IF_ERROR(insert->Run());
  }
  return Status::Ok();
}

StatusOr<std::vector<std::pair<std::string, std::string>>> BaselineRecords::Renames(
    uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * renames,
                   db_.Prepare("SELECT from_path, to_path FROM scan_renames WHERE scan_id=? "
                               "ORDER BY from_path"));
  renames->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<std::pair<std::string, std::string>> result;
  while (true) {
    ASSIGN_OR_RETURN(bool row, renames->Step());
    if (!row) break;
    result.emplace_back(renames->ColumnText(0), renames->ColumnText(1));
  }
  renames->Reset();
  return result;
}

}  // namespace scanfleet
