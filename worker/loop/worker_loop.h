// WorkerLoop: the worker's I/O (protocol version 2). Finds the controller's
// two sockets through its API and connects a PUSH socket to its results port
// and one DEALER socket (routing id = worker id) to its jobs port.
//
// In: every frame on the DEALER is one Envelope{ControlBatch}, read all the
// time and handled in the order refusal, controller heartbeat, hello ack,
// result acks, cancels, jobs. Each job is run at once, queued (up to
// `prefetch` jobs wait locally, in order, unaccepted until they start; one
// whose accept_by_ms passes first is declined) or declined, as
// DecideAdmission says. Jobs run on a pool of `slots` threads
// (JobThreadPool).
// Out: hello, acceptances, declines, results and heartbeats are gathered in
// one OutgoingBatch and flushed once per loop turn as WorkerBatch frames
// (split at a quarter of --max-frame-bytes, at most 1 MiB), so messages that
// arise together share a frame. With security on, the hello is Ed25519-signed
// and names a fresh MAC session; once the controller's hello ack names that
// session back, every frame carries a session MAC (common/security/
// session_mac.h) instead of a signature, until the worker has to say hello
// again (controller restarted or silent), which opens a new session.
// Result spool: finished results are sent at once and re-sent until the
// controller acknowledges them. A result whose scanner ran at least
// --spool-after-ms (1 s; 0: every result) is spooled before it is first sent;
// a shorter one only if it is not acknowledged within --spool-after-ms. Each
// group is written to the spool (ResultSpool) in one file with one fsync, as
// is every unacknowledged result at a drain's end and on destruction. A short
// result acknowledged in time never touches the disk; a worker killed within
// that window after it finished loses it, and the job (less than a second of
// work) runs again: its effect stays exactly once, and no longer work is ever
// thrown away. Results
// spooled by an earlier run are re-sent right after the first hello, before
// the first heartbeat. On SIGTERM it drains (DrainPlan): declines queued and
// new jobs, lets running ones finish within the grace, hands the rest back,
// waits briefly for acknowledgements and flushes its leaving heartbeat before
// Run() returns.
//
// Job threads never touch a socket or the spool: they hand results back
// through a locked queue and an eventfd the loop polls.
// Thread-safety: Run() owns every socket and the spool; job threads only use
// the queue.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/api/api_client.h"
#include "common/scanners/registry.h"
#include "common/security/client_security.h"
#include "common/security/message_signing.h"
#include "common/security/session_mac.h"
#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "worker/job/job_runner.h"
#include "worker/job/sandbox_setup.h"
#include "worker/loop/job_thread_pool.h"
#include "worker/loop/outgoing_batch.h"
#include "worker/session/drain_plan.h"
#include "worker/session/prefetch_queue.h"
#include "worker/session/worker_session.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {

// The most jobs a worker may ask to queue beyond its slots (the controller
// caps a hello's prefetch at the same number).
inline constexpr uint32_t kMaxWorkerPrefetch = 16;

struct WorkerConfig {
  std::string controller = "tcp://127.0.0.1:7700";  // controller API endpoint
  std::string worker_id;                            // default: hostname-pid
  std::vector<std::string> pools = {"sast"};
  uint32_t slots = 2;
  // Jobs the controller may send beyond the free slots; they wait here, in
  // order, until a slot frees (0..kMaxWorkerPrefetch).
  uint32_t prefetch = 1;
  // ZMTP heartbeats on the worker's sockets (0: off; timeout and TTL are 3x).
  // Application heartbeats carry liveness either way.
  int zmtp_heartbeat_ms = 0;
  std::string work_dir = "/tmp/scanfleet-worker";
  int64_t max_frame_bytes = 64 * 1024 * 1024;
  std::string spool_dir;                // unacknowledged results; default: <work_dir>/spool
  // A finished result is spooled once it has waited this long for its
  // acknowledgement (see "Result spool" above); 0: before it is first sent.
  int64_t spool_after_ms = 1000;
  int64_t drain_grace_ms = 30000;       // on SIGTERM, running jobs get this long to finish
  int64_t drain_ack_wait_ms = 5000;     // then unacknowledged results get this long
  std::string scanner_registry;         // deployment registry file overlaid on the defaults
  std::vector<std::string> dast_allow;  // DAST hosts/CIDRs this worker may scan
  // CurveZMQ + signed messages (docs/SECURITY.md) unless insecure_dev.
  bool insecure_dev = false;
  std::string key_file;             // this worker's key pair (NAME.key)
  std::string controller_key_file;  // the controller's public key (controller.pub)
  std::string secrets_dir;          // secret files by name; empty: environment only
  ScannerSandboxFlags sandbox;      // how scanners are confined (sandbox_setup.h)
  SessionConfig session;
};

