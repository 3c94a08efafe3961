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

constexpr char kSender[] = "controller";
constexpr int kMaxPollMs = 250;

std::string WorkerTopic(const std::string& worker_id) { return "w:" + worker_id + "|"; }
constexpr char kAllWorkersTopic[] = "all|";

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
  ASSIGN_OR_RETURN(store_, ControllerStore::Open(config_.database_path, db_options));
  context_ = std::make_unique<Context>();
  SocketOptions options;
  options.max_frame_bytes = config_.max_frame_bytes;
  // ZMTP heartbeats close half-open TCP connections of vanished peers, so a
  // pool socket stops routing jobs into a dead worker's pipe.
  int heartbeat_ms = static_cast<int>(config_.scheduler.heartbeat_interval_ms);
  options.heartbeat_ivl_ms = heartbeat_ms;
  options.heartbeat_timeout_ms = heartbeat_ms * config_.scheduler.dead_after_missed;
  options.heartbeat_ttl_ms = heartbeat_ms * config_.scheduler.dead_after_missed;
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
  SocketOptions results_options = options;
  results_options.recv_hwm = 100000;
  ASSIGN_OR_RETURN(results_,
                   bind(SocketKind::kPull, config_.results_port, results_options, "workers"));
  ASSIGN_OR_RETURN(control_, bind(SocketKind::kPub, config_.control_port, options, "workers"));
  SocketOptions events_options = options;
  events_options.send_hwm = 1000000;
  ASSIGN_OR_RETURN(events_, bind(SocketKind::kPub, config_.events_port, events_options, "events"));
  // IMMEDIATE: a job is only handed to a connected worker. The scheduler never
  // dispatches more than the pool's free slots, so that bounds what the pipes
  // hold; the high-water mark only has to take one tick's burst. (At SNDHWM 1
  // a burst of more than one job per worker failed to send and each failed
  // job paused for --dispatch-retry-ms: more slots meant fewer jobs/s.)
  SocketOptions pool_options = options;
  pool_options.send_hwm = 1000;
  pool_options.immediate = true;
  for (const auto& [pool, port] : config_.pool_ports) {
    ASSIGN_OR_RETURN(pools_[pool], bind(SocketKind::kPush, port, pool_options, "workers"));
  }
  v1::GetEndpointsResponse endpoints;
  endpoints.set_results_port(results_->port());
  endpoints.set_control_port(control_->port());
  endpoints.set_events_port(events_->port());
  for (const auto& [pool, socket] : pools_)
    (*endpoints.mutable_pool_ports())[pool] = socket->port();
  api_handler_ = std::make_unique<ApiHandler>(*store_, scheduler_, config_, hellos_, endpoints);
  RETURN_IF_ERROR(Recover());
  ASSIGN_OR_RETURN(triggers_, TriggerHub::Start(config_, *store_, clock_.NowMs()));
  ASSIGN_OR_RETURN(last_event_seq_, store_->events().LastSeq());
  RETURN_IF_ERROR(WriteEndpointsFile());
  spdlog::info("controller listening: api={} results={} control={} events={} database={}",
               api_->last_endpoint(), results_->last_endpoint(), control_->last_endpoint(),
               events_->last_endpoint(), config_.database_path);
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
  doc["control"] = control_->last_endpoint();
  doc["events"] = events_->last_endpoint();
  for (const auto& [pool, socket] : pools_) doc["pools"][pool] = socket->last_endpoint();
  if (auto port = triggers_->webhook_port()) doc["webhook_port"] = *port;
  // Readers poll for this file: they see the whole document or none.
  return WriteFileAtomically(DefaultFileSystem(), config_.endpoints_file, doc.dump(2) + "\n");
}

int ControllerLoop::PollTimeoutMs(TimeMs now) const {
  TimeMs next = std::min(next_heartbeat_ms_, now + kMaxPollMs);
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
      if (security_)
        (void)security_->Reload();
      else
        spdlog::info("SIGHUP: nothing to reload in --insecure-dev mode");
    }
    RETURN_IF_ERROR(RunIteration(poller.Ready(api_index), poller.Ready(results_index)));
  }
  spdlog::info("controller stopping; state is committed (frames decoded {}, rejected {})",
               counters_.decoded.load(), counters_.rejected());
  return Status::Ok();
}

