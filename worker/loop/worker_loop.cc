// WorkerLoop, part one: startup (spool, scanners, endpoints, the results
// PUSH and jobs DEALER sockets) and the loop's turn: timers, one flush of the
// outgoing batch, one poll. Control batches are handled in
// worker_loop_control.cc, jobs and results in worker_loop_jobs.cc, the drain
// in worker_loop_drain.cc, outgoing messages in worker_loop_send.cc. See
// worker_loop.h.
// Thread-safety: everything here runs on the loop thread.
#include "worker/loop/worker_loop.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/fs/posix_file_system.h"
#include "worker/job/scanner_discovery.h"

namespace scanfleet {

namespace {

// A batch closes at a quarter of the frame cap, and at 1 MiB: a result with
// thousands of findings travels alone, so the controller's per-iteration
// findings bound (--max-findings-per-iteration) applies to it on its own and
// never to several large results arriving in one frame.
size_t BatchSplitBytes(int64_t max_frame_bytes) {
  constexpr int64_t kMaxBatchBytes = 1 << 20;
  return static_cast<size_t>(std::clamp<int64_t>(max_frame_bytes / 4, 1, kMaxBatchBytes));
}

}  // namespace

WorkerLoop::WorkerLoop(WorkerConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      session_(config_.session, clock.NowMs()),
      drain_(DrainConfig{config_.drain_grace_ms, config_.drain_ack_wait_ms}),
      batch_(BatchSplitBytes(config_.max_frame_bytes)) {
  done_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  SF_CHECK(done_fd_ >= 0);
}

WorkerLoop::~WorkerLoop() {
  // Results that finished before this shutdown are spooled, to be re-sent on
  // the next start; the jobs it cancels end in a cancellation, dropped.
  std::vector<v1::JobResult> finished = TakeFinishedResults();
  if (pool_) pool_->Shutdown();  // cancels the running jobs and joins their threads
  if (spool_) SpoolDueResults(clock_.NowMs(), /*all=*/true);  // sent, not acknowledged
  if (spool_ && !finished.empty()) {
    if (Status spooled = spool_->PutBatch(finished); !spooled.ok()) {
      spdlog::error("{} finished results are lost: {}", finished.size(), spooled.ToString());
    }
  }
  close(done_fd_);
}

Status WorkerLoop::OpenSpool() {
  if (config_.spool_dir.empty()) config_.spool_dir = config_.work_dir + "/spool";
  ASSIGN_OR_RETURN(ResultSpool spool, ResultSpool::Open(DefaultFileSystem(), config_.spool_dir,
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
  if (endpoints.results_port() == 0 || endpoints.jobs_port() == 0) {
    return Status::FailedPrecondition(
        "the controller reported no results or jobs port (does it speak protocol version 2?)");
  }
  std::string host = TcpHost(config_.controller);
  SocketOptions options;
  options.max_frame_bytes = config_.max_frame_bytes;
  options.heartbeat_ivl_ms = config_.zmtp_heartbeat_ms;
  options.heartbeat_timeout_ms = config_.zmtp_heartbeat_ms * 3;
  options.heartbeat_ttl_ms = config_.zmtp_heartbeat_ms * 3;
  // Reconnect backoff capped at 2 s: after a controller restart the fleet is
  // back within ~2 s (at 32 s, workers came back after the acceptance window).
  options.reconnect_ivl_ms = 100;
  options.reconnect_ivl_max_ms = 2000;
  options.curve = security_.Curve();
  SocketOptions push = options;
  push.send_hwm = 10000;
  push.linger_ms = 2000;  // the leaving heartbeat gets out after Run() returns
  ASSIGN_OR_RETURN(Socket results,
                   Socket::Connect(*context_, SocketKind::kPush,
                                   TcpEndpoint(host, endpoints.results_port()), push));
  results_ = std::make_unique<Socket>(std::move(results));
  // Read all the time: a job is run, queued or declined at once, so jobs wait
  // at the controller, not in this socket. The controller sends at most this
  // worker's credit; the buffer only has to take such a burst.
  SocketOptions dealer = options;
  dealer.routing_id = config_.worker_id;  // how the controller's ROUTER addresses us
  dealer.recv_hwm = 1000;
  ASSIGN_OR_RETURN(Socket jobs, Socket::Connect(*context_, SocketKind::kDealer,
                                                TcpEndpoint(host, endpoints.jobs_port()), dealer));
  jobs_ = std::make_unique<Socket>(std::move(jobs));
  return Status::Ok();
}

Status WorkerLoop::Start(int stop_fd) {
  // The id is the DEALER's routing id (1-255 bytes); the controller refuses
  // ids over 128 bytes.
  if (config_.worker_id.empty() || config_.worker_id.size() > 128) {
    return Status::InvalidArgument("the worker id must be 1 to 128 bytes, got " +
                                   std::to_string(config_.worker_id.size()));
  }
  if (config_.slots == 0) return Status::InvalidArgument("a worker needs at least one slot");
  if (config_.prefetch > kMaxWorkerPrefetch) {
    return Status::InvalidArgument("prefetch " + std::to_string(config_.prefetch) +
                                   " is over the maximum of " + std::to_string(kMaxWorkerPrefetch));
  }
  RETURN_IF_ERROR(OpenSpool());
  RETURN_IF_ERROR(PrepareJobs());
  pool_ = std::make_unique<JobThreadPool>(config_.slots);
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
  spdlog::info("worker {} connected to {}: pools [{}], {} slots, prefetch {}", config_.worker_id,
               config_.controller, fmt::join(config_.pools, ","), config_.slots, config_.prefetch);
  return Status::Ok();
}

uint32_t WorkerLoop::FreeSlots() const {
  return config_.slots > running_.size() ? config_.slots - static_cast<uint32_t>(running_.size())
                                         : 0;
}

bool WorkerLoop::ActOnDeadlines(TimeMs now) {
  DeclineExpiredQueuedJobs(now);
  SpoolDueResults(now, /*all=*/false);
  WorkerSession::Actions actions = session_.Tick(now);
  if (actions.send_hello) {
    SendHello();
    // After the hello (in its batch or a later one) and before the first
    // heartbeat: a heartbeat that omits an attempt makes the controller
    // requeue it, so its spooled result must arrive first.
    ResendSpooledResults();
  }
  if (actions.send_heartbeat) SendHeartbeat(/*leaving=*/false);
  for (const auto& key : actions.resend_results) {
    auto it = unacked_.find(key);
    if (it != unacked_.end()) batch_.AddResult(it->second);
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
  size_t jobs_index = poller.Add(*jobs_);
  size_t done_index = poller.AddFd(done_fd_);
  size_t stop_index = poller.AddFd(stop_fd);
  TimeMs next = std::min({session_.NextDeadline(), drain_.NextDeadline(), queue_.NextDeadline()});
  for (const auto& [key, due] : unspooled_) next = std::min(next, due);
  int timeout = static_cast<int>(std::clamp<TimeMs>(next - now, 0, 1000));
  ASSIGN_OR_RETURN(int ready, poller.Wait(timeout));
  (void)ready;
  if (poller.Ready(stop_index)) BeginDrain(stop_fd);
  if (poller.Ready(done_index)) CollectFinishedJobs();
  if (poller.Ready(jobs_index)) RETURN_IF_ERROR(ReceiveControl());
  return Status::Ok();
}

Status WorkerLoop::Run(int stop_fd) {
  while (true) {
    TimeMs now = clock_.NowMs();
    bool left = ActOnDeadlines(now);
    // Once per turn: what the last poll's frames and these timers produced
    // goes out together, the leaving heartbeat included.
    FlushBatch();
    if (left) break;
    RETURN_IF_ERROR(PollOnce(stop_fd, now));
  }
  spdlog::info("worker {} stopped", config_.worker_id);
  return Status::Ok();
}

}  // namespace scanfleet
