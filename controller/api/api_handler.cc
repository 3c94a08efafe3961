#include "controller/api/api_handler.h"

#include <algorithm>
#include <set>

#include "common/incremental/shard.h"
#include "common/job/job_state.h"
#include "common/secrets/secret_name.h"
#include "common/wire/error_code.h"

namespace scanfleet {

namespace {

constexpr size_t kMaxRepoLength = 4096;
constexpr size_t kMaxRefLength = 255;

Status CheckText(std::string_view field, std::string_view value, size_t max_length) {
  if (value.size() > max_length) {
    return Status::InvalidArgument(std::string(field) + " is longer than " +
                                   std::to_string(max_length) + " bytes");
  }
  if (!value.empty() && value.front() == '-') {
    return Status::InvalidArgument(std::string(field) + " must not start with '-'");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(std::string(field) + " contains control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateSubmission(const v1::SubmitScanRequest& request) {
  const v1::ScanTarget& target = request.target();
  bool sast = !target.repo().empty();
  bool dast = !target.url().empty();
  if (sast == dast) {
    return Status::InvalidArgument("give either a repository (SAST) or a target URL (DAST)");
  }
  if (sast) {
    RETURN_IF_ERROR(CheckText("repository", target.repo(), kMaxRepoLength));
    if (target.ref().empty()) return Status::InvalidArgument("a commit or ref is required");
    RETURN_IF_ERROR(CheckText("ref", target.ref(), kMaxRefLength));
    RETURN_IF_ERROR(CheckText("branch", target.branch(), kMaxRefLength));
  } else {
    RETURN_IF_ERROR(CheckText("DAST target", target.url(), kMaxRepoLength));
    if (!target.ref().empty()) return Status::InvalidArgument("a DAST target takes no ref");
    if (!target.branch().empty()) return Status::InvalidArgument("a DAST target takes no branch");
  }
  if (target.secret_names_size() > static_cast<int>(kMaxSecretsPerScan)) {
    return Status::InvalidArgument("a scan names at most " + std::to_string(kMaxSecretsPerScan) +
                                   " secrets");
  }
  std::set<std::string> seen;
  for (const std::string& name : target.secret_names()) {
    RETURN_IF_ERROR(ValidateSecretName(name).WithContext("--secret"));
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("secret '" + name + "' is named twice");
    }
  }
  if (!target.repo_token_secret().empty()) {
    if (!sast) return Status::InvalidArgument("a DAST target takes no repository token secret");
    RETURN_IF_ERROR(
        ValidateSecretName(target.repo_token_secret()).WithContext("--repo-token-secret"));
  }
  if (request.shards() > kMaxShards) {
    return Status::InvalidArgument("--shards must be 1.." + std::to_string(kMaxShards) + ", got " +
                                   std::to_string(request.shards()));
  }
  if (dast && (request.incremental() || request.shards() > 1)) {
    return Status::InvalidArgument("a DAST target cannot be scanned incrementally or in shards");
  }
  return CheckText("profile", request.profile(), 128);
}

v1::ApiResponse ApiHandler::Handle(const v1::ApiRequest& request, TimeMs now, ApiEffects& effects) {
  // A request's writes share the loop's transaction with other messages: a
  // savepoint makes a failed request leave no partial rows behind.
  auto savepoint = store_.OpenSavepoint("api_request");
  if (!savepoint.ok()) return ErrorResponseOf(Status::Internal("cannot open a savepoint"));
  v1::ApiResponse response = HandleInSavepoint(request, now, effects);
  if (!response.error().empty()) {
    (void)savepoint->Rollback();
    effects = ApiEffects{};
  } else {
    (void)savepoint->Release();
  }
  return response;
}

v1::ApiResponse ApiHandler::HandleInSavepoint(const v1::ApiRequest& request, TimeMs now,
                                              ApiEffects& effects) {
  v1::ApiResponse response;
  switch (request.request_case()) {
    case v1::ApiRequest::kSubmitScan: {
      auto submitted = Submit(request.submit_scan(), now, effects);
      if (!submitted.ok()) return ErrorResponseOf(submitted.status());
      *response.mutable_submit_scan() = std::move(submitted).value();
      return response;
    }
    case v1::ApiRequest::kGetScan: {
      auto scan = store_.views().GetScan(request.get_scan().scan_id());
      if (!scan.ok()) return ErrorResponseOf(scan.status());
      for (v1::JobStatus& job : *scan->mutable_jobs()) {
        if (JobStateOf(job) == v1::JOB_QUEUED &&
            !scheduler_.CanRun(job.pool(), job.scanner(), now)) {
          job.set_note("waiting: no live worker of pool '" + job.pool() + "' has scanner '" +
                       job.scanner() + "'");
        }
      }
      *response.mutable_scan() = std::move(scan).value();
      return response;
    }
    case v1::ApiRequest::kListFindings: {
      auto scan = store_.views().GetScan(request.list_findings().scan_id());
      if (!scan.ok()) return ErrorResponseOf(scan.status());
      auto findings = store_.findings().List(request.list_findings().scan_id(),
                                             request.list_findings().min_severity());
      if (!findings.ok()) return ErrorResponseOf(findings.status());
      for (auto& f : *findings) *response.mutable_findings()->add_findings() = std::move(f);
      return response;
    }
    case v1::ApiRequest::kListWorkers:
      *response.mutable_workers() = ListWorkers(now);
      return response;
    case v1::ApiRequest::kGetEndpoints:
      *response.mutable_endpoints() = endpoints_;
      return response;
    case v1::ApiRequest::kReplayEvents:
      // Off the loop thread, on a connection of its own (ReplayService).
      return ErrorResponseOf(Status::FailedPrecondition(
          "ReplayEvents is answered on the replay socket (GetEndpoints: replay_port), not on "
          "the API socket"));
    case v1::ApiRequest::kCancelScan: {
      auto cancelled = Cancel(request.cancel_scan(), now, effects);
      if (!cancelled.ok()) return ErrorResponseOf(cancelled.status());
      *response.mutable_cancelled() = std::move(cancelled).value();
      return response;
    }
    case v1::ApiRequest::kRetryJobs: {
      auto retried = Retry(request.retry_jobs(), now, effects);
      if (!retried.ok()) return ErrorResponseOf(retried.status());
      *response.mutable_retried() = std::move(retried).value();
      return response;
    }
    case v1::ApiRequest::kReparseScan: {
      auto reparsed = Reparse(request.reparse_scan(), now, effects);
      if (!reparsed.ok()) return ErrorResponseOf(reparsed.status());
      *response.mutable_reparsed() = std::move(reparsed).value();
      return response;
    }
    case v1::ApiRequest::kDiffScan: {
      auto diff = Diff(request.diff_scan(), now);
      if (!diff.ok()) return ErrorResponseOf(diff.status());
      *response.mutable_diff() = std::move(diff).value();
      return response;
    }
    case v1::ApiRequest::kListSchedules:  // answered by the loop's TriggerHub
    case v1::ApiRequest::kCheckpoint:     // answered by the loop (it signs)
    case v1::ApiRequest::REQUEST_NOT_SET:
      break;
  }
  return ErrorResponseOf(Status::InvalidArgument("request names no operation"));
}

StatusOr<v1::SubmitScanResponse> ApiHandler::Submit(const v1::SubmitScanRequest& request,
                                                    TimeMs now, ApiEffects& effects) {
  RETURN_IF_ERROR(ValidateSubmission(request));
  RETURN_IF_ERROR(CheckText("idempotency key", request.idempotency_key(), 256));
  if (!request.idempotency_key().empty()) {
    // A client that retries a submit whose reply it lost gets the first scan.
    ASSIGN_OR_RETURN(auto earlier, store_.scans().FindSubmission(request.idempotency_key()));
    if (earlier) return *earlier;
  }
  std::string normalized_url;
  bool dast = !request.target().url().empty();
  if (dast) {
    ASSIGN_OR_RETURN(DastTarget target, ParseDastTarget(request.target().url()));
    if (!dast_allowlist_.Allows(target)) {
      return Status::PermissionDenied("DAST target host " + target.host +
                                      " is not in the controller's --dast-allow list (" +
                                      dast_allowlist_.Describe() + ")");
    }
    normalized_url = target.url;
  }
  std::string profile = request.profile().empty() ? config_.default_profile : request.profile();
  auto scanners = config_.profiles.find(profile);
  if (scanners == config_.profiles.end()) {
    std::string known;
    for (const auto& [name, list] : config_.profiles) known += (known.empty() ? "" : ", ") + name;
    return Status::NotFound("unknown profile '" + profile + "' (known: " + known + ")");
  }
  NewScan scan;
  scan.target = request.target();
  if (dast) scan.target.set_url(normalized_url);
  scan.profile = profile;
  scan.idempotency_key = request.idempotency_key();
  auto budget = config_.profile_max_failures.find(profile);
  uint32_t max_failures = budget == config_.profile_max_failures.end() ? 0 : budget->second;
  RETURN_IF_ERROR(CheckText("trigger", request.trigger(), 128));
  RETURN_IF_ERROR(CheckText("baseline branch", request.baseline_branch(), kMaxRefLength));
  // Chosen now and stored with the scan, so its reports stay stable.
  ASSIGN_OR_RETURN(BaselineChoice baseline, store_.baselines().Resolve(request, profile));
  std::string kind = dast ? "dast" : "sast";
  for (const std::string& scanner : scanners->second) {
    auto scanner_kind = config_.scanner_kinds.find(scanner);
    if ((scanner_kind == config_.scanner_kinds.end() ? "sast" : scanner_kind->second) != kind) {
      continue;  // a mixed profile runs only the scanners that fit the target
    }
    auto pool = config_.scanner_pools.find(scanner);
    if (pool == config_.scanner_pools.end()) {
      return Status::FailedPrecondition("profile '" + profile + "' names scanner '" + scanner +
                                        "' whose pool this controller does not serve (add "
                                        "--pool POOL)");
    }
    NewJob job;
    job.scanner = scanner;
    job.pool = pool->second;
    job.timeout_ms = config_.job_timeout_ms;
    job.max_failures = max_failures;
    if (!config_.per_file_scanners.count(scanner)) {
      scan.jobs.push_back(std::move(job));  // whole-tree scanners run once, on everything
      continue;
    }
    if (request.incremental()) {
      // The incremental base is the scan's baseline (explicit or resolved).
      if (baseline.scan_id == 0) {
        job.incremental_note = "no baseline: " + baseline.note;
      } else {
        ASSIGN_OR_RETURN(IncrementalBase base,
                         store_.views().ResolveIncrementalBase(baseline.scan_id, scanner,
                                                               request.target().repo()));
        job.incremental_note = base.reason;
        if (!base.commit.empty()) {
          job.base_scan_id = baseline.scan_id;
          job.base_commit = base.commit;
        }
      }
    }
    uint32_t shards = request.shards() != 0 ? request.shards() : config_.default_shards;
    if (shards <= 1) {
      scan.jobs.push_back(std::move(job));
      continue;
    }
    job.shard_count = shards;
    for (uint32_t shard = 0; shard < shards; ++shard) {
      job.shard_index = shard;
      scan.jobs.push_back(job);
    }
  }
  if (scan.jobs.empty()) {
    return Status::InvalidArgument("profile '" + profile + "' has no " + kind +
                                   " scanner; pick a profile for a " +
                                   (dast ? "DAST target" : "repository"));
  }
  ASSIGN_OR_RETURN(CreatedScan created, store_.lifecycle().CreateScan(scan, now));
  RETURN_IF_ERROR(store_.baselines().Record(created.scan_id, baseline,
                                            request.trigger().empty() ? "cli" : request.trigger()));
  v1::SubmitScanResponse response;
  response.set_scan_id(created.scan_id);
  for (size_t i = 0; i < created.job_ids.size(); ++i) {
    scheduler_.AddQueuedJob(JobDescriptor{created.job_ids[i], created.scan_id, scan.jobs[i].pool,
                                          scan.jobs[i].scanner, 0, 0, 0, max_failures,
                                          TargetKey(scan.target.url())});
    response.add_scanners(scan.jobs[i].scanner);
  }
  effects.events.push_back(std::move(created.event));
  return response;
}

StatusOr<v1::CancelScanResponse> ApiHandler::Cancel(const v1::CancelScanRequest& request,
                                                    TimeMs now, ApiEffects& effects) {
  RETURN_IF_ERROR(CheckText("reason", request.reason(), 1024));
  std::string reason = request.reason().empty() ? "cancelled by a client" : request.reason();
  ASSIGN_OR_RETURN(CancelledScan cancelled,
                   store_.lifecycle().CancelScan(request.scan_id(), reason, now));
  v1::CancelScanResponse response;
  response.set_jobs_cancelled(static_cast<uint32_t>(cancelled.job_ids.size()));
  for (uint64_t job_id : cancelled.job_ids) {
    if (auto cancel = scheduler_.CancelJob(job_id, "scan cancelled: " + reason)) {
      effects.cancels.push_back(std::move(*cancel));
    }
  }
  response.set_attempts_stopped(static_cast<uint32_t>(effects.cancels.size()));
  effects.events.push_back(std::move(cancelled.event));
  return response;
}

StatusOr<v1::RetryJobsResponse> ApiHandler::Retry(const v1::RetryJobsRequest& request, TimeMs now,
                                                  ApiEffects& effects) {
  if ((request.scan_id() == 0) == (request.job_id() == 0)) {
    return Status::InvalidArgument("name either a scan or a job to retry");
  }
  ASSIGN_OR_RETURN(RetriedJobs retried,
                   store_.lifecycle().RetryDeadJobs(request.scan_id(), request.job_id(), now));
  if (retried.jobs.empty()) {
    return Status::NotFound(request.scan_id() != 0
                                ? "scan " + std::to_string(request.scan_id()) + " has no dead job"
                                : "job " + std::to_string(request.job_id()) + " is not dead");
  }
  v1::RetryJobsResponse response;
  for (const JobDescriptor& job : retried.jobs) {
    scheduler_.AddQueuedJob(job);
    response.add_job_ids(job.job_id);
  }
  for (auto& event : retried.events) effects.events.push_back(std::move(event));
  return response;
}

v1::ListWorkersResponse ApiHandler::ListWorkers(TimeMs now) const {
  v1::ListWorkersResponse response;
  for (const WorkerView& view : scheduler_.Workers(now)) {
    v1::WorkerStatus* worker = response.add_workers();
    worker->set_worker_id(view.worker_id);
    for (const auto& pool : view.pools) worker->add_pools(pool);
    worker->set_slots(view.slots);
    worker->set_running(view.running);
    worker->set_alive(view.alive);
    worker->set_draining(view.draining);
    worker->set_last_seen_ms(view.last_seen_ms);
    auto hello = hellos_.find(view.worker_id);
    if (hello != hellos_.end()) {
      *worker->mutable_scanners() = hello->second.scanners();
      worker->set_hostname(hello->second.hostname());
    }
  }
  return response;
}

}  // namespace scanfleet
