#include "controller/loop/controller_loop.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/wire/convert.h"

namespace scanfleet {

namespace {

constexpr char kSender[] = "controller";
constexpr int kMaxPollMs = 250;

std::string WorkerTopic(const std::string& worker_id) { return "w:" + worker_id + "|"; }
constexpr char kAllWorkersTopic[] = "all|";

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

ControllerLoop::ControllerLoop(ControllerConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      scheduler_(config_.scheduler,
                 [this] { return std::uniform_real_distribution<double>(0, 1)(random_); }),
      random_(std::random_device{}()) {
  incarnation_ = random_();
}

ControllerLoop::~ControllerLoop() = default;

Status ControllerLoop::Start() {
  Database::Options db_options;
  db_options.synchronous_full = config_.synchronous_full;
  for (const auto& [scanner, pool] : config_.scanner_pools) {
    if (!config_.pool_ports.count(pool)) {
      return Status::InvalidArgument("scanner '" + scanner + "' is mapped to pool '" + pool +
                                     "', which has no --pool port configured");
    }
  }
  RETURN_IF_ERROR(TargetAllowlist::Parse(config_.dast_allow).status().WithContext("--dast-allow"));
  ASSIGN_OR_RETURN(store_, ScanStore::Open(config_.database_path, db_options));
  context_ = std::make_unique<Context>();
  SocketOptions options;
  options.max_frame_bytes = config_.max_frame_bytes;
  // ZMTP heartbeats close half-open TCP connections of vanished peers, so a
  // pool socket stops routing jobs into a dead worker's pipe.
  int heartbeat_ms = static_cast<int>(config_.scheduler.heartbeat_interval_ms);
  options.heartbeat_ivl_ms = heartbeat_ms;
  options.heartbeat_timeout_ms = heartbeat_ms * config_.scheduler.dead_after_missed;
  options.heartbeat_ttl_ms = heartbeat_ms * config_.scheduler.dead_after_missed;
  auto bind = [&](SocketKind kind, uint32_t port,
                  const SocketOptions& socket_options) -> StatusOr<std::unique_ptr<Socket>> {
    std::string endpoint =
        "tcp://" + config_.bind_host + ":" + (port == 0 ? std::string("*") : std::to_string(port));
    ASSIGN_OR_RETURN(Socket socket, Socket::Bind(*context_, kind, endpoint, socket_options));
    return std::make_unique<Socket>(std::move(socket));
  };
  ASSIGN_OR_RETURN(api_, bind(SocketKind::kRep, config_.api_port, options));
  SocketOptions results_options = options;
  results_options.recv_hwm = 100000;
  ASSIGN_OR_RETURN(results_, bind(SocketKind::kPull, config_.results_port, results_options));
  ASSIGN_OR_RETURN(control_, bind(SocketKind::kPub, config_.control_port, options));
  SocketOptions events_options = options;
  events_options.send_hwm = 1000000;
  ASSIGN_OR_RETURN(events_, bind(SocketKind::kPub, config_.events_port, events_options));
  // Small queues and IMMEDIATE: a job is only handed to a connected worker,
  // and no worker's pipe hoards the queue.
  SocketOptions pool_options = options;
  pool_options.send_hwm = 1;
  pool_options.immediate = true;
  for (const auto& [pool, port] : config_.pool_ports) {
    ASSIGN_OR_RETURN(pools_[pool], bind(SocketKind::kPush, port, pool_options));
  }
  v1::GetEndpointsResponse endpoints;
  endpoints.set_results_port(results_->port());
  endpoints.set_control_port(control_->port());
  endpoints.set_events_port(events_->port());
  for (const auto& [pool, socket] : pools_)
    (*endpoints.mutable_pool_ports())[pool] = socket->port();
  api_handler_ = std::make_unique<ApiHandler>(*store_, scheduler_, config_, hellos_, endpoints);
  RETURN_IF_ERROR(Recover());
  RETURN_IF_ERROR(WriteEndpointsFile());
  spdlog::info("controller listening: api={} results={} control={} events={} database={}",
               api_->last_endpoint(), results_->last_endpoint(), control_->last_endpoint(),
               events_->last_endpoint(), config_.database_path);
  return Status::Ok();
}

Status ControllerLoop::Recover() {
  TimeMs now = clock_.NowMs();
  ASSIGN_OR_RETURN(auto hellos, store_->LoadWorkerHellos());
  for (auto& [id, hello] : hellos) hellos_[id] = std::move(hello);
  ASSIGN_OR_RETURN(auto unfinished, store_->LoadUnfinishedJobs());
  size_t in_flight = 0;
  for (const UnfinishedJob& job : unfinished) {
    if (job.state == "queued") {
      scheduler_.AddQueuedJob(job.descriptor);
    } else {
      scheduler_.RestoreInFlight(job.descriptor, job.worker_id, now);
      ++in_flight;
    }
  }
  if (!unfinished.empty()) {
    spdlog::info("recovered {} unfinished jobs ({} were in flight)", unfinished.size(), in_flight);
  }
  return Status::Ok();
}

Status ControllerLoop::WriteEndpointsFile() const {
  if (config_.endpoints_file.empty()) return Status::Ok();
  nlohmann::json doc;
  doc["api"] = api_->last_endpoint();
  doc["results"] = results_->last_endpoint();
  doc["control"] = control_->last_endpoint();
  doc["events"] = events_->last_endpoint();
  for (const auto& [pool, socket] : pools_) doc["pools"][pool] = socket->last_endpoint();
  std::string tmp = config_.endpoints_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(2) << "\n";
    if (!out) return Status::Internal("cannot write " + tmp);
  }
  std::error_code error;
  std::filesystem::rename(tmp, config_.endpoints_file, error);
  if (error)
    return Status::Internal("cannot write " + config_.endpoints_file + ": " + error.message());
  return Status::Ok();
}

int ControllerLoop::PollTimeoutMs(TimeMs now) const {
  TimeMs next = std::min(next_heartbeat_ms_, now + kMaxPollMs);
  if (auto deadline = scheduler_.NextDeadline()) next = std::min(next, *deadline);
  return static_cast<int>(std::clamp<TimeMs>(next - now, 0, kMaxPollMs));
}

Status ControllerLoop::Run(int stop_fd) {
  Poller poller;
  size_t api_index = poller.Add(*api_);
  size_t results_index = poller.Add(*results_);
  size_t stop_index = poller.AddFd(stop_fd);
  while (true) {
    ASSIGN_OR_RETURN(int ready, poller.Wait(PollTimeoutMs(clock_.NowMs())));
    (void)ready;
    if (poller.Ready(stop_index)) break;
    RETURN_IF_ERROR(RunIteration(poller.Ready(api_index), poller.Ready(results_index)));
  }
  spdlog::info("controller stopping; state is committed (frames decoded {}, rejected {})",
               counters_.decoded.load(), counters_.rejected());
  return Status::Ok();
}

Status ControllerLoop::RunIteration(bool api_ready, bool results_ready) {
  TimeMs now = clock_.NowMs();
  Outbox outbox;
  RETURN_IF_ERROR(store_->Begin());
  for (const auto& [job_id, attempt] : failed_dispatches_) {
    if (auto requeue = scheduler_.OnDispatchFailed(job_id, attempt, now)) {
      RETURN_IF_ERROR(store_->RecordRequeue(*requeue, now));
    }
  }
  failed_dispatches_.clear();
  if (results_ready) {
    for (int i = 0; i < config_.max_batch; ++i) {
      ASSIGN_OR_RETURN(auto frames, results_->Receive(true));
      if (!frames) break;
      RETURN_IF_ERROR(HandleWorkerFrames(*frames, now, outbox));
    }
  }
  if (api_ready) {
    ASSIGN_OR_RETURN(auto frames, api_->Receive(true));
    if (frames) {
      v1::ApiResponse response;
      auto envelope = frames->size() == 1
                          ? DecodeEnvelope(frames->front(), config_.max_frame_bytes, counters_)
                          : StatusOr<v1::Envelope>(Status::DataLoss("expected one frame"));
      if (!envelope.ok()) {
        response.set_error("bad request: " + envelope.status().message());
        response.set_error_code(static_cast<uint32_t>(envelope.status().code()));
      } else if (!envelope->has_api_request()) {
        response.set_error("bad request: the API socket only takes ApiRequest messages");
        response.set_error_code(static_cast<uint32_t>(StatusCode::kInvalidArgument));
      } else {
        ApiEffects effects;
        response = api_handler_->Handle(envelope->api_request(), now, effects);
        for (auto& event : effects.events) outbox.events.push_back(std::move(event));
        std::vector<Decision> cancels(effects.cancels.begin(), effects.cancels.end());
        RETURN_IF_ERROR(ApplyDecisions(cancels, now, outbox));
      }
      outbox.api_reply = std::move(response);
    }
  }
  RETURN_IF_ERROR(ApplyDecisions(scheduler_.Tick(now), now, outbox));
  if (now >= next_prune_ms_) {
    ASSIGN_OR_RETURN(int64_t pruned,
                     store_->PruneRawReports(now - config_.raw_report_retention_ms));
    if (pruned > 0) spdlog::info("deleted {} raw reports past their retention", pruned);
    next_prune_ms_ = now + 60000;
  }
  Status committed = store_->Commit();
  if (!committed.ok()) {
    // Nothing that depends on this batch has been sent; restart recovers from SQLite.
    spdlog::critical("commit failed, stopping: {}", committed.ToString());
    return committed;
  }
  if (now >= next_heartbeat_ms_) {
    v1::Envelope heartbeat;
    heartbeat.mutable_controller_heartbeat()->set_incarnation(incarnation_);
    SendControl("", std::move(heartbeat), outbox);
    next_heartbeat_ms_ = now + config_.scheduler.heartbeat_interval_ms;
  }
  Flush(outbox);
  return Status::Ok();
}

Status ControllerLoop::HandleWorkerFrames(const Frames& frames, TimeMs now, Outbox& outbox) {
  if (frames.size() != 1) {
    ++counters_.malformed;
    spdlog::warn("dropped a {}-frame message on the results socket", frames.size());
    return Status::Ok();
  }
  auto envelope = DecodeEnvelope(frames.front(), config_.max_frame_bytes, counters_);
  if (!envelope.ok()) {
    v1::Envelope peer;
    if (envelope.status().code() == StatusCode::kFailedPrecondition &&
        peer.ParseFromString(frames.front()) && !peer.sender().empty()) {
      v1::Envelope refusal;
      refusal.mutable_refusal()->set_reason(envelope.status().message());
      refusal.mutable_refusal()->set_supported_version(kProtocolVersion);
      SendControl(peer.sender(), std::move(refusal), outbox);
    }
    spdlog::warn("dropped a frame from a worker: {} (rejected so far: {})",
                 envelope.status().ToString(), counters_.rejected());
    return Status::Ok();
  }
  return HandleWorkerEnvelope(*envelope, now, outbox);
}

Status ControllerLoop::HandleWorkerEnvelope(const v1::Envelope& envelope, TimeMs now,
                                            Outbox& outbox) {
  const std::string& worker_id = envelope.sender();
  if (worker_id.empty() || worker_id.size() > 128) {
    ++counters_.malformed;
    return Status::Ok();
  }
  switch (envelope.body_case()) {
    case v1::Envelope::kHello: {
      const v1::WorkerHello& hello = envelope.hello();
      std::set<std::string> scanners;
      for (const auto& scanner : hello.scanners()) scanners.insert(scanner.name());
      scheduler_.OnWorkerHello(worker_id, {hello.pools().begin(), hello.pools().end()},
                               std::move(scanners), hello.slots(), now);
      hellos_[worker_id] = hello;
      RETURN_IF_ERROR(store_->RecordWorkerHello(worker_id, hello, now));
      v1::Envelope ack;
      ack.mutable_hello_ack()->set_heartbeat_interval_ms(
          static_cast<uint32_t>(config_.scheduler.heartbeat_interval_ms));
      SendControl(worker_id, std::move(ack), outbox);
      spdlog::info("worker {} joined: pools [{}], {} scanners, {} slots", worker_id,
                   fmt::join(hello.pools(), ","), hello.scanners_size(), hello.slots());
      return Status::Ok();
    }
    case v1::Envelope::kHeartbeat: {
      HeartbeatReport report;
      for (const auto& ref : envelope.heartbeat().running()) {
        report.running.emplace_back(ref.job_id(), ref.attempt());
      }
      report.draining = envelope.heartbeat().draining();
      report.leaving = envelope.heartbeat().leaving();
      if (report.leaving) spdlog::info("worker {} is leaving", worker_id);
      return ApplyDecisions(scheduler_.OnHeartbeat(worker_id, report, now), now, outbox);
    }
    case v1::Envelope::kDeclined: {
      const v1::JobDeclined& declined = envelope.declined();
      auto requeue =
          scheduler_.OnDeclined(worker_id, declined.job().job_id(), declined.job().attempt(),
                                DeclineFromProto(declined.reason()), now);
      if (requeue) {
        RETURN_IF_ERROR(store_->RecordRequeue(*requeue, now));
        spdlog::debug("job {} attempt {} declined by {}: {} {}", requeue->job_id, requeue->attempt,
                      worker_id, requeue->reason, declined.detail());
      }
      return Status::Ok();
    }
    case v1::Envelope::kAccepted: {
      const v1::JobRef& ref = envelope.accepted().job();
      if (!scheduler_.OnAccepted(worker_id, ref.job_id(), ref.attempt(), now)) {
        v1::Envelope cancel;
        *cancel.mutable_cancel()->mutable_job() = ref;
        cancel.mutable_cancel()->set_reason("attempt is no longer live");
        SendControl(worker_id, std::move(cancel), outbox);
        return Status::Ok();
      }
      ASSIGN_OR_RETURN(auto started,
                       store_->RecordAccepted(ref.job_id(), ref.attempt(), worker_id, now));
      if (started) outbox.events.push_back(std::move(*started));
      return Status::Ok();
    }
    case v1::Envelope::kResult:
      return HandleResult(worker_id, envelope.result(), now, outbox);
    default:
      ++counters_.malformed;
      spdlog::warn("worker {} sent a message the results socket does not take", worker_id);
      return Status::Ok();
  }
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
      RETURN_IF_ERROR(store_->RecordAttempt(
          result, worker_id, outcome == JobOutcome::kSucceeded ? "succeeded" : "failed", now));
      ASSIGN_OR_RETURN(JobFinish finish, store_->FinishJob(result, outcome, now));
      for (auto& event : finish.events) outbox.events.push_back(std::move(event));
      if (finish.applied) RETURN_IF_ERROR(store_->StoreRawReport(result, now));
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
      RETURN_IF_ERROR(store_->RecordAttempt(result, worker_id, "retry", now));
      verdict.requeue.reason = result.error();
      RETURN_IF_ERROR(store_->RecordRequeue(verdict.requeue, now));
      spdlog::info("job {} attempt {} failed ({}), retry after {} ms", result.job().job_id(),
                   result.job().attempt(), result.error(), verdict.requeue.not_before_ms - now);
      break;
    case ResultVerdict::Kind::kStale:
      RETURN_IF_ERROR(store_->RecordAttempt(result, worker_id, "stale", now));
      break;
  }
  v1::Envelope ack;
  *ack.mutable_result_ack()->mutable_job() = result.job();
  ack.mutable_result_ack()->set_stale(verdict.kind == ResultVerdict::Kind::kStale);
  SendControl(worker_id, std::move(ack), outbox);
  return Status::Ok();
}

Status ControllerLoop::ApplyDecisions(const std::vector<Decision>& decisions, TimeMs now,
                                      Outbox& outbox) {
  for (const Decision& decision : decisions) {
    if (const auto* dispatch = std::get_if<DispatchJob>(&decision)) {
      RETURN_IF_ERROR(store_->RecordDispatch(*dispatch, now));
      ASSIGN_OR_RETURN(v1::JobAssignment job,
                       store_->BuildAssignment(dispatch->job_id, dispatch->attempt));
      job.set_accept_by_ms(dispatch->accept_by_ms);
      outbox.jobs.emplace_back(dispatch->pool, std::move(job));
    } else if (const auto* requeue = std::get_if<RequeueJob>(&decision)) {
      RETURN_IF_ERROR(store_->RecordRequeue(*requeue, now));
      spdlog::info("job {} attempt {} requeued: {}", requeue->job_id, requeue->attempt,
                   requeue->reason);
    } else if (const auto* lost = std::get_if<WorkerLost>(&decision)) {
      spdlog::warn("worker {} stopped heartbeating; its jobs were requeued", lost->worker_id);
    } else if (const auto* abandon = std::get_if<AbandonJob>(&decision)) {
      v1::JobResult failed;
      failed.mutable_job()->set_job_id(abandon->job_id);
      failed.mutable_job()->set_attempt(abandon->attempt);
      failed.set_failure(v1::FAILURE_SCANNER_MISSING);
      failed.set_error(abandon->reason);
      ASSIGN_OR_RETURN(JobFinish finish, store_->FinishJob(failed, JobOutcome::kFailed, now));
      for (auto& event : finish.events) outbox.events.push_back(std::move(event));
      spdlog::warn("job {} failed: {}", abandon->job_id, abandon->reason);
    } else if (const auto* cancel = std::get_if<CancelAttempt>(&decision)) {
      v1::Envelope message;
      message.mutable_cancel()->mutable_job()->set_job_id(cancel->job_id);
      message.mutable_cancel()->mutable_job()->set_attempt(cancel->attempt);
      message.mutable_cancel()->set_reason(cancel->reason);
      SendControl(cancel->worker_id, std::move(message), outbox);
    }
  }
  return Status::Ok();
}

void ControllerLoop::SendControl(const std::string& worker_id, v1::Envelope envelope,
                                 Outbox& outbox) {
  std::string frame = EncodeEnvelope(envelope, next_message_id_++, kSender, clock_.NowMs());
  outbox.control.push_back(
      Frames{worker_id.empty() ? std::string(kAllWorkersTopic) : WorkerTopic(worker_id),
             std::move(frame)});
}

void ControllerLoop::Flush(Outbox& outbox) {
  TimeMs now = clock_.NowMs();
  if (outbox.api_reply) {
    v1::Envelope reply;
    *reply.mutable_api_response() = std::move(*outbox.api_reply);
    Status sent = api_->SendOne(EncodeEnvelope(reply, next_message_id_++, kSender, now));
    if (!sent.ok()) spdlog::warn("API reply not sent: {}", sent.ToString());
  }
  for (auto& [pool, job] : outbox.jobs) {
    v1::Envelope envelope;
    uint64_t job_id = job.job().job_id();
    uint32_t attempt = job.job().attempt();
    *envelope.mutable_job() = std::move(job);
    Status sent = pools_.at(pool)->SendOne(
        EncodeEnvelope(envelope, next_message_id_++, kSender, now), /*dont_wait=*/true);
    // Not handed over: requeue in the next transaction instead of waiting for
    // the acceptance deadline.
    if (!sent.ok()) failed_dispatches_.emplace_back(job_id, attempt);
  }
  for (Frames& frames : outbox.control) {
    Status sent = control_->Send(frames, true);
    if (!sent.ok()) spdlog::warn("control message dropped: {}", sent.ToString());
  }
  for (v1::Event& event : outbox.events) {
    std::string topic = event.topic();
    v1::Envelope envelope;
    *envelope.mutable_event() = std::move(event);
    // Subscribers recover anything dropped here by replaying from SQLite.
    (void)events_->Send(Frames{topic, EncodeEnvelope(envelope, next_message_id_++, kSender, now)},
                        true);
  }
}

}  // namespace scanfleet
