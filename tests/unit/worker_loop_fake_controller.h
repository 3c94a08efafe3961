// FakeController: the controller's side of protocol v2 on real loopback
// sockets, for the worker loop's tests (worker_loop_fixture.h): an API REP
// socket that answers GetEndpoints, a results PULL socket whose WorkerBatch
// frames are split into their messages in the order the controller
// processes them (hello, accepted, declined, results, heartbeat), and a jobs
// ROUTER that sends ControlBatch frames to a worker id. Optionally CurveZMQ
// with a ZAP handler, and every batch's signature or session MAC checked (a
// signed hello naming a session opens it; the test acks it by
// hello_session()). Waits are on sockets with deadlines, never fixed sleeps.
// Thread-safety: its sockets belong to the test thread.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/security/keys.h"
#include "common/security/message_signing.h"
#include "common/security/session_mac.h"
#include "common/security/session_verifier.h"
#include "common/security/zap_authorizer.h"
#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"

namespace scanfleet {

inline constexpr int kWorkerWaitMs = 10000;

// One message of a WorkerBatch, as the controller processes it: a batch with
// exactly one thing in it, and the frame it arrived in (1, 2, ...).
struct WorkerMessage {
  v1::WorkerBatch message;
  uint64_t frame = 0;
  std::string sender;
};

inline bool IsHello(const WorkerMessage& m) { return m.message.has_hello(); }
inline bool IsHeartbeat(const WorkerMessage& m) { return m.message.has_heartbeat(); }
inline bool IsAccepted(const WorkerMessage& m, uint64_t job_id) {
  return m.message.accepted_size() == 1 && m.message.accepted(0).job().job_id() == job_id;
}
inline bool IsDeclined(const WorkerMessage& m, uint64_t job_id, uint32_t attempt) {
  return m.message.declined_size() == 1 && m.message.declined(0).job().job_id() == job_id &&
         m.message.declined(0).job().attempt() == attempt;
}
inline bool IsResult(const WorkerMessage& m, uint64_t job_id) {
  return m.message.results_size() == 1 && m.message.results(0).job().job_id() == job_id;
}
inline bool IsAnyDecline(const WorkerMessage& m) { return m.message.declined_size() == 1; }

// The keys of a secured fake controller and of the one worker it admits.
struct FakeControllerKeys {
  KeyPair controller = GenerateKeyPair("controller");
  KeyPair worker = GenerateKeyPair("worker-1");
};

class FakeController {
 public:
  // Plaintext (the worker runs --insecure-dev), or CurveZMQ with `keys`
  // and every worker batch's signature checked.
  explicit FakeController(const FakeControllerKeys* keys = nullptr) {
    SocketOptions options;
    options.linger_ms = 0;
    if (keys) {
      ZapPolicy policy;
      policy.keys_by_role["workers"] = {keys->worker.public_key};
      policy.roles_by_domain["workers"] = {"workers"};
      zap_ = std::make_unique<ZapAuthorizer>(context_, std::move(policy));
      EXPECT_TRUE(zap_->Start().ok());
      options.curve.role = CurveOptions::Role::kServer;
      options.curve.public_key = keys->controller.public_key.curve_public;
      options.curve.secret_key = keys->controller.curve_secret;
      options.curve.zap_domain = "workers";
      verifier_ =
          std::make_unique<MessageVerifier>(std::vector<PublicKey>{keys->worker.public_key}, 60000);
      sessions_ = std::make_unique<SessionVerifier>(keys->controller, 60000);
      worker_key_ = keys->worker.public_key;
    }
    api_ = Bind(SocketKind::kRep, options);
    results_ = Bind(SocketKind::kPull, options);
    options.router_mandatory = true;  // a send before the worker connected fails: retried
    jobs_ = Bind(SocketKind::kRouter, options);
  }

  std::string api_endpoint() const { return api_->last_endpoint(); }
  uint64_t frames() const { return frames_; }
  uint64_t signatures_verified() const {
    return verifier_ ? verifier_->counters().verified.load() : 0;
  }
  uint64_t macs_verified() const { return sessions_ ? sessions_->counters().verified.load() : 0; }
  uint64_t bad_frames() const { return bad_frames_; }
  // The session id the latest signed hello opened ("" if none).
  const std::string& hello_session() const { return hello_session_; }

  // Answers the worker's GetEndpoints request.
  void ServeEndpoints() {
    auto frames = api_->ReceiveWithin(kWorkerWaitMs);
    ASSERT_TRUE(frames.ok() && *frames) << "no API request";
    v1::Envelope reply;
    v1::GetEndpointsResponse* endpoints = reply.mutable_api_response()->mutable_endpoints();
    endpoints->set_results_port(results_->port());
    endpoints->set_jobs_port(jobs_->port());
    ASSERT_TRUE(api_->SendOne(EncodeEnvelope(reply, 1, "controller", 1)).ok());
  }

