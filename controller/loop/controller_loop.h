// ControllerLoop: the controller's I/O. It binds the sockets, turns frames into
// scheduler events and the scheduler's decisions into SQLite writes and sends.
//
// One iteration is one group commit: it drains up to max_batch worker frames
// (each a WorkerBatch of many messages) and every waiting API request (up to
// 64), applies them and the scheduler's tick in one transaction, commits, and
// only then sends one ControlBatch per worker that has something (acks,
// assignments, cancels, heartbeat), the API replies, and the events the
// iteration stored as signed pages read back from the log (so what is
// published is exactly what committed). A failed commit is fatal (the process
// restarts from SQLite). Replays are answered by a ReplayService on its own
// thread and read-only connection.
// Thread-safety: single-threaded; Run() owns every socket but the replay
// socket, which the ReplayService's thread owns.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "controller/api/api_handler.h"
#include "controller/config/controller_config.h"
#include "controller/loop/controller_security.h"
#include "controller/loop/replay_service.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/controller_store.h"
#include "controller/triggers/trigger_hub.h"

namespace scanfleet {

// What the loop did, for `make bench` and the status API: the batching is
// visible in machine-independent ratios (jobs per commit, signature
// verifications per job).
struct LoopCounters {
  uint64_t commits = 0;              // durable commits (iterations that wrote)
  uint64_t worker_frames = 0;        // worker frames read (one signature each)
  uint64_t worker_messages = 0;      // messages inside them
  uint64_t results = 0;              // results applied, adopted or recorded stale
  uint64_t control_frames = 0;       // ControlBatch frames sent
  uint64_t assignments = 0;          // jobs sent
  int64_t longest_iteration_ms = 0;  // the longest iteration since start
  uint64_t events_published = 0;     // events published live, inside pages
  uint64_t event_pages = 0;          // live pages (one signature each)
  uint64_t checkpoints = 0;          // log checkpoints signed
};

class ControllerLoop {
 public:
  ControllerLoop(ControllerConfig config, const Clock& clock);
  ~ControllerLoop();

  // Opens the database, binds every socket, reloads unfinished jobs and
  // writes the endpoints file.
  Status Start();
  // Runs until `stop_fd` becomes readable (e.g. a signalfd for SIGTERM/SIGINT);
  // `reload_fd` (a SIGHUP signalfd, or -1) re-reads the key allowlists.
  Status Run(int stop_fd, int reload_fd = -1);

  const WireCounters& counters() const { return counters_; }
  const LoopCounters& loop_counters() const { return loop_counters_; }

 private:
  // Messages to send once the current transaction has committed.
  struct Outbox {
    std::map<std::string, v1::ControlBatch> to_workers;  // by worker id
    // Routing frames of the request (through its empty delimiter), reply.
    std::vector<std::pair<Frames, v1::ApiResponse>> api_replies;
  };

