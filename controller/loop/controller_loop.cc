#include "controller/loop/controller_loop.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/fs/atomic_write.h"
#include "common/fs/posix_file_system.h"
#include "common/process/stop_signal.h"
#include "common/wire/convert.h"

namespace scanfleet {

namespace {

constexpr int kMaxPollMs = 250;
// While a hello ack waits for its worker's route, the loop wakes this often.
constexpr int kUnroutedPollMs = 10;
constexpr DurationMs kUnroutedHelloAckMs = 5000;

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
    if (!config_.pools.count(pool)) {
      return Status::InvalidArgument("scanner '" + scanner + "' is mapped to pool '" + pool +
                                     "', which is not served (--pool " + pool + ")");
    }
  }
  RETURN_IF_ERROR(TargetAllowlist::Parse(config_.dast_allow).status().WithContext("--dast-allow"));
  ASSIGN_OR_RETURN(store_, ControllerStore::Open(config_.database_path, db_options));
  context_ = std::make_unique<Context>();
  SocketOptions options;
  options.max_frame_bytes = config_.max_frame_bytes;
  // ZMTP heartbeats close half-open TCP connections of vanished clients and
  // subscribers. On the worker sockets they are off by default: application
  // heartbeats carry liveness and jobs go to live workers by id, not by pipe,
  // while libzmq's timers on hundreds of worker connections cost a core.
  int heartbeat_ms = static_cast<int>(config_.scheduler.heartbeat_interval_ms);
  options.heartbeat_ivl_ms = heartbeat_ms;
  options.heartbeat_timeout_ms = heartbeat_ms * config_.scheduler.dead_after_missed;
  options.heartbeat_ttl_ms = heartbeat_ms * config_.scheduler.dead_after_missed;
  SocketOptions worker_options = options;
  worker_options.heartbeat_ivl_ms = config_.zmtp_heartbeat_ms;
  worker_options.heartbeat_timeout_ms = config_.zmtp_heartbeat_ms * 3;
  worker_options.heartbeat_ttl_ms = config_.zmtp_heartbeat_ms * 3;
  if (!config_.insecure_dev) {
    // The ZAP handler runs before the first server socket exists.
    ASSIGN_OR_RETURN(security_, ControllerSecurity::Start(*context_, config_));
  } else {
    spdlog::warn(
        "--insecure-dev: no CurveZMQ, no authentication, no signatures; never use "
        "this outside a development machine");
  }
  auto bind = [&](SocketKind kind, uint32_t port, SocketOptions socket_options,
                  const std::string& zap_domain) -> StatusOr<std::unique_ptr<Socket>> {
    std::string endpoint =
        "tcp://" + config_.bind_host + ":" + (port == 0 ? std::string("*") : std::to_string(port));
    if (security_) socket_options.curve = security_->ServerCurve(zap_domain);
    ASSIGN_OR_RETURN(Socket socket, Socket::Bind(*context_, kind, endpoint, socket_options));
    return std::make_unique<Socket>(std::move(socket));
  };
  // ROUTER, not REP: the requests of many clients that wait at once are
  // handled in one transaction and share one commit.
  ASSIGN_OR_RETURN(api_, bind(SocketKind::kRouter, config_.api_port, options, "api"));
  SocketOptions results_options = worker_options;
  results_options.recv_hwm = 100000;
  ASSIGN_OR_RETURN(results_,
                   bind(SocketKind::kPull, config_.results_port, results_options, "workers"));
  // ROUTER: the scheduler chooses the worker (credit), so a job is addressed
  // to it, never round-robined onto a busy one (docs/ARCHITECTURE.md). A send
  // to a worker that is not connected fails (MANDATORY) and the job is
  // requeued at once; a restarted worker takes its route over (HANDOVER).
  SocketOptions jobs_options = worker_options;
  jobs_options.send_hwm = 1000;
  jobs_options.router_mandatory = true;
  jobs_options.router_handover = true;
  ASSIGN_OR_RETURN(jobs_, bind(SocketKind::kRouter, config_.jobs_port, jobs_options, "workers"));
  // Pages of up to --event-page-max events; a subscriber that lags by a
  // million events' worth is dropped and catches up by replay.
  events_options_ = options;
  events_options_.send_hwm = 1000;
  if (security_) events_options_.curve = security_->ServerCurve("events");
  events_port_ = config_.events_port;
  RETURN_IF_ERROR(BindEvents());
  RETURN_IF_ERROR(ChainOlderEvents(clock_.NowMs()));
  RETURN_IF_ERROR(StartReplayService(options));
  v1::GetEndpointsResponse endpoints;
  endpoints.set_results_port(results_->port());
  endpoints.set_jobs_port(jobs_->port());
  endpoints.set_events_port(events_->port());
  endpoints.set_replay_port(replay_port_);
  api_handler_ = std::make_unique<ApiHandler>(*store_, scheduler_, config_, hellos_, endpoints);
  RETURN_IF_ERROR(Recover());
  ASSIGN_OR_RETURN(triggers_, TriggerHub::Start(config_, *store_, clock_.NowMs()));
  // Events stored before a restart are not published again: subscribers
  // replay them (the stream heartbeat tells them the head).
  ASSIGN_OR_RETURN(last_published_seq_, store_->events().LastSeq());
  next_checkpoint_ms_ = clock_.NowMs() + config_.checkpoint_interval_ms;
  RETURN_IF_ERROR(WriteEndpointsFile());
  spdlog::info(
      "controller listening: api={} results={} jobs={} events={} replay port {} "
      "database={}",
      api_->last_endpoint(), results_->last_endpoint(), jobs_->last_endpoint(),
      events_->last_endpoint(), replay_port_, config_.database_path);
  return Status::Ok();
}

