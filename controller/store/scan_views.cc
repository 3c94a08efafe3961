#include "controller/store/scan_views.h"

#include <map>

#include "common/job/job_state.h"
#include "controller/store/schema.h"

namespace scanfleet {

namespace {

// What `status` says about an incremental job (empty for other jobs).
std::string IncrementalJobNote(uint64_t base_scan_id, const std::string& base_commit,
                               const std::string& full_scan_reason, int64_t files_scanned,
                               uint64_t carried, v1::JobState state) {
  if (!full_scan_reason.empty()) return "full scan: " + full_scan_reason;
  if (base_scan_id == 0) return "";
  std::string note = "incremental since scan " + std::to_string(base_scan_id) + " (" +
                     base_commit.substr(0, 12) + ")";
  if (state != v1::JOB_SUCCEEDED || files_scanned < 0) return note;
  return note + ": " + std::to_string(files_scanned) + " files scanned, " +
         std::to_string(carried) + " findings carried forward";
}

bool IsCommitId(const std::string& text) {
  if (text.size() != 40 && text.size() != 64) return false;
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

StatusOr<v1::ScanStatus> ScanViews::GetScan(uint64_t scan_id) {
  ASSIGN_OR_RETURN(v1::ScanStatus status, scans_.Get(scan_id));
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_.Prepare("SELECT id, scanner, pool, state, attempt, worker_id, last_error, "
                               "findings, resolved_commit, skipped_records, failures, "
                               "(SELECT output_tail FROM attempts a WHERE a.job_id=jobs.id AND "
                               "a.finished_ms>0 ORDER BY a.attempt DESC LIMIT 1), shard_index, "
                               "shard_count, carried_findings, base_scan_id, base_commit, "
                               "incremental_note, files_scanned FROM jobs "
                               "WHERE scan_id=? ORDER BY id"));
  jobs->Bind(1, static_cast<int64_t>(scan_id));
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    StatusOr<v1::JobState> state = StoredJobState(jobs->ColumnText(3));
    if (!state.ok()) {
      jobs->Reset();
      return state.status();
    }
    v1::JobStatus* job = status.add_jobs();
    job->set_job_id(static_cast<uint64_t>(jobs->ColumnInt(0)));
    job->set_scanner(jobs->ColumnText(1));
    job->set_pool(jobs->ColumnText(2));
    SetJobState(job, *state);
    job->set_attempt(static_cast<uint32_t>(jobs->ColumnInt(4)));
    job->set_worker_id(jobs->ColumnText(5));
    job->set_error(jobs->ColumnText(6));
    job->set_findings(static_cast<uint64_t>(jobs->ColumnInt(7)));
    job->set_resolved_commit(jobs->ColumnText(8));
    job->set_skipped_records(static_cast<uint32_t>(jobs->ColumnInt(9)));
    job->set_failures(static_cast<uint32_t>(jobs->ColumnInt(10)));
    job->set_output_tail(jobs->ColumnText(11));
    job->set_shard_index(static_cast<uint32_t>(jobs->ColumnInt(12)));
    job->set_shard_count(static_cast<uint32_t>(jobs->ColumnInt(13)));
    job->set_carried_findings(static_cast<uint64_t>(jobs->ColumnInt(14)));
    job->set_note(IncrementalJobNote(static_cast<uint64_t>(jobs->ColumnInt(15)),
                                     jobs->ColumnText(16), jobs->ColumnText(17),
                                     jobs->ColumnInt(18), job->carried_findings(), *state));
  }
  jobs->Reset();
  ASSIGN_OR_RETURN(std::vector<uint64_t> by_severity, findings_.CountBySeverity(scan_id));
  for (uint64_t count : by_severity) status.add_findings_by_severity(count);
  return status;
}

StatusOr<ScanDiffData> ScanViews::LoadDiffData(uint64_t scan_id, const FindingRead& read) {
  ScanDiffData data;
  data.scan_id = scan_id;
  ASSIGN_OR_RETURN(Statement * scan,
                   db_.Prepare("SELECT state, repo, url, profile, baseline_scan_id, "
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
                   db_.Prepare("SELECT id, scanner, state, skipped_records, last_error, "
                               "repo_suppressions FROM jobs WHERE scan_id=? ORDER BY id"));
  jobs->Bind(1, static_cast<int64_t>(scan_id));
  std::map<uint64_t, std::string> scanner_of_job;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    int64_t job_id = jobs->ColumnInt(0);
    std::string scanner = jobs->ColumnText(1);
    StatusOr<v1::JobState> state = StoredJobState(jobs->ColumnText(2));
    if (!state.ok()) {
      jobs->Reset();
      return state.status();
    }
    int64_t skipped = jobs->ColumnInt(3);
    scanner_of_job[static_cast<uint64_t>(job_id)] = scanner;
    auto [run, first] = data.side.runs.try_emplace(scanner, ScannerRun{true, ""});
    if (run->second.complete) {
      if (*state != v1::JOB_SUCCEEDED) {
        run->second = {false, "job " + std::to_string(job_id) + " " +
                                  std::string(JobStateName(*state)) +
                                  (jobs->ColumnText(4).empty() ? "" : ": " + jobs->ColumnText(4))};
      } else if (skipped > 0) {
        run->second = {false, "job " + std::to_string(job_id) + " is partial (" +
                                  std::to_string(skipped) + " malformed output records skipped)"};
      }
    }
    if (!jobs->ColumnText(5).empty()) data.repo_suppressions.push_back(jobs->ColumnText(5));
  }
  jobs->Reset();

  ASSIGN_OR_RETURN(std::vector<JobFinding> findings, findings_.ListWithJobs(scan_id, read));
  data.side.findings.reserve(findings.size());
  for (JobFinding& f : findings) {
    data.side.findings.emplace_back(scanner_of_job[f.job_id], std::move(f.finding));
  }
  ASSIGN_OR_RETURN(data.renames, baselines_.Renames(scan_id));
  return data;
}

StatusOr<IncrementalBase> ScanViews::ResolveIncrementalBase(uint64_t base_scan_id,
                                                            const std::string& scanner,
                                                            const std::string& repo) {
  std::string base = "baseline scan " + std::to_string(base_scan_id);
  ASSIGN_OR_RETURN(Statement * scan, db_.Prepare("SELECT repo FROM scans WHERE id=?"));
  scan->Bind(1, static_cast<int64_t>(base_scan_id));
  ASSIGN_OR_RETURN(bool found, scan->Step());
  std::string base_repo = found ? scan->ColumnText(0) : "";
  scan->Reset();
  if (!found) return Status::NotFound(base + " does not exist");
  if (base_repo != repo) return IncrementalBase{"", base + " is of another repository"};
  ASSIGN_OR_RETURN(Statement * jobs,
                   db_.Prepare("SELECT state, resolved_commit FROM jobs WHERE scan_id=? AND "
                               "scanner=?"));
  jobs->Bind(1, static_cast<int64_t>(base_scan_id)).Bind(2, scanner);
  IncrementalBase resolved;
  int count = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, jobs->Step());
    if (!row) break;
    ++count;
    StatusOr<v1::JobState> state = StoredJobState(jobs->ColumnText(0));
    if (!state.ok()) {
      jobs->Reset();
      return state.status();
    }
    std::string commit = jobs->ColumnText(1);
    if (*state != v1::JOB_SUCCEEDED) {
      resolved.reason = base + "'s " + scanner + " job did not succeed (" +
                        std::string(JobStateName(*state)) + ")";
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

}  // namespace scanfleet