  // The next message from the worker, or nullopt after timeout_ms.
  std::optional<WorkerMessage> Next(int timeout_ms = kWorkerWaitMs) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pending_.empty() && Clock::now() < deadline) ReadFrame(MsLeft(deadline));
    if (pending_.empty()) return std::nullopt;
    WorkerMessage next = std::move(pending_.front());
    pending_.pop_front();
    return next;
  }

  // Skips messages until one satisfies `wanted`; nullopt at the deadline.
  std::optional<WorkerMessage> NextMatching(const std::function<bool(const WorkerMessage&)>& wanted,
                                            int timeout_ms = kWorkerWaitMs) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      auto message = Next(MsLeft(deadline));
      if (message && wanted(*message)) return message;
    }
    return std::nullopt;
  }

  // Reads messages into `seen`, in order, until `done` says it has seen
  // enough (true) or timeout_ms passed (false).
  bool ReadUntil(std::vector<WorkerMessage>& seen,
                 const std::function<bool(const WorkerMessage&)>& done,
                 int timeout_ms = kWorkerWaitMs) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      auto next = Next(MsLeft(deadline));
      if (!next) return false;
      seen.push_back(*next);
      if (done(*next)) return true;
    }
    return false;
  }

  // Sends raw frames to the worker's DEALER, retrying (while reading what
  // the worker sends) until its connection is up.
  void SendFrames(const std::string& worker_id, const Frames& body) {
    Frames frames{worker_id};
    frames.insert(frames.end(), body.begin(), body.end());
    auto deadline = Clock::now() + std::chrono::milliseconds(kWorkerWaitMs);
    while (!jobs_->Send(frames, true).ok()) {
      ASSERT_LT(Clock::now(), deadline) << "the worker's DEALER never connected";
      ReadFrame(10);
    }
  }

  void Send(const std::string& worker_id, const v1::ControlBatch& batch) {
    v1::Envelope envelope;
    *envelope.mutable_control_batch() = batch;
    SendFrames(worker_id, {EncodeEnvelope(envelope, next_id_++, "controller", 1)});
  }

  static v1::JobAssignment Job(uint64_t job_id, uint32_t attempt, const std::string& scanner,
                               const std::string& repo, int64_t accept_by_ms = 0) {
    v1::JobAssignment job;
    job.mutable_job()->set_job_id(job_id);
    job.mutable_job()->set_attempt(attempt);
    job.set_scanner(scanner);
    job.mutable_target()->set_repo(repo);
    job.mutable_target()->set_ref("main");
    job.set_accept_by_ms(accept_by_ms);
    return job;
  }

  void SendJob(const std::string& worker_id, v1::JobAssignment job) {
    v1::ControlBatch batch;
    *batch.add_jobs() = std::move(job);
    Send(worker_id, batch);
  }

 private:
  using Clock = std::chrono::steady_clock;

  static int MsLeft(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(left.count(), 1));
  }

  std::unique_ptr<Socket> Bind(SocketKind kind, const SocketOptions& options) {
    auto socket = Socket::Bind(context_, kind, "tcp://127.0.0.1:*", options);
    EXPECT_TRUE(socket.ok()) << socket.status().ToString();
    return std::make_unique<Socket>(std::move(socket).value());
  }

  // Reads one frame (within timeout_ms) and queues its messages in the order
  // the controller processes them. A frame that fails a check is counted.
  void ReadFrame(int timeout_ms) {
    auto frames = results_->ReceiveWithin(timeout_ms);
    if (!frames.ok() || !*frames) return;
    const Frames& parts = **frames;
    ++frames_;
    if (parts.size() != (verifier_ ? 3u : 1u)) {
      ++bad_frames_;
      return;
    }
    auto envelope = DecodeEnvelope(parts[0], kDefaultMaxFrameBytes, counters_);
    if (!envelope.ok() || !envelope->has_worker_batch()) {
      ++bad_frames_;
      return;
    }
    if (verifier_ && LooksLikeSessionHeader(parts[1])) {
      auto worker = sessions_->Verify(parts[1], parts[2], parts[0], NowMs());
      if (!worker.ok() || *worker != envelope->sender() ||
          envelope->worker_batch().has_hello()) {
        ++bad_frames_;
        return;
      }
    } else if (verifier_) {
      auto header = verifier_->Verify(parts[1], parts[2], parts[0], NowMs());
      if (!header.ok() || !CheckHeaderMatches(*header, *envelope).ok()) {
        ++bad_frames_;
        return;
      }
      const std::string& session = envelope->worker_batch().hello().session_id();
      if (!session.empty() && sessions_->Open(envelope->sender(), worker_key_, session).ok()) {
        hello_session_ = session;
      }
    }
    Split(envelope->worker_batch(), envelope->sender());
  }

  void Split(const v1::WorkerBatch& batch, const std::string& sender) {
    auto add = [&](const std::function<void(v1::WorkerBatch&)>& fill) {
      WorkerMessage message;
      fill(message.message);
      message.frame = frames_;
      message.sender = sender;
      pending_.push_back(std::move(message));
    };
    if (batch.has_hello()) add([&](v1::WorkerBatch& m) { *m.mutable_hello() = batch.hello(); });
    for (const auto& accepted : batch.accepted()) {
      add([&](v1::WorkerBatch& m) { *m.add_accepted() = accepted; });
    }
    for (const auto& declined : batch.declined()) {
      add([&](v1::WorkerBatch& m) { *m.add_declined() = declined; });
    }
    for (const auto& result : batch.results()) {
      add([&](v1::WorkerBatch& m) { *m.add_results() = result; });
    }
    if (batch.has_heartbeat()) {
      add([&](v1::WorkerBatch& m) { *m.mutable_heartbeat() = batch.heartbeat(); });
    }
  }

  static int64_t NowMs() { return SystemClock().NowMs(); }

  Context context_;
  std::unique_ptr<ZapAuthorizer> zap_;  // before the sockets: it must outlive them
  std::unique_ptr<MessageVerifier> verifier_;
  std::unique_ptr<SessionVerifier> sessions_;
  PublicKey worker_key_;
  std::string hello_session_;
  std::unique_ptr<Socket> api_, results_, jobs_;
  std::deque<WorkerMessage> pending_;
  uint64_t frames_ = 0;
  uint64_t bad_frames_ = 0;
  uint64_t next_id_ = 1;
  WireCounters counters_;
};

}  // namespace scanfleet