Status ControllerLoop::Recover() {
  TimeMs now = clock_.NowMs();
  ASSIGN_OR_RETURN(auto hellos, store_->worker_hellos().LoadAll());
  for (auto& [id, hello] : hellos) hellos_[id] = std::move(hello);
  stored_hellos_until_ms_ = now + config_.scheduler.worker_retention_ms;
  size_t unfinished = 0, in_flight = 0;
  RETURN_IF_ERROR(store_->jobs().ForEachUnfinished([&](const UnfinishedJob& job) {
    ++unfinished;
    if (job.state == v1::JOB_QUEUED) {
      scheduler_.AddQueuedJob(job.descriptor);
    } else {
      scheduler_.RestoreInFlight(job.descriptor, job.worker_id, now);
      ++in_flight;
    }
    return Status::Ok();
  }));
  if (unfinished > 0) {
    spdlog::info("recovered {} unfinished jobs ({} were in flight)", unfinished, in_flight);
  }
  return Status::Ok();
}

Status ControllerLoop::WriteEndpointsFile() const {
  if (config_.endpoints_file.empty()) return Status::Ok();
  nlohmann::json doc;
  doc["api"] = api_->last_endpoint();
  doc["results"] = results_->last_endpoint();
  doc["jobs"] = jobs_->last_endpoint();
  doc["events"] = events_->last_endpoint();
  doc["replay"] = TcpEndpoint(config_.bind_host, replay_port_);
  if (auto port = triggers_->webhook_port()) doc["webhook_port"] = *port;
  // Readers poll for this file: they see the whole document or none.
  return WriteFileAtomically(DefaultFileSystem(), config_.endpoints_file, doc.dump(2) + "\n");
}

int ControllerLoop::PollTimeoutMs(TimeMs now) const {
  TimeMs next = std::min({next_heartbeat_ms_, next_worker_heartbeat_ms_,
                          now + (unrouted_hello_acks_.empty() ? kMaxPollMs : kUnroutedPollMs)});
  if (auto deadline = scheduler_.NextDeadline()) next = std::min(next, *deadline);
  if (auto schedule = triggers_->NextWake()) next = std::min(next, *schedule);
  return static_cast<int>(std::clamp<TimeMs>(next - now, 0, kMaxPollMs));
}

Status ControllerLoop::Run(int stop_fd, int reload_fd) {
  Poller poller;
  size_t api_index = poller.Add(*api_);
  size_t results_index = poller.Add(*results_);
  size_t stop_index = poller.AddFd(stop_fd);
  std::optional<size_t> reload_index;
  if (reload_fd >= 0) reload_index = poller.AddFd(reload_fd);
  // Webhook submissions wake the loop; Run() takes them every iteration.
  if (triggers_->inbox_fd() >= 0) (void)poller.AddFd(triggers_->inbox_fd());
  while (true) {
    ASSIGN_OR_RETURN(int ready, poller.Wait(PollTimeoutMs(clock_.NowMs())));
    (void)ready;
    if (poller.Ready(stop_index)) break;
    if (reload_index && poller.Ready(*reload_index)) {
      ConsumeSignal(reload_fd);
      ReloadKeys();
    }
    RETURN_IF_ERROR(RunIteration(poller.Ready(api_index), poller.Ready(results_index)));
  }
  spdlog::info(
      "controller stopping; state is committed (frames decoded {}, rejected {}; {} commits, {} "
      "worker frames carrying {} messages, {} results; longest iteration {} ms)",
      counters_.decoded.load(), counters_.rejected(), loop_counters_.commits,
      loop_counters_.worker_frames, loop_counters_.worker_messages, loop_counters_.results,
      loop_counters_.longest_iteration_ms);
  return Status::Ok();
}

