// WorkerLoop, part one: startup (spool, scanners, endpoints, sockets), the
// poll loop, control messages, the drain steps and what is sent to the
// controller. Jobs and results are in worker_loop_jobs.cc. See worker_loop.h.
// Thread-safety: everything here runs on the loop thread.
#include "worker/loop/worker_loop.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "common/fs/posix_file_system.h"
#include "common/wire/envelope.h"
#include "worker/job/scanner_discovery.h"
#include "worker/loop/worker_messages.h"

namespace scanfleet {

WorkerLoop::WorkerLoop(WorkerConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      session_(config_.session, clock.NowMs()),
      drain_(DrainConfig{config_.drain_grace_ms, config_.drain_ack_wait_ms}) {
  done_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  SF_CHECK(done_fd_ >= 0);
}

WorkerLoop::~WorkerLoop() {
  std::set<uint64_t> finished_before;  // their spooled results are re-sent on the next start
  {
    std::lock_guard<std::mutex> lock(done_mutex_);
    for (const FinishedJob& job : done_) finished_before.insert(job.job_id);
  }
  for (auto& [job_id, job] : running_) {
    job.cancel->Cancel();
    if (job.thread.joinable()) job.thread.join();
  }
  // A job stopped by this shutdown spooled a cancellation, not a result: drop it.
  for (const FinishedJob& job : done_) {
    if (spool_ && job.spooled.ok() && !finished_before.count(job.job_id)) {
      (void)spool_->Remove(job.job_id, job.attempt);
    }
  }
  close(done_fd_);
}

Status WorkerLoop::OpenSpool() {
  if (config_.spool_dir.empty()) config_.spool_dir = config_.work_dir + "/spool";
  ASSIGN_OR_RETURN(ResultSpool spool,
                   ResultSpool::Open(DefaultFileSystem(), config_.spool_dir,
                                     config_.max_frame_bytes));
  spool_ = std::make_unique<ResultSpool>(std::move(spool));
  ASSIGN_OR_RETURN(SpoolContents contents, spool_->LoadAll());
  spooled_ = std::move(contents.results);
  spdlog::info(
      "result spool {}: {} unacknowledged results from an earlier run{}", config_.spool_dir,
      spooled_.size(),
      contents.corrupt_files == 0
          ? ""
          : fmt::format(", {} corrupt files moved aside (*.corrupt)", contents.corrupt_files));
  return Status::Ok();
}

// The job runner's configuration: the served pools' scanners that answer
// here, the DAST allowlist, the secret source and the scanner sandbox.
Status WorkerLoop::PrepareJobs() {
  runner_config_.work_dir = config_.work_dir;
  ASSIGN_OR_RETURN(ScannerRegistry registry, LoadRegistry(config_.scanner_registry));
  // Only the scanners of the pools this worker serves are offered.
  for (auto it = registry.scanners.begin(); it != registry.scanners.end();) {
    bool served = std::find(config_.pools.begin(), config_.pools.end(), it->second.pool) !=
                  config_.pools.end();
    it = served ? std::next(it) : registry.scanners.erase(it);
  }
  registry_ = std::move(registry);
  runner_config_.registry = &registry_;
  ASSIGN_OR_RETURN(runner_config_.dast_allowlist, TargetAllowlist::Parse(config_.dast_allow));
  if (!config_.secrets_dir.empty()) {
    struct stat info;
    if (stat(config_.secrets_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return Status::NotFound("--secrets-dir " + config_.secrets_dir + " is not a directory");
    }
    spdlog::info("secrets are read from {} and SCANFLEET_SECRET_* variables", config_.secrets_dir);
  }
  runner_config_.secrets = SecretSource(config_.secrets_dir);
  ASSIGN_OR_RETURN(runner_config_.sandbox,
                   PrepareScannerSandbox(config_.sandbox, config_.work_dir));
  runner_config_.scanners = DiscoverScanners(registry_, runner_config_.sandbox);
  if (runner_config_.scanners.empty()) {
    spdlog::warn("no scanner of pools [{}] found on PATH; jobs will be declined",
                 fmt::join(config_.pools, ","));
  }
  for (const auto& [name, version] : runner_config_.scanners) {
    spdlog::info("scanner {}: {}", name, version);
  }
  return Status::Ok();
}

StatusOr<v1::GetEndpointsResponse> WorkerLoop::AwaitEndpoints(int stop_fd) {
  ApiClient api(*context_, config_.controller, config_.worker_id, security_.Curve());
  v1::ApiRequest request;
  request.mutable_get_endpoints();
  DurationMs backoff = config_.session.hello_retry_min_ms;
  while (true) {
    auto response = api.Call(request, static_cast<int>(backoff));
    if (response.ok()) return response->endpoints();
    spdlog::warn("waiting for the controller: {}", response.status().message());
    Poller wait;
    wait.AddFd(stop_fd);
    ASSIGN_OR_RETURN(int stopped, wait.Wait(static_cast<int>(backoff)));
    if (stopped > 0) return Status::Unavailable("stopped before the controller answered");
    backoff = std::min(backoff * 2, config_.session.hello_retry_max_ms);
  }
}

Status WorkerLoop::Connect(const v1::GetEndpointsResponse& endpoints) {
  std::string host = TcpHost(config_.controller);
  SocketOptions options;
  options.max_frame_bytes = config_.max_frame_bytes;
  options.heartbeat_ivl_ms = static_cast<int>(config_.session.heartbeat_interval_ms);
  options.heartbeat_timeout_ms = static_cast<int>(config_.session.heartbeat_interval_ms * 3);
  options.heartbeat_ttl_ms = static_cast<int>(config_.session.heartbeat_interval_ms * 3);
  options.reconnect_ivl_ms = 100;
  options.reconnect_ivl_max_ms = 32000;
  options.curve = security_.Curve();
  SocketOptions push = options;
  push.send_hwm = 10000;
  push.linger_ms = 2000;
  ASSIGN_OR_RETURN(Socket results,
                   Socket::Connect(*context_, SocketKind::kPush,
                                   TcpEndpoint(host, endpoints.results_port()), push));
  results_ = std::make_unique<Socket>(std::move(results));
  ASSIGN_OR_RETURN(Socket control, Socket::Connect(*context_, SocketKind::kSub,
                                                   TcpEndpoint(host, endpoints.control_port()),
                                                   ControlOptions(options)));
  control_ = std::make_unique<Socket>(std::move(control));
  // Read all the time: a job is run or declined at once, so jobs wait at the
  // controller, not in this worker. The controller sends at most the free
  // slots it knows of; the queue only has to take such a burst.
  SocketOptions pull = options;
  pull.recv_hwm = 1000;
  for (const std::string& pool : config_.pools) {
    auto port = endpoints.pool_ports().find(pool);
    if (port == endpoints.pool_ports().end()) {
      return Status::NotFound("the controller has no pool named '" + pool + "'");
    }
    ASSIGN_OR_RETURN(Socket socket, Socket::Connect(*context_, SocketKind::kPull,
                                                    TcpEndpoint(host, port->second), pull));
    pools_.push_back(std::make_unique<Socket>(std::move(socket)));
  }
  return Status::Ok();
}

SocketOptions WorkerLoop::ControlOptions(SocketOptions sub) const {
  sub.subscriptions = {"w:" + config_.worker_id + "|", "all|"};
  // A spooled result keeps the worker id it was first sent as (an earlier run
  // may have had another id), and the controller addresses its ack to that id.
  for (const SpooledResult& spooled : spooled_) {
    std::string topic = "w:" + spooled.sender + "|";
    if (std::find(sub.subscriptions.begin(), sub.subscriptions.end(), topic) ==
        sub.subscriptions.end()) {
      spdlog::info("also listening for acknowledgements addressed to {}", spooled.sender);
      sub.subscriptions.push_back(topic);
    }
  }
  return sub;
}

Status WorkerLoop::Start(int stop_fd) {
  RETURN_IF_ERROR(OpenSpool());
  RETURN_IF_ERROR(PrepareJobs());
  ASSIGN_OR_RETURN(security_, ClientSecurity::Load(config_.insecure_dev, config_.key_file,
                                                   config_.controller_key_file));
  if (security_.enabled()) {
    signer_ = std::make_unique<MessageSigner>(*security_.own);
    spdlog::info("CurveZMQ on: worker key {} ({}), controller key {}",
                 security_.own->public_key.name, signer_->key_id(), security_.controller->name);
  }
  context_ = std::make_unique<Context>();
  ASSIGN_OR_RETURN(v1::GetEndpointsResponse endpoints, AwaitEndpoints(stop_fd));
  RETURN_IF_ERROR(Connect(endpoints));
  spdlog::info("worker {} connected to {}: pools [{}], {} slots", config_.worker_id,
               config_.controller, fmt::join(config_.pools, ","), config_.slots);
  return Status::Ok();
}

uint32_t WorkerLoop::FreeSlots() const {
  return config_.slots > running_.size() ? config_.slots - static_cast<uint32_t>(running_.size())
                                         : 0;
}

bool WorkerLoop::ActOnDeadlines(TimeMs now) {
  WorkerSession::Actions actions = session_.Tick(now);
  if (actions.send_hello) {
    SendHello();
    // Before the first heartbeat: a heartbeat that omits an attempt makes the
    // controller requeue it, so its spooled result must arrive first.
    ResendSpooledResults();
  }
  if (actions.send_heartbeat) SendHeartbeat(/*leaving=*/false);
  for (const auto& key : actions.resend_results) {
    auto it = unacked_.find(key);
    if (it != unacked_.end()) SendFrame(it->second, "result", key.first, key.second);
  }
  DrainPlan::Phase phase_before = drain_.phase();
  DrainPlan::Step step = drain_.Tick(now, running_.size(), session_.unacked_results());
  if (step.hand_back_running) HandBackRunningJobs();
  if (drain_.phase() == DrainPlan::Phase::kAwaitingAcks && phase_before != drain_.phase()) {
    spdlog::info("draining: no job left; waiting up to {} ms for {} acknowledgements",
                 config_.drain_ack_wait_ms, session_.unacked_results());
  }
  if (step.leave) Leave();
  return step.leave;
}

Status WorkerLoop::PollOnce(int stop_fd, TimeMs now) {
  Poller poller;
  size_t control_index = poller.Add(*control_);
  size_t done_index = poller.AddFd(done_fd_);
  size_t stop_index = poller.AddFd(stop_fd);
  // Always read the pools: a job is run or declined at once (credits).
  std::vector<size_t> pool_indexes;
  for (auto& pool : pools_) pool_indexes.push_back(poller.Add(*pool));
  TimeMs next = std::min(session_.NextDeadline(), drain_.NextDeadline());
  int timeout = static_cast<int>(std::clamp<TimeMs>(next - now, 0, 1000));
  ASSIGN_OR_RETURN(int ready, poller.Wait(timeout));
  (void)ready;
  if (poller.Ready(stop_index)) BeginDrain(stop_fd);
  if (poller.Ready(done_index)) CollectFinishedJobs();
  while (poller.Ready(control_index)) {
    ASSIGN_OR_RETURN(auto frames, control_->Receive(true));
    if (!frames) break;
    RETURN_IF_ERROR(HandleControl(*frames));
  }
  for (size_t i = 0; i < pool_indexes.size(); ++i) {
    if (poller.Ready(pool_indexes[i])) ReceiveJobs(*pools_[i]);
  }
  return Status::Ok();
}

Status WorkerLoop::Run(int stop_fd) {
  while (true) {
    TimeMs now = clock_.NowMs();
    if (ActOnDeadlines(now)) break;
    RETURN_IF_ERROR(PollOnce(stop_fd, now));
  }
  spdlog::info("worker {} stopped", config_.worker_id);
  return Status::Ok();
}

void WorkerLoop::BeginDrain(int stop_fd) {
  // signalfd: consume the signal so the fd stops being readable.
  char buffer[128];
  (void)!read(stop_fd, buffer, sizeof(buffer));
  if (drain_.draining()) {
    spdlog::info("already draining");
    return;
  }
  drain_.Begin(clock_.NowMs());
  spdlog::info("draining: taking no new job; {} running jobs get up to {} ms", running_.size(),
               config_.drain_grace_ms);
  SendHeartbeat(/*leaving=*/false);  // says draining: the controller stops sending jobs here
}

void WorkerLoop::HandBackRunningJobs() {
  CollectFinishedJobs();  // a job that just finished sends its result instead
  for (auto& [job_id, job] : running_) {
    if (job.handed_back) continue;
    spdlog::info("drain grace over: handing job {} attempt {} back", job_id, job.attempt);
    job.handed_back = true;
    job.cancel->Cancel();
    v1::JobRef ref;
    ref.set_job_id(job_id);
    ref.set_attempt(job.attempt);
    SendDeclined(ref, v1::DECLINE_HANDED_BACK,
                 "drain grace of " + std::to_string(config_.drain_grace_ms) + " ms ran out");
  }
}

void WorkerLoop::Leave() {
  // Jobs that reached the pool sockets since the last read are given back too.
  for (auto& pool : pools_) ReceiveJobs(*pool);
  if (session_.unacked_results() > 0) {
    spdlog::warn(
        "leaving with {} unacknowledged results; they stay spooled in {} and are "
        "re-sent on the next start",
        session_.unacked_results(), config_.spool_dir);
  } else {
    spdlog::info("every result is acknowledged");
  }
  SendHeartbeat(/*leaving=*/true);
  spdlog::info("sent the leaving heartbeat");
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
    case v1::Envelope::kResultAck:
      OnResultAcked(envelope->result_ack().job());
      break;
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
  TimeMs now = clock_.NowMs();
  std::string frame = EncodeEnvelope(envelope, next_message_id_++, config_.worker_id, now);
  Status sent =
      signer_ ? results_->Send(SignEnvelopeFrame(*signer_, envelope, std::move(frame), now), true)
              : results_->SendOne(frame, true);
  if (!sent.ok()) spdlog::debug("send to controller failed: {}", sent.ToString());
}

void WorkerLoop::SendFrame(const std::string& frame, std::string_view type, uint64_t job_id,
                           uint32_t attempt) {
  Status sent =
      signer_
          ? results_->Send(SignFrame(*signer_, type, job_id, attempt, frame, clock_.NowMs()), true)
          : results_->SendOne(frame, true);
  if (!sent.ok()) spdlog::debug("send to controller failed: {}", sent.ToString());
}

void WorkerLoop::SendDeclined(const v1::JobRef& job, v1::DeclineReason reason,
                              const std::string& detail) {
  SendEnvelope(MakeDeclinedEnvelope(job, reason, detail));
}

void WorkerLoop::SendHello() {
  char hostname[256] = {0};
  gethostname(hostname, sizeof(hostname) - 1);
  SendEnvelope(MakeHelloEnvelope(config_.pools, runner_config_.scanners, config_.slots, hostname));
}

void WorkerLoop::SendHeartbeat(bool leaving) {
  HeartbeatReport report;
  for (const auto& [job_id, job] : running_) {
    // A handed-back attempt was declined: it is no longer ours to report.
    if (!job.handed_back) report.running.emplace_back(job_id, job.attempt);
  }
  // A draining worker has no capacity to offer.
  report.free_slots = drain_.draining() ? 0 : FreeSlots();
  report.draining = drain_.draining();
  report.leaving = leaving;
  SendEnvelope(MakeHeartbeatEnvelope(report));
}

}  // namespace scanfleet
