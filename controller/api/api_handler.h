// ApiHandler: answers client requests (submit, status, findings, workers,
// endpoints, event replay, cancel, retry) from the API socket.
//
// It runs inside the controller loop's open transaction: a submitted scan is
// written there and its jobs handed to the scheduler, and the reply is only
// sent after the loop commits. Input is untrusted: every field is checked and
// a bad request gets an error response, never a crash.
// Thread-safety: not thread-safe; owned by the controller loop thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/target/dast_target.h"
#include "common/time/clock.h"
#include "controller/config/controller_config.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/controller_store.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// What a request changed that the loop sends once the transaction commits.
struct ApiEffects {
  std::vector<v1::Event> events;
  std::vector<CancelAttempt> cancels;  // running attempts of cancelled jobs
};

class ApiHandler {
 public:
  ApiHandler(ControllerStore& store, Scheduler& scheduler, const ControllerConfig& config,
             const std::map<std::string, v1::WorkerHello>& hellos,
             v1::GetEndpointsResponse endpoints)
      : store_(store),
        scheduler_(scheduler),
        config_(config),
        hellos_(hellos),
        endpoints_(std::move(endpoints)),
        dast_allowlist_(TargetAllowlist::Parse(config.dast_allow).value()) {}

  v1::ApiResponse Handle(const v1::ApiRequest& request, TimeMs now, ApiEffects& effects);

 private:
  v1::ApiResponse HandleInSavepoint(const v1::ApiRequest& request, TimeMs now, ApiEffects& effects);
  StatusOr<v1::SubmitScanResponse> Submit(const v1::SubmitScanRequest& request, TimeMs now,
                                          ApiEffects& effects);
  StatusOr<v1::CancelScanResponse> Cancel(const v1::CancelScanRequest& request, TimeMs now,
                                          ApiEffects& effects);
  StatusOr<v1::ReparseScanResponse> Reparse(const v1::ReparseScanRequest& request, TimeMs now,
                                            ApiEffects& effects);
  StatusOr<v1::RetryJobsResponse> Retry(const v1::RetryJobsRequest& request, TimeMs now,
                                        ApiEffects& effects);
  v1::ListWorkersResponse ListWorkers(TimeMs now) const;
  // diff_scan.cc: classification against the baseline, with suppressions.
  StatusOr<v1::DiffScanResponse> Diff(const v1::DiffScanRequest& request, TimeMs now);

  ControllerStore& store_;
  Scheduler& scheduler_;
  const ControllerConfig& config_;
  const std::map<std::string, v1::WorkerHello>& hellos_;
  v1::GetEndpointsResponse endpoints_;
  TargetAllowlist dast_allowlist_;               // validated by ControllerLoop::Start
  uint64_t invalid_repo_suppression_files_ = 0;  // seen by Diff, for operators' logs
};

// Checks a submitted target before anything is stored. Exposed for tests.
Status ValidateSubmission(const v1::SubmitScanRequest& request);

}  // namespace scanfleet