Status ControllerLoop::RunIteration(bool api_ready, bool results_ready) {
  TimeMs now = clock_.NowMs();
  Outbox outbox;
  int64_t changes_before = store_->total_changes();
  ASSIGN_OR_RETURN(Transaction batch, store_->BeginTransaction());
  for (const auto& [job_id, attempt] : failed_dispatches_) {
    if (auto requeue = scheduler_.OnDispatchFailed(job_id, attempt, now)) {
      RETURN_IF_ERROR(store_->jobs().RecordRequeue(*requeue, now));
    }
  }
  failed_dispatches_.clear();
  findings_this_iteration_ = 0;
  if (results_ready) {
    for (int i = 0; i < config_.max_batch; ++i) {
      if (findings_this_iteration_ >= config_.max_findings_per_iteration) break;
      ASSIGN_OR_RETURN(auto frames, results_->Receive(true));
      if (!frames) break;
      RETURN_IF_ERROR(HandleWorkerFrames(*frames, now, outbox));
    }
  }
  if (api_ready) RETURN_IF_ERROR(HandleApiRequests(now, outbox));
  RETURN_IF_ERROR(triggers_->Run(now, *api_handler_));
  RETURN_IF_ERROR(ApplyDecisions(scheduler_.Tick(now), now, outbox));
  if (security_ && config_.checkpoint_interval_ms > 0 && now >= next_checkpoint_ms_) {
    ASSIGN_OR_RETURN(LogHead head, store_->events().Head());
    if (head.seq > last_checkpoint_event_seq_) RETURN_IF_ERROR(AppendCheckpoint(now).status());
    next_checkpoint_ms_ = now + config_.checkpoint_interval_ms;
  }
  if (now >= next_prune_ms_) {
    ASSIGN_OR_RETURN(int64_t pruned,
                     store_->raw_reports().PruneBefore(now - config_.raw_report_retention_ms));
    if (pruned > 0) spdlog::info("deleted {} raw reports past their retention", pruned);
    RETURN_IF_ERROR(PruneEventLog(now));
    // Stored hellos of workers that did not come back within the retention
    // window (the scheduler forgets the others with WorkerForgotten).
    if (config_.scheduler.worker_retention_ms > 0 && now >= stored_hellos_until_ms_) {
      std::erase_if(hellos_,
                    [&](const auto& entry) { return !scheduler_.knows_worker(entry.first); });
    }
    next_prune_ms_ = now + 60000;
  }
  Status committed = batch.Commit();
  if (!committed.ok()) {
    // Nothing that depends on this batch has been sent; restart recovers from SQLite.
    spdlog::critical("commit failed, stopping: {}", committed.ToString());
    return committed;
  }
  if (store_->total_changes() != changes_before) ++loop_counters_.commits;
  triggers_->AfterCommit();
  for (auto it = unrouted_hello_acks_.begin(); it != unrouted_hello_acks_.end();) {
    if (now >= it->second) {
      it = unrouted_hello_acks_.erase(it);  // the worker says hello again
      continue;
    }
    FillHelloAck(it->first, outbox.to_workers[it->first]);
    ++it;
  }
  if (now >= next_worker_heartbeat_ms_) {
    AddControllerHeartbeats(outbox);
    next_worker_heartbeat_ms_ = now + config_.ControllerHeartbeatMs();
  }
  bool heartbeat = now >= next_heartbeat_ms_;  // the event stream's
  if (heartbeat) {
    next_heartbeat_ms_ = now + config_.scheduler.heartbeat_interval_ms;
  }
  Flush(outbox);
  RETURN_IF_ERROR(PublishCommittedEvents(now));
  if (heartbeat) PublishStreamHeartbeat(now);
  loop_counters_.longest_iteration_ms =
      std::max(loop_counters_.longest_iteration_ms, clock_.NowMs() - now);
  return Status::Ok();
}

void ControllerLoop::AddControllerHeartbeats(Outbox& outbox) {
  // One frame per known worker per controller heartbeat period (O(N), at
  // most once a second by default: on loopback each send also pays for its
  // receiver's TCP processing); a worker that is not connected costs a failed
  // send. A worker the controller does not know
  // hears nothing, misses the heartbeats and says hello again.
  for (const auto& [worker_id, hello] : hellos_) {
    outbox.to_workers[worker_id].mutable_heartbeat()->set_incarnation(incarnation_);
  }
}