  Status Recover();
  Status WriteEndpointsFile() const;
  Status RunIteration(bool api_ready, bool results_ready);
  // api_requests.cc: every waiting request, each answered after the commit.
  Status HandleApiRequests(TimeMs now, Outbox& outbox);
  StatusOr<v1::ApiResponse> HandleApiRequest(const std::string& frame, TimeMs now, Outbox& outbox);
  Status HandleWorkerFrames(const Frames& frames, TimeMs now, Outbox& outbox);
  // worker_messages.cc: one worker's batch, in the order hello, accepted,
  // declined, results, heartbeat.
  Status HandleWorkerBatch(const std::string& worker_id, const v1::WorkerBatch& batch, TimeMs now,
                           Outbox& outbox);
  Status HandleHello(const std::string& worker_id, const v1::WorkerHello& hello, TimeMs now,
                     Outbox& outbox);
  Status HandleAccepted(const std::string& worker_id, const v1::JobRef& ref, TimeMs now,
                        Outbox& outbox);
  Status HandleDeclined(const std::string& worker_id, const v1::JobDeclined& declined, TimeMs now);
  Status HandleResult(const std::string& worker_id, const v1::JobResult& result, TimeMs now,
                      Outbox& outbox);
  Status HandleHeartbeat(const std::string& worker_id, const v1::Heartbeat& heartbeat, TimeMs now,
                         Outbox& outbox);
  Status ApplyDecisions(const std::vector<Decision>& decisions, TimeMs now, Outbox& outbox);
  void AddControllerHeartbeats(Outbox& outbox);
  // A hello ack (heartbeat intervals, the worker's MAC session if security is
  // on) and this incarnation's heartbeat.
  void FillHelloAck(const std::string& worker_id, v1::ControlBatch& batch) const;
  void Flush(Outbox& outbox);
  int PollTimeoutMs(TimeMs now) const;
  void FillStats(v1::ControllerStats& stats) const;
  // event_publishing.cc: the event plane's side of the loop.
  // Binds the events PUB socket (again after a revocation, on the same port:
  // up to `attempts` times while libzmq releases the closed socket's port).
  Status BindEvents(int attempts = 1);
  Status StartReplayService(const SocketOptions& options);
  // At start: chains rows stored before the log had a chain, signs the
  // anchor that needs.
  Status ChainOlderEvents(TimeMs now);
  // Publishes every event committed since the last call, in signed pages.
  Status PublishCommittedEvents(TimeMs now);
  // An empty page with the head seq: subscribers tell quiet from dead.
  void PublishStreamHeartbeat(TimeMs now);
  // Appends a signed checkpoint of the log as it is now (in the open transaction).
  StatusOr<v1::CheckpointResponse> AppendCheckpoint(TimeMs now);
  // Deletes events past retention and keeps the signed anchor.
  Status PruneEventLog(TimeMs now);
  // SIGHUP: re-reads the allowlists; a revoked reader's subscription ends.
  void ReloadKeys();

  ControllerConfig config_;
  const Clock& clock_;
  WireCounters counters_;
  std::unique_ptr<ControllerStore> store_;
  Scheduler scheduler_;
  std::map<std::string, v1::WorkerHello> hellos_;
  std::unique_ptr<ApiHandler> api_handler_;
  std::unique_ptr<TriggerHub> triggers_;  // webhooks and schedules
  std::unique_ptr<Context> context_;
  std::unique_ptr<ControllerSecurity> security_;  // null in --insecure-dev mode
  std::unique_ptr<Socket> api_;
  std::unique_ptr<Socket> results_;
  std::unique_ptr<Socket> jobs_;  // ROUTER: one ControlBatch frame per worker and commit
  std::unique_ptr<Socket> events_;
  SocketOptions events_options_;  // to bind it again on the same port
  uint32_t events_port_ = 0;
  uint32_t replay_port_ = 0;
  std::unique_ptr<ReplayService> replay_;
  std::vector<std::pair<uint64_t, uint32_t>> failed_dispatches_;
  // Hello acks that found no route yet (the worker's jobs DEALER was still
  // connecting): re-sent every iteration until they go out or expire.
  std::map<std::string, TimeMs> unrouted_hello_acks_;
  LoopCounters loop_counters_;
  int64_t findings_this_iteration_ = 0;  // against --max-findings-per-iteration
  uint64_t next_message_id_ = 1;
  uint64_t incarnation_ = 0;
  TimeMs next_heartbeat_ms_ = 0;         // the event stream's heartbeat
  TimeMs next_worker_heartbeat_ms_ = 0;  // ControlBatch heartbeats to every known worker
  TimeMs next_prune_ms_ = 0;  // next deletion of raw reports and events past retention
  TimeMs stored_hellos_until_ms_ = 0;  // hellos reloaded by Recover() are kept until then
  uint64_t last_published_seq_ = 0;    // events up to it were published (or stored before start)
  TimeMs next_checkpoint_ms_ = 0;
  uint64_t last_checkpoint_event_seq_ = 0;  // seq of the last log.checkpoint appended
  std::mt19937_64 random_;
};

}  // namespace scanfleet
