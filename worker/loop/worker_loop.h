// WorkerLoop: the worker's I/O. Finds the controller's sockets through its API,
// pulls jobs from its pools only while it has a free slot, runs each job on its
// own thread, and sends hello, heartbeats, acceptances and results, re-sending
// results until the controller acknowledges them.
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
#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "worker/loop/job_runner.h"
#include "worker/session/worker_session.h"

namespace scanfleet {

struct WorkerConfig {
  std::string controller = "tcp://127.0.0.1:7700";  // controller API endpoint
  std::string worker_id;                             // default: hostname-pid
  std::vector<std::string> pools = {"sast"};
  uint32_t slots = 2;
  std::string work_dir = "/tmp/scanfleet-worker";
  int64_t max_frame_bytes = 64 * 1024 * 1024;
  int64_t drain_grace_ms = 30000;  // on SIGTERM, running jobs get this long to finish
  SessionConfig session;
};

class WorkerLoop {
 public:
  WorkerLoop(WorkerConfig config, const Clock& clock);
  ~WorkerLoop();

  // Discovers scanners and the controller's endpoints (waiting for the
  // controller, with backoff, until stop_fd is readable) and connects.
  Status Start(int stop_fd);
  // Runs until stop_fd is readable, then drains and returns.
  Status Run(int stop_fd);

 private:
  struct RunningJob {
    uint32_t attempt = 0;
    std::unique_ptr<CancelSignal> cancel;
    std::thread thread;
  };

  Status HandleControl(const Frames& frames);
  Status HandleJob(const Frames& frames);
  void CollectFinishedJobs();
  void SendEnvelope(v1::Envelope envelope);
  void SendHello();
  void SendHeartbeat();
  uint32_t FreeSlots() const;

  WorkerConfig config_;
  const Clock& clock_;
  JobRunnerConfig runner_config_;
  WorkerSession session_;
  std::unique_ptr<Context> context_;
  std::unique_ptr<Socket> results_;
  std::unique_ptr<Socket> control_;
  std::vector<std::unique_ptr<Socket>> pools_;
  std::map<uint64_t, RunningJob> running_;
  std::map<WorkerSession::AttemptKey, std::string> unacked_;  // encoded result frames
  int done_fd_ = -1;
  std::mutex done_mutex_;
  std::deque<v1::JobResult> done_;
  uint64_t next_message_id_ = 1;
  bool draining_ = false;
  WireCounters counters_;
};

}  // namespace scanfleet
