#include "controller/api/api_handler.h"

#include <algorithm>

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

v1::ApiResponse ErrorResponse(const Status& status) {
  v1::ApiResponse response;
  response.set_error(status.message());
  response.set_error_code(static_cast<uint32_t>(status.code()));
  return response;
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
  } else {
    RETURN_IF_ERROR(CheckText("target", target.url(), kMaxRepoLength));
    if (!target.ref().empty()) return Status::InvalidArgument("a DAST target takes no ref");
  }
  return CheckText("profile", request.profile(), 128);
}

v1::ApiResponse ApiHandler::Handle(const v1::ApiRequest& request, TimeMs now,
                                   std::vector<v1::Event>& events) {
  v1::ApiResponse response;
  switch (request.request_case()) {
    case v1::ApiRequest::kSubmitScan: {
      auto submitted = Submit(request.submit_scan(), now, events);
      if (!submitted.ok()) return ErrorResponse(submitted.status());
      *response.mutable_submit_scan() = std::move(submitted).value();
      return response;
    }
    case v1::ApiRequest::kGetScan: {
      auto scan = store_.GetScan(request.get_scan().scan_id());
      if (!scan.ok()) return ErrorResponse(scan.status());
      *response.mutable_scan() = std::move(scan).value();
      return response;
    }
    case v1::ApiRequest::kListFindings: {
      auto scan = store_.GetScan(request.list_findings().scan_id());
      if (!scan.ok()) return ErrorResponse(scan.status());
      auto findings = store_.ListFindings(request.list_findings().scan_id(),
                                          request.list_findings().min_severity());
      if (!findings.ok()) return ErrorResponse(findings.status());
      for (auto& f : *findings) *response.mutable_findings()->add_findings() = std::move(f);
      return response;
    }
    case v1::ApiRequest::kListWorkers:
      *response.mutable_workers() = ListWorkers(now);
      return response;
    case v1::ApiRequest::kGetEndpoints:
      *response.mutable_endpoints() = endpoints_;
      return response;
    case v1::ApiRequest::kReplayEvents: {
      uint32_t limit = request.replay_events().limit();
      if (limit == 0 || limit > config_.replay_limit) limit = config_.replay_limit;
      auto replay = store_.ReplayEvents(request.replay_events().after_seq(), limit);
      if (!replay.ok()) return ErrorResponse(replay.status());
      *response.mutable_events() = std::move(replay).value();
      return response;
    }
    case v1::ApiRequest::REQUEST_NOT_SET:
      break;
  }
  return ErrorResponse(Status::InvalidArgument("request names no operation"));
}

StatusOr<v1::SubmitScanResponse> ApiHandler::Submit(const v1::SubmitScanRequest& request,
                                                    TimeMs now, std::vector<v1::Event>& events) {
  RETURN_IF_ERROR(ValidateSubmission(request));
  std::string profile = request.profile().empty() ? config_.default_profile : request.profile();
  auto scanners = config_.profiles.find(profile);
  if (scanners == config_.profiles.end()) {
    std::string known;
    for (const auto& [name, list] : config_.profiles) known += (known.empty() ? "" : ", ") + name;
    return Status::NotFound("unknown profile '" + profile + "' (known: " + known + ")");
  }
  NewScan scan;
  scan.target = request.target();
  scan.profile = profile;
  for (const std::string& scanner : scanners->second) {
    auto pool = config_.scanner_pools.find(scanner);
    if (pool == config_.scanner_pools.end()) {
      return Status::FailedPrecondition("profile '" + profile + "' names scanner '" + scanner +
                                        "' that has no pool configured");
    }
    scan.jobs.push_back(NewJob{scanner, pool->second, config_.job_timeout_ms});
  }
  ASSIGN_OR_RETURN(CreatedScan created, store_.CreateScan(scan, now));
  v1::SubmitScanResponse response;
  response.set_scan_id(created.scan_id);
  for (size_t i = 0; i < created.job_ids.size(); ++i) {
    scheduler_.AddQueuedJob(JobDescriptor{created.job_ids[i], created.scan_id, scan.jobs[i].pool,
                                          scan.jobs[i].scanner, 0, 0, 0});
    response.add_scanners(scan.jobs[i].scanner);
  }
  events.push_back(std::move(created.event));
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