class WorkerLoop {
 public:
  WorkerLoop(WorkerConfig config, const Clock& clock);
  ~WorkerLoop();

  // Opens the result spool and loads what an earlier run left in it,
  // discovers scanners and the controller's endpoints (waiting for the
  // controller, with backoff, until stop_fd is readable) and connects.
  Status Start(int stop_fd);
  // Runs until stop_fd is readable, then drains and returns OK once the
  // leaving heartbeat is sent. FailedPrecondition when the controller
  // refuses this worker.
  Status Run(int stop_fd);

 private:
  struct RunningJob {
    uint32_t attempt = 0;
    std::shared_ptr<CancelSignal> cancel;  // shared with its task's cancel hook
    bool handed_back = false;  // declined at the end of the drain grace: drop its result
  };

  // worker_loop.cc: startup and the loop's turn.
  Status OpenSpool();
  Status PrepareJobs();
  StatusOr<v1::GetEndpointsResponse> AwaitEndpoints(int stop_fd);
  Status Connect(const v1::GetEndpointsResponse& endpoints);
  // Session, queue and drain timers: adds what they ask for to the batch;
  // true once it has left.
  bool ActOnDeadlines(TimeMs now);
  Status PollOnce(int stop_fd, TimeMs now);
  uint32_t FreeSlots() const;

  // worker_loop_control.cc: what arrives on the jobs socket.
  Status ReceiveControl();
  Status HandleControlFrame(const Frames& frames);
  Status HandleControlBatch(v1::ControlBatch& batch);
  void OnCancel(const v1::Cancel& cancel);

  // worker_loop_jobs.cc: admission, the local queue, job threads, results.
  void AdmitJob(v1::JobAssignment job);
  void StartQueuedJobs(TimeMs now);
  void DeclineExpiredQueuedJobs(TimeMs now);
  void StartJob(v1::JobAssignment job);
  // Every result finished since the last call: spooled together, then sent.
  void CollectFinishedJobs();
  // Results the job threads queued that are still ours (not handed back),
  // their jobs no longer running.
  std::vector<v1::JobResult> TakeFinishedResults();
  void SendResult(v1::JobResult result);
  // Writes the unacknowledged results whose spool time has come (all of
  // them with `all`) to the spool, in one file.
  void SpoolDueResults(TimeMs now, bool all);
  void ResendSpooledResults();
  void OnResultAcked(const v1::JobRef& job);

  // worker_loop_drain.cc: the steps of a graceful stop.
  void BeginDrain(int stop_fd);
  void HandBackRunningJobs();
  void Leave();

  // worker_loop_send.cc: what goes into the outgoing batch, and its flush.
  void SendDeclined(const v1::JobRef& job, v1::DeclineReason reason, const std::string& detail);
  void SendHello();
  void SendHeartbeat(bool leaving);
  // Sends every pending batch, each as one frame on the results socket,
  // authenticated when security is on (signed, or MAC'd in an acknowledged
  // session; freshly at every send: a re-sent result is never a replay). An
  // empty batch sends nothing.
  void FlushBatch();
  // The session the next hello names: the pending one while it is not acked
  // (a re-sent hello keeps it), else a fresh one.
  void PrepareMacSession();

  WorkerConfig config_;
  const Clock& clock_;
  ScannerRegistry registry_;
  JobRunnerConfig runner_config_;
  WorkerSession session_;
  std::unique_ptr<Context> context_;
  ClientSecurity security_;
  std::unique_ptr<MessageSigner> signer_;  // null in --insecure-dev mode
  // The session the last hello opened; its frames are MAC'd once acked (and
  // while registered). None in --insecure-dev mode.
  std::optional<SessionSealer> mac_session_;
  bool mac_session_acked_ = false;
  std::unique_ptr<Socket> results_;        // PUSH: WorkerBatch frames
  std::unique_ptr<Socket> jobs_;           // DEALER: ControlBatch frames
  std::unique_ptr<JobThreadPool> pool_;    // `slots` threads, from Start() on
  std::map<uint64_t, RunningJob> running_;
  PrefetchQueue queue_;  // prefetched jobs waiting for a slot
  std::map<WorkerSession::AttemptKey, v1::JobResult> unacked_;
  // Unacknowledged results not spooled yet, and when they are due.
  std::map<WorkerSession::AttemptKey, TimeMs> unspooled_;
  std::unique_ptr<ResultSpool> spool_;
  std::vector<SpooledResult> spooled_;  // left by an earlier run; sent after the first hello
  DrainPlan drain_;
  OutgoingBatch batch_;
  int done_fd_ = -1;
  std::mutex done_mutex_;
  std::deque<v1::JobResult> done_;  // results job threads finished, for the loop
  uint64_t next_message_id_ = 1;
  WireCounters counters_;
};

}  // namespace scanfleet
