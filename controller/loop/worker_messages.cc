// ControllerLoop, part two: what a worker's batch and the scheduler's
// decisions do to the store and the outbox (hello, acceptance, decline,
// result, heartbeat; dispatch, requeue, cancel, abandon). Everything for one
// worker goes into its ControlBatch, sent after the commit. See controller_loop.h.
// Thread-safety: called on the loop thread only.
#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "common/job/job_state.h"
#include "common/wire/convert.h"
#include "controller/loop/controller_loop.h"

namespace scanfleet {

namespace {

DeclineReason DeclineFromProto(v1::DeclineReason reason) {
  switch (reason) {
    case v1::DECLINE_NO_FREE_SLOT:
      return DeclineReason::kNoFreeSlot;
    case v1::DECLINE_SCANNER_MISSING:
      return DeclineReason::kScannerMissing;
    case v1::DECLINE_DRAINING:
      return DeclineReason::kDraining;
    case v1::DECLINE_HANDED_BACK:
      return DeclineReason::kHandedBack;
    default:
      return DeclineReason::kOther;
  }
}

}  // namespace

Status ControllerLoop::HandleWorkerBatch(const std::string& worker_id, const v1::WorkerBatch& batch,
                                         TimeMs now, Outbox& outbox) {
  loop_counters_.worker_messages += (batch.has_hello() ? 1 : 0) + batch.accepted_size() +
                                    batch.declined_size() + batch.results_size() +
                                    (batch.has_heartbeat() ? 1 : 0);
  if (batch.has_hello()) RETURN_IF_ERROR(HandleHello(worker_id, batch.hello(), now, outbox));
  for (const v1::JobAccepted& accepted : batch.accepted()) {
    RETURN_IF_ERROR(HandleAccepted(worker_id, accepted.job(), now, outbox));
  }
  for (const v1::JobDeclined& declined : batch.declined()) {
    RETURN_IF_ERROR(HandleDeclined(worker_id, declined, now));
  }
  for (const v1::JobResult& result : batch.results()) {
    // A result implies its acceptance: a job that started and finished
    // between two of the worker's batches sends only its result.
    if (scheduler_.AwaitsAcceptance(result.job().job_id(), result.job().attempt())) {
      RETURN_IF_ERROR(HandleAccepted(worker_id, result.job(), now, outbox));
    }
    RETURN_IF_ERROR(HandleResult(worker_id, result, now, outbox));
  }
  if (batch.has_heartbeat()) {
    RETURN_IF_ERROR(HandleHeartbeat(worker_id, batch.heartbeat(), now, outbox));
  }
  return Status::Ok();
}

Status ControllerLoop::HandleHello(const std::string& worker_id, const v1::WorkerHello& hello,
                                   TimeMs now, Outbox& outbox) {
  std::set<std::string> scanners;
  for (const auto& scanner : hello.scanners()) scanners.insert(scanner.name());
  scheduler_.OnWorkerHello(worker_id, {hello.pools().begin(), hello.pools().end()},
                           std::move(scanners), hello.slots(), now, hello.prefetch());
  // The session id is transport state: neither kept nor stored.
  v1::WorkerHello& kept = hellos_[worker_id];
  kept = hello;
  kept.clear_session_id();
  RETURN_IF_ERROR(store_->worker_hellos().Record(worker_id, kept, now));
  FillHelloAck(worker_id, outbox.to_workers[worker_id]);
  spdlog::info("worker {} joined: pools [{}], {} scanners, {} slots, prefetch {}", worker_id,
               fmt::join(hello.pools(), ","), hello.scanners_size(), hello.slots(),
               hello.prefetch());
  return Status::Ok();
}

Status ControllerLoop::HandleAccepted(const std::string& worker_id, const v1::JobRef& ref,
                                      TimeMs now, Outbox& outbox) {
  if (!scheduler_.OnAccepted(worker_id, ref.job_id(), ref.attempt(), now)) {
    v1::Cancel& cancel = *outbox.to_workers[worker_id].add_cancels();
    *cancel.mutable_job() = ref;
    cancel.set_reason("attempt is no longer live");
    return Status::Ok();
  }
  // Its scan.running event, if any, is published after the commit with
  // every other event the iteration stored.
  ASSIGN_OR_RETURN(auto started,
                   store_->lifecycle().RecordAccepted(ref.job_id(), ref.attempt(), worker_id, now));
  (void)started;
  return Status::Ok();
}

Status ControllerLoop::HandleDeclined(const std::string& worker_id, const v1::JobDeclined& declined,
                                      TimeMs now) {
  auto requeue = scheduler_.OnDeclined(worker_id, declined.job().job_id(), declined.job().attempt(),
                                       DeclineFromProto(declined.reason()), now);
  if (requeue) {
    RETURN_IF_ERROR(store_->jobs().RecordRequeue(*requeue, now));
    spdlog::debug("job {} attempt {} declined by {}: {} {}", requeue->job_id, requeue->attempt,
                  worker_id, requeue->reason, declined.detail());
  }
  return Status::Ok();
}

Status ControllerLoop::HandleHeartbeat(const std::string& worker_id, const v1::Heartbeat& heartbeat,
                                       TimeMs now, Outbox& outbox) {
  HeartbeatReport report;
  for (const auto& ref : heartbeat.running())
    report.running.emplace_back(ref.job_id(), ref.attempt());
  report.free_slots = heartbeat.free_slots();
  report.draining = heartbeat.draining();
  report.leaving = heartbeat.leaving();
  if (report.leaving) spdlog::info("worker {} is leaving", worker_id);
  return ApplyDecisions(scheduler_.OnHeartbeat(worker_id, report, now), now, outbox);
}

Status ControllerLoop::HandleResult(const std::string& worker_id, const v1::JobResult& result,
                                    TimeMs now, Outbox& outbox) {
  ResultVerdict verdict =
      scheduler_.OnResult(worker_id, result.job().job_id(), result.job().attempt(),
                          FailureFromProto(result.failure()), now);
  switch (verdict.kind) {
    case ResultVerdict::Kind::kSucceeded:
    case ResultVerdict::Kind::kFailed:
    case ResultVerdict::Kind::kDeadLettered: {
      JobOutcome outcome = verdict.kind == ResultVerdict::Kind::kSucceeded ? JobOutcome::kSucceeded
                           : verdict.kind == ResultVerdict::Kind::kFailed
                               ? JobOutcome::kFailed
                               : JobOutcome::kDeadLettered;
      v1::AttemptOutcome attempt_outcome =
          outcome == JobOutcome::kSucceeded ? v1::ATTEMPT_SUCCEEDED : v1::ATTEMPT_FAILED;
      RETURN_IF_ERROR(store_->jobs().RecordAttempt(result, worker_id, attempt_outcome, now));
      // An adopted result ends the job in its current attempt's row.
      std::optional<v1::JobResult> fenced;
      if (verdict.live_attempt != result.job().attempt()) {
        fenced = result;
        fenced->mutable_job()->set_attempt(verdict.live_attempt);
      }
      ASSIGN_OR_RETURN(JobFinish finish,
                       store_->lifecycle().FinishJob(fenced ? *fenced : result, outcome, now));
      if (finish.applied) RETURN_IF_ERROR(store_->raw_reports().Keep(result, now));
      if (outcome == JobOutcome::kFailed) {
        spdlog::warn("job {} failed for good on attempt {}: {}", result.job().job_id(),
                     result.job().attempt(), result.error());
      } else if (outcome == JobOutcome::kDeadLettered) {
        spdlog::warn("job {} dead-lettered after attempt {}: {}", result.job().job_id(),
                     result.job().attempt(), result.error());
      }
      break;
    }
    case ResultVerdict::Kind::kRetry:
      RETURN_IF_ERROR(store_->jobs().RecordAttempt(result, worker_id, v1::ATTEMPT_RETRY, now));
      verdict.requeue.reason = result.error();
      RETURN_IF_ERROR(store_->jobs().RecordRequeue(verdict.requeue, now));
      spdlog::info("job {} attempt {} failed ({}), retry after {} ms", result.job().job_id(),
                   result.job().attempt(), result.error(), verdict.requeue.not_before_ms - now);
      break;
    case ResultVerdict::Kind::kStale:
      RETURN_IF_ERROR(store_->jobs().RecordAttempt(result, worker_id, v1::ATTEMPT_STALE, now));
      break;
  }
  if (verdict.adopted) {
    spdlog::info("job {}: adopted the result of superseded attempt {} from {} (job at attempt {})",
                 result.job().job_id(), result.job().attempt(), worker_id, verdict.live_attempt);
  }
  if (verdict.cancel) RETURN_IF_ERROR(ApplyDecisions({*verdict.cancel}, now, outbox));
  ++loop_counters_.results;
  findings_this_iteration_ += result.findings_size();
  v1::ResultAck& ack = *outbox.to_workers[worker_id].add_result_acks();
  *ack.mutable_job() = result.job();
  ack.set_stale(verdict.kind == ResultVerdict::Kind::kStale);
  return Status::Ok();
}

Status ControllerLoop::ApplyDecisions(const std::vector<Decision>& decisions, TimeMs now,
                                      Outbox& outbox) {
  for (const Decision& decision : decisions) {
    if (const auto* dispatch = std::get_if<DispatchJob>(&decision)) {
      RETURN_IF_ERROR(store_->jobs().RecordDispatch(*dispatch, now));
      ASSIGN_OR_RETURN(v1::JobAssignment job,
                       store_->jobs().BuildAssignment(dispatch->job_id, dispatch->attempt));
      job.set_accept_by_ms(dispatch->accept_by_ms);
      *outbox.to_workers[dispatch->worker_id].add_jobs() = std::move(job);
    } else if (const auto* requeue = std::get_if<RequeueJob>(&decision)) {
      RETURN_IF_ERROR(store_->jobs().RecordRequeue(*requeue, now));
      spdlog::info("job {} attempt {} requeued: {}", requeue->job_id, requeue->attempt,
                   requeue->reason);
    } else if (const auto* lost = std::get_if<WorkerLost>(&decision)) {
      spdlog::warn("worker {} stopped heartbeating; its jobs were requeued", lost->worker_id);
    } else if (const auto* forgotten = std::get_if<WorkerForgotten>(&decision)) {
      hellos_.erase(forgotten->worker_id);  // --worker-retention-ms: gone for good
      if (security_) security_->ForgetWorker(forgotten->worker_id);
    } else if (const auto* abandon = std::get_if<AbandonJob>(&decision)) {
      v1::JobResult failed;
      failed.mutable_job()->set_job_id(abandon->job_id);
      failed.mutable_job()->set_attempt(abandon->attempt);
      failed.set_failure(v1::FAILURE_SCANNER_MISSING);
      failed.set_error(abandon->reason);
      ASSIGN_OR_RETURN(JobFinish finish,
                       store_->lifecycle().FinishJob(failed, JobOutcome::kFailed, now));
      (void)finish;
      spdlog::warn("job {} failed: {}", abandon->job_id, abandon->reason);
    } else if (const auto* cancel = std::get_if<CancelAttempt>(&decision)) {
      if (cancel->worker_id.empty()) continue;  // nobody to tell
      v1::Cancel& message = *outbox.to_workers[cancel->worker_id].add_cancels();
      message.mutable_job()->set_job_id(cancel->job_id);
      message.mutable_job()->set_attempt(cancel->attempt);
      message.set_reason(cancel->reason);
    }
  }
  return Status::Ok();
}

}  // namespace scanfleet