Status ControllerLoop::HandleWorkerFrames(const Frames& frames, TimeMs now, Outbox& outbox) {
  std::optional<WorkerFrameAuth> auth;
  if (security_) {
    // Verified (signature or session MAC) before a byte of the body is parsed.
    auto verified = security_->VerifyWorkerFrames(frames, now);
    if (!verified.ok()) {
      spdlog::warn("dropped a worker message: {} (authentication rejections so far: {})",
                   verified.status().message(), security_->rejected());
      return Status::Ok();
    }
    auth = std::move(*verified);
  } else if (frames.size() != 1) {
    ++counters_.malformed;
    spdlog::warn("dropped a {}-frame message on the results socket", frames.size());
    return Status::Ok();
  }
  ++loop_counters_.worker_frames;
  auto envelope = DecodeEnvelope(frames.front(), config_.max_frame_bytes, counters_);
  if (!envelope.ok()) {
    v1::Envelope peer;
    if (envelope.status().code() == StatusCode::kFailedPrecondition &&
        peer.ParseFromString(frames.front()) && !peer.sender().empty() &&
        peer.sender().size() <= 128) {
      // Reaches a peer that connected a jobs DEALER; a version 1 worker never
      // gets that far (its GetEndpoints call is refused by name).
      v1::Refusal& refusal = *outbox.to_workers[peer.sender()].mutable_refusal();
      refusal.set_reason(envelope.status().message());
      refusal.set_supported_version(kProtocolVersion);
    }
    spdlog::warn("dropped a frame from a worker: {} (rejected so far: {})",
                 envelope.status().ToString(), counters_.rejected());
    return Status::Ok();
  }
  if (auth) {
    if (Status bound = ControllerSecurity::CheckWorkerFrame(*auth, *envelope); !bound.ok()) {
      ++counters_.malformed;
      spdlog::warn("dropped a worker message: {}", bound.message());
      return Status::Ok();
    }
  }
  if (!envelope->has_worker_batch()) {
    ++counters_.malformed;
    spdlog::warn("worker {} sent a message the results socket does not take", envelope->sender());
    return Status::Ok();
  }
  const std::string& worker_id = envelope->sender();
  if (worker_id.empty() || worker_id.size() > 128) {
    ++counters_.malformed;
    spdlog::warn("dropped a worker batch without a valid sender id");
    return Status::Ok();
  }
  if (auth && envelope->worker_batch().has_hello()) {
    // Before the hello is handled: its ack names the session it opened.
    security_->OpenSession(*auth, worker_id, envelope->worker_batch().hello().session_id());
  }
  return HandleWorkerBatch(worker_id, envelope->worker_batch(), now, outbox);
}

void ControllerLoop::FillHelloAck(const std::string& worker_id, v1::ControlBatch& batch) const {
  // The ack's batch names this incarnation: a worker registered just before
  // a restart (before any periodic heartbeat reached it) still tells the next
  // controller from this one, and says hello to it.
  batch.mutable_heartbeat()->set_incarnation(incarnation_);
  v1::HelloAck& ack = *batch.mutable_hello_ack();
  ack.set_heartbeat_interval_ms(static_cast<uint32_t>(config_.scheduler.heartbeat_interval_ms));
  ack.set_controller_heartbeat_interval_ms(static_cast<uint32_t>(config_.ControllerHeartbeatMs()));
  if (security_) ack.set_session_id(security_->SessionOf(worker_id));
}

void ControllerLoop::Flush(Outbox& outbox) {
  TimeMs now = clock_.NowMs();
  for (auto& [route, response] : outbox.api_replies) {
    v1::Envelope reply;
    *reply.mutable_api_response() = std::move(response);
    route.push_back(EncodeEnvelope(reply, next_message_id_++, kControllerSender, now));
    Status sent = api_->Send(route, /*dont_wait=*/true);
    if (!sent.ok()) spdlog::warn("API reply not sent: {}", sent.ToString());
  }
  for (auto& [worker_id, batch] : outbox.to_workers) {
    bool hello_ack = batch.has_hello_ack();
    std::vector<std::pair<uint64_t, uint32_t>> jobs;
    for (const v1::JobAssignment& job : batch.jobs()) {
      jobs.emplace_back(job.job().job_id(), job.job().attempt());
    }
    v1::Envelope envelope;
    *envelope.mutable_control_batch() = std::move(batch);
    Status sent = jobs_->Send(
        Frames{worker_id, EncodeEnvelope(envelope, next_message_id_++, kControllerSender, now)},
        /*dont_wait=*/true);
    if (sent.ok()) {
      ++loop_counters_.control_frames;
      loop_counters_.assignments += jobs.size();
      if (hello_ack) unrouted_hello_acks_.erase(worker_id);
      continue;
    }
    // Not handed over (not connected yet, gone, or its queue is full): its
    // jobs are requeued in the next transaction instead of waiting for the
    // acceptance deadline; a hello ack is tried again; other acks are
    // re-earned by the worker's re-sends.
    for (const auto& job : jobs) failed_dispatches_.push_back(job);
    if (hello_ack) unrouted_hello_acks_.emplace(worker_id, now + kUnroutedHelloAckMs);
    spdlog::debug("control batch to {} not sent: {}", worker_id, sent.ToString());
  }
}

}  // namespace scanfleet