Status ControllerLoop::RunIteration(bool api_ready, bool results_ready) {
  TimeMs now = clock_.NowMs();
  Outbox outbox;
  ASSIGN_OR_RETURN(Transaction batch, store_->BeginTransaction());
  for (const auto& [job_id, attempt] : failed_dispatches_) {
    if (auto requeue = scheduler_.OnDispatchFailed(job_id, attempt, now)) {
      RETURN_IF_ERROR(store_->jobs().RecordRequeue(*requeue, now));
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
  if (api_ready) RETURN_IF_ERROR(HandleApiRequests(now, outbox));
  RETURN_IF_ERROR(triggers_->Run(now, *api_handler_, outbox.events));
  RETURN_IF_ERROR(ApplyDecisions(scheduler_.Tick(now), now, outbox));
  if (now >= next_prune_ms_) {
    ASSIGN_OR_RETURN(int64_t pruned,
                     store_->raw_reports().PruneBefore(now - config_.raw_report_retention_ms));
    if (pruned > 0) spdlog::info("deleted {} raw reports past their retention", pruned);
    if (config_.event_retention_ms > 0) {
      ASSIGN_OR_RETURN(int64_t events,
                       store_->events().PruneBefore(now - config_.event_retention_ms));
      if (events > 0) spdlog::info("deleted {} events past their retention", events);
    }
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
  triggers_->AfterCommit();
  if (now >= next_heartbeat_ms_) {
    v1::Envelope heartbeat;
    heartbeat.mutable_controller_heartbeat()->set_incarnation(incarnation_);
    SendControl("", std::move(heartbeat), outbox);
    // The event stream's heartbeat: subscribers tell quiet from dead by it.
    v1::Event stream_heartbeat;
    stream_heartbeat.set_topic("heartbeat");
    stream_heartbeat.set_created_ms(now);
    stream_heartbeat.set_last_seq(last_event_seq_);
    outbox.events.push_back(std::move(stream_heartbeat));
    next_heartbeat_ms_ = now + config_.scheduler.heartbeat_interval_ms;
  }
  Flush(outbox);
  return Status::Ok();
}

Status ControllerLoop::HandleWorkerFrames(const Frames& frames, TimeMs now, Outbox& outbox) {
  std::optional<v1::SignedHeader> signed_header;
  if (security_) {
    // Verified before a byte of the body is parsed.
    auto verified = security_->VerifyWorkerFrames(frames, now);
    if (!verified.ok()) {
      spdlog::warn("dropped a worker message: {} (signature rejections so far: {})",
                   verified.status().message(), security_->signature_counters().rejected());
      return Status::Ok();
    }
    signed_header = std::move(*verified);
  } else if (frames.size() != 1) {
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
  if (signed_header) {
    if (Status bound = CheckHeaderMatches(*signed_header, *envelope); !bound.ok()) {
      ++counters_.malformed;
      spdlog::warn("dropped a worker message: {}", bound.message());
      return Status::Ok();
    }
  }
  return HandleWorkerEnvelope(*envelope, now, outbox);
}

void ControllerLoop::SendControl(const std::string& worker_id, v1::Envelope envelope,
                                 Outbox& outbox) {
  std::string frame = EncodeEnvelope(envelope, next_message_id_++, kSender, clock_.NowMs());
  outbox.control.push_back(
      Frames{worker_id.empty() ? std::string(kAllWorkersTopic) : WorkerTopic(worker_id),
             std::move(frame)});
}

void ControllerLoop::SignReplayedEvents(v1::ApiResponse& response, TimeMs now) {
  if (!response.has_events()) return;
  v1::ReplayEventsResponse& replay = *response.mutable_events();
  for (v1::Event& event : *replay.mutable_events()) {
    v1::Envelope envelope;
    *envelope.mutable_event() = std::move(event);
    *replay.add_signed_events() =
        security_->SignEventBlob(EncodeEnvelope(envelope, next_message_id_++, kSender, now), now);
  }
  replay.clear_events();
}

void ControllerLoop::Flush(Outbox& outbox) {
  TimeMs now = clock_.NowMs();
  for (auto& [route, response] : outbox.api_replies) {
    v1::Envelope reply;
    *reply.mutable_api_response() = std::move(response);
    route.push_back(EncodeEnvelope(reply, next_message_id_++, kSender, now));
    Status sent = api_->Send(route, /*dont_wait=*/true);
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
    last_event_seq_ = std::max(last_event_seq_, event.seq());
    std::string topic = event.topic();
    v1::Envelope envelope;
    *envelope.mutable_event() = std::move(event);
    std::string frame = EncodeEnvelope(envelope, next_message_id_++, kSender, now);
    // Subscribers recover anything dropped here by replaying from SQLite.
    (void)events_->Send(security_ ? security_->SignEvent(topic, std::move(frame), now)
                                  : Frames{topic, std::move(frame)},
                        true);
  }
}

}  // namespace scanfleet
