#include "worker/loop/worker_loop.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "common/wire/envelope.h"

namespace scanfleet {

WorkerLoop::WorkerLoop(WorkerConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), session_(config_.session, clock.NowMs()) {
  done_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  SF_CHECK(done_fd_ >= 0);
}

WorkerLoop::~WorkerLoop() {
  for (auto& [job_id, job] : running_) {
    job.cancel->Cancel();
    if (job.thread.joinable()) job.thread.join();
  }
  close(done_fd_);
}

Status WorkerLoop::Start(int stop_fd) {
  runner_config_.work_dir = config_.work_dir;
  runner_config_.scanners = DiscoverScanners();
  if (runner_config_.scanners.empty()) {
    spdlog::warn("no known scanner found on PATH; every job will fail as 'scanner missing'");
  }
  for (const auto& [name, version] : runner_config_.scanners) {
    spdlog::info("scanner {}: {}", name, version);
  }
  context_ = std::make_unique<Context>();
  ApiClient api(*context_, config_.controller, config_.worker_id);
  v1::ApiRequest request;
  request.mutable_get_endpoints();
  DurationMs backoff = config_.session.hello_retry_min_ms;
  v1::GetEndpointsResponse endpoints;
  while (true) {
    auto response = api.Call(request, static_cast<int>(backoff));
    if (response.ok()) {
      endpoints = response->endpoints();
      break;
    }
    spdlog::warn("waiting for the controller: {}", response.status().message());
    Poller wait;
    wait.AddFd(stop_fd);
    ASSIGN_OR_RETURN(int stopped, wait.Wait(static_cast<int>(backoff)));
    if (stopped > 0) return Status::Unavailable("stopped before the controller answered");
    backoff = std::min(backoff * 2, config_.session.hello_retry_max_ms);
  }
  std::string host = TcpHost(config_.controller);
  SocketOptions options;
  options.max_frame_bytes = config_.max_frame_bytes;
  options.heartbeat_ivl_ms = static_cast<int>(config_.session.heartbeat_interval_ms);
  options.heartbeat_timeout_ms = static_cast<int>(config_.session.heartbeat_interval_ms * 3);
  options.heartbeat_ttl_ms = static_cast<int>(config_.session.heartbeat_interval_ms * 3);
  options.reconnect_ivl_ms = 100;
  options.reconnect_ivl_max_ms = 32000;
  SocketOptions push = options;
  push.send_hwm = 10000;
  push.linger_ms = 2000;
  ASSIGN_OR_RETURN(Socket results, Socket::Connect(*context_, SocketKind::kPush,
                                                   TcpEndpoint(host, endpoints.results_port()),
                                                   push));
  results_ = std::make_unique<Socket>(std::move(results));
  SocketOptions sub = options;
  sub.subscriptions = {"w:" + config_.worker_id + "|", "all|"};
  ASSIGN_OR_RETURN(Socket control, Socket::Connect(*context_, SocketKind::kSub,
                                                   TcpEndpoint(host, endpoints.control_port()),
                                                   sub));
  control_ = std::make_unique<Socket>(std::move(control));
  // A one-message queue: jobs wait at the controller, not in this worker.
  SocketOptions pull = options;
  pull.recv_hwm = 1;
  for (const std::string& pool : config_.pools) {
    auto port = endpoints.pool_ports().find(pool);
    if (port == endpoints.pool_ports().end()) {
      return Status::NotFound("the controller has no pool named '" + pool + "'");
    }
    ASSIGN_OR_RETURN(Socket socket, Socket::Connect(*context_, SocketKind::kPull,
                                                    TcpEndpoint(host, port->second), pull));
    pools_.push_back(std::make_unique<Socket>(std::move(socket)));
  }
  spdlog::info("worker {} connected to {}: pools [{}], {} slots", config_.worker_id,
               config_.controller, fmt::join(config_.pools, ","), config_.slots);
  return Status::Ok();
}

uint32_t WorkerLoop::FreeSlots() const {
  return config_.slots > running_.size() ? config_.slots - static_cast<uint32_t>(running_.size())
                                         : 0;
}

Status WorkerLoop::Run(int stop_fd) {
  TimeMs drain_deadline = 0;
  while (true) {
    TimeMs now = clock_.NowMs();
    WorkerSession::Actions actions = session_.Tick(now);
    if (actions.send_hello) SendHello();
    if (actions.send_heartbeat) SendHeartbeat();
    for (const auto& key : actions.resend_results) {
      auto it = unacked_.find(key);
      if (it != unacked_.end()) (void)results_->SendOne(it->second, true);
    }
    if (draining_ && running_.empty() &&
        (session_.unacked_results() == 0 || now >= drain_deadline)) {
      break;
    }
    if (draining_ && now >= drain_deadline) {
      for (auto& [job_id, job] : running_) job.cancel->Cancel();
    }

    Poller poller;
    size_t control_index = poller.Add(*control_);
    size_t done_index = poller.AddFd(done_fd_);
    size_t stop_index = poller.AddFd(stop_fd);
    std::vector<size_t> pool_indexes;
    bool can_take = !draining_ && FreeSlots() > 0;
    if (can_take) {
      for (auto& pool : pools_) pool_indexes.push_back(poller.Add(*pool));
    }
    int timeout = static_cast<int>(std::clamp<TimeMs>(session_.NextDeadline() - now, 0, 1000));
    ASSIGN_OR_RETURN(int ready, poller.Wait(timeout));
    (void)ready;
    if (poller.Ready(stop_index) && !draining_) {
      spdlog::info("draining: {} running jobs get up to {} ms", running_.size(),
                   config_.drain_grace_ms);
      draining_ = true;
      drain_deadline = clock_.NowMs() + config_.drain_grace_ms;
      // signalfd: consume the signal so the fd stops being readable.
      char buffer[128];
      (void)!read(stop_fd, buffer, sizeof(buffer));
    }
    if (poller.Ready(done_index)) CollectFinishedJobs();
    while (poller.Ready(control_index)) {
      ASSIGN_OR_RETURN(auto frames, control_->Receive(true));
      if (!frames) break;
      RETURN_IF_ERROR(HandleControl(*frames));
    }
    for (size_t i = 0; i < pool_indexes.size() && FreeSlots() > 0; ++i) {
      if (!poller.Ready(pool_indexes[i])) continue;
      ASSIGN_OR_RETURN(auto frames, pools_[i]->Receive(true));
      if (frames) RETURN_IF_ERROR(HandleJob(*frames));
    }
  }
  spdlog::info("worker {} stopped", config_.worker_id);
  return Status::Ok();
}

Status WorkerLoop::HandleJob(const Frames& frames) {
  if (frames.size() != 1) {
    ++counters_.malformed;
    return Status::Ok();
  }
  auto envelope = DecodeEnvelope(frames.front(), config_.max_frame_bytes, counters_);
  if (!envelope.ok() || !envelope->has_job()) {
    spdlog::warn("dropped a bad job frame: {}",
                 envelope.ok() ? "not a job" : envelope.status().ToString());
    return Status::Ok();
  }
  v1::JobAssignment job = envelope->job();
  uint64_t job_id = job.job().job_id();
  if (running_.count(job_id)) {
    spdlog::warn("job {} attempt {} arrived while attempt {} runs; ignored", job_id,
                 job.job().attempt(), running_[job_id].attempt);
    return Status::Ok();
  }
  v1::Envelope accepted;
  *accepted.mutable_accepted()->mutable_job() = job.job();
  SendEnvelope(std::move(accepted));
  RunningJob& slot = running_[job_id];
  slot.attempt = job.job().attempt();
  slot.cancel = std::make_unique<CancelSignal>();
  const CancelSignal* cancel = slot.cancel.get();
  spdlog::info("job {} attempt {}: {} on {}@{}", job_id, job.job().attempt(), job.scanner(),
               job.target().repo(), job.target().ref());
  slot.thread = std::thread([this, job = std::move(job), cancel] {
    v1::JobResult result = RunJob(job, runner_config_, *cancel);
    {
      std::lock_guard<std::mutex> lock(done_mutex_);
      done_.push_back(std::move(result));
    }
    uint64_t one = 1;
    (void)!write(done_fd_, &one, sizeof(one));
  });
  return Status::Ok();
}

void WorkerLoop::CollectFinishedJobs() {
  uint64_t count;
  (void)!read(done_fd_, &count, sizeof(count));
  std::deque<v1::JobResult> finished;
  {
    std::lock_guard<std::mutex> lock(done_mutex_);
    finished.swap(done_);
  }
  for (v1::JobResult& result : finished) {
    uint64_t job_id = result.job().job_id();
    auto it = running_.find(job_id);
    if (it != running_.end()) {
      if (it->second.thread.joinable()) it->second.thread.join();
      running_.erase(it);
    }
    spdlog::info("job {} attempt {} finished: {} findings{}{}", job_id, result.job().attempt(),
                 result.findings_size(), result.error().empty() ? "" : ", error: ",
                 result.error());
    WorkerSession::AttemptKey key{job_id, result.job().attempt()};
    v1::Envelope envelope;
    *envelope.mutable_result() = std::move(result);
    std::string frame =
        EncodeEnvelope(envelope, next_message_id_++, config_.worker_id, clock_.NowMs());
    (void)results_->SendOne(frame, true);
    unacked_[key] = std::move(frame);
    session_.OnResultSent(key, clock_.NowMs());
  }
}

Status WorkerLoop::HandleControl(const Frames& frames) {
  if (frames.size() != 2) {
    ++counters_.malformed;
    return Status::Ok();
  }
  auto envelope = DecodeEnvelope(frames[1], config_.max_frame_bytes, counters_);
  if (!envelope.ok()) {
    spdlog::warn("dropped a bad control frame: {}", envelope.status().ToString());
    return Status::Ok();
  }
  TimeMs now = clock_.NowMs();
  switch (envelope->body_case()) {
    case v1::Envelope::kHelloAck:
      if (!session_.registered()) spdlog::info("registered with the controller");
      session_.OnHelloAck(now);
      break;
    case v1::Envelope::kControllerHeartbeat:
      session_.OnControllerHeartbeat(envelope->controller_heartbeat().incarnation(), now);
      break;
    case v1::Envelope::kResultAck: {
      WorkerSession::AttemptKey key{envelope->result_ack().job().job_id(),
                                    envelope->result_ack().job().attempt()};
      session_.OnResultAcked(key);
      unacked_.erase(key);
      break;
    }
    case v1::Envelope::kCancel: {
      auto it = running_.find(envelope->cancel().job().job_id());
      if (it != running_.end() && it->second.attempt == envelope->cancel().job().attempt()) {
        spdlog::info("cancelling job {} attempt {}: {}", it->first, it->second.attempt,
                     envelope->cancel().reason());
        it->second.cancel->Cancel();
      }
      break;
    }
    case v1::Envelope::kRefusal:
      return Status::FailedPrecondition("the controller refused this worker: " +
                                        envelope->refusal().reason());
    default:
      ++counters_.malformed;
      break;
  }
  return Status::Ok();
}

void WorkerLoop::SendEnvelope(v1::Envelope envelope) {
  Status sent = results_->SendOne(
      EncodeEnvelope(envelope, next_message_id_++, config_.worker_id, clock_.NowMs()), true);
  if (!sent.ok()) spdlog::debug("send to controller failed: {}", sent.ToString());
}

void WorkerLoop::SendHello() {
  v1::Envelope envelope;
  v1::WorkerHello* hello = envelope.mutable_hello();
  for (const auto& pool : config_.pools) hello->add_pools(pool);
  for (const auto& [name, version] : runner_config_.scanners) {
    v1::ScannerInfo* info = hello->add_scanners();
    info->set_name(name);
    info->set_version(version);
  }
  hello->set_slots(config_.slots);
  char hostname[256] = {0};
  gethostname(hostname, sizeof(hostname) - 1);
  hello->set_hostname(hostname);
  hello->set_software_version(SCANFLEET_VERSION);
  SendEnvelope(std::move(envelope));
}

void WorkerLoop::SendHeartbeat() {
  v1::Envelope envelope;
  v1::Heartbeat* heartbeat = envelope.mutable_heartbeat();
  for (const auto& [job_id, job] : running_) {
    v1::JobRef* ref = heartbeat->add_running();
    ref->set_job_id(job_id);
    ref->set_attempt(job.attempt);
  }
  heartbeat->set_free_slots(FreeSlots());
  SendEnvelope(std::move(envelope));
}

}  // namespace scanfleet
