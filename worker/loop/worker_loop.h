// WorkerLoop: the worker's I/O. Finds the controller's sockets through its API,
// reads its pool sockets all the time and runs or declines each job at once
// (DecideAdmission), runs each accepted job on its own thread, and sends
// hello, heartbeats, acceptances, declines and results. A result is spooled to
// disk (ResultSpool) before it is first sent and re-sent until the controller
// acknowledges it; results spooled by an earlier run are re-sent right after
// the first hello, before the first heartbeat. On SIGTERM it drains
// (DrainPlan): declines new jobs, lets running ones finish within the grace,
// hands the rest back, waits briefly for acknowledgements and says it leaves.
//
// Job threads never touch a socket: they hand results back through a locked
// queue and an eventfd the loop polls.
// Thread-safety: Run() owns every socket; job threads only use the queue.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/api/api_client.h"
#include "common/scanners/registry.h"
#include "common/security/client_security.h"
#include "common/security/message_signing.h"
#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "worker/job/job_runner.h"
#include "worker/job/sandbox_setup.h"
#include "worker/session/drain_plan.h"
#include "worker/session/worker_session.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {

struct WorkerConfig {
  std::string controller = "tcp://127.0.0.1:7700";  // controller API endpoint
  std::string worker_id;                            // default: hostname-pid
  std::vector<std::string> pools = {"sast"};
  uint32_t slots = 2;
  std::string work_dir = "/tmp/scanfleet-worker";
  int64_t max_frame_bytes = 64 * 1024 * 1024;
  std::string spool_dir;                // unacknowledged results; default: <work_dir>/spool
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
  // leaving heartbeat is sent.
  Status Run(int stop_fd);

 private:
  struct RunningJob {
    uint32_t attempt = 0;
    std::unique_ptr<CancelSignal> cancel;
    std::thread thread;
    bool handed_back = false;  // declined at the end of the drain grace: drop its result
  };
  // A finished job as its thread hands it to the loop: the result is encoded
  // and already spooled (each job thread pays its own fsyncs, so results that
  // finish together are made durable in parallel, not one after another on
  // the loop thread).
  struct FinishedJob {
    uint64_t job_id = 0;
    uint32_t attempt = 0;
    int findings = 0;
    std::string error;
    std::string frame;  // the encoded result Envelope
    Status spooled;
  };

  Status OpenSpool();
  Status PrepareJobs();
  StatusOr<v1::GetEndpointsResponse> AwaitEndpoints(int stop_fd);
  Status Connect(const v1::GetEndpointsResponse& endpoints);
  SocketOptions ControlOptions(SocketOptions sub) const;
  // Session and drain timers: sends what they ask for; true once it has left.
  bool ActOnDeadlines(TimeMs now);
  Status PollOnce(int stop_fd, TimeMs now);
  Status HandleControl(const Frames& frames);
  void ReceiveJobs(Socket& pool);
  void HandleJob(const Frames& frames);
  void StartJob(v1::JobAssignment job);
  void CollectFinishedJobs();
  // Runs on the job's thread: encodes and spools the result.
  FinishedJob EncodeAndSpool(v1::JobResult result);
  void SendResult(FinishedJob finished);
  void ResendSpooledResults();
  void OnResultAcked(const v1::JobRef& job);
  void BeginDrain(int stop_fd);
  void HandBackRunningJobs();
  void Leave();
  void SendDeclined(const v1::JobRef& job, v1::DeclineReason reason, const std::string& detail);
  void SendEnvelope(v1::Envelope envelope);
  // Sends an encoded message on the results socket, signed when security is on
  // (freshly at every send: a re-sent result is never a replay).
  void SendFrame(const std::string& frame, std::string_view type, uint64_t job_id,
                 uint32_t attempt);
  void SendHello();
  void SendHeartbeat(bool leaving);
  uint32_t FreeSlots() const;

  WorkerConfig config_;
  const Clock& clock_;
  ScannerRegistry registry_;
  JobRunnerConfig runner_config_;
  WorkerSession session_;
  std::unique_ptr<Context> context_;
  ClientSecurity security_;
  std::unique_ptr<MessageSigner> signer_;  // null in --insecure-dev mode
  std::unique_ptr<Socket> results_;
  std::unique_ptr<Socket> control_;
  std::vector<std::unique_ptr<Socket>> pools_;
  std::map<uint64_t, RunningJob> running_;
  std::map<WorkerSession::AttemptKey, std::string> unacked_;  // encoded result frames
  std::unique_ptr<ResultSpool> spool_;
  std::vector<SpooledResult> spooled_;  // left by an earlier run; sent after the first hello
  DrainPlan drain_;
  int done_fd_ = -1;
  std::mutex done_mutex_;
  std::deque<FinishedJob> done_;
  std::atomic<uint64_t> next_message_id_ = 1;  // job threads take ids too
  WireCounters counters_;
};

}  // namespace scanfleet
