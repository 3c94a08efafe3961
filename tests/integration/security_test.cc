// A real scanfleet-controller with CurveZMQ, ZAP allowlists and signatures:
// clients with unknown keys (or none) get nothing, a key removed from the
// allowlist is refused after SIGHUP, and worker messages that are tampered,
// wrongly keyed, replayed (also on a new connection), out of their time
// window, unsigned or re-bound to another message are rejected and counted,
// while correctly signed ones are applied. Session frames (MAC'd after a
// signed hello opened the session) with a tampered MAC, of an unknown session,
// of another worker's session, with a replayed counter, or carrying a hello
// are rejected and counted; a revoked key's session is dropped at SIGHUP.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/api/api_client.h"
#include "common/security/client_security.h"
#include "common/security/keys.h"
#include "common/security/message_signing.h"
#include "common/security/session_mac.h"
#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "tests/integration/controller_process.h"

namespace scanfleet {
namespace {

namespace fs = std::filesystem;

bool WaitFor(const std::function<bool()>& condition, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a condition
  }
  return condition();
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/sf-security-" + std::to_string(getpid());
    fs::remove_all(dir_);
    for (const char* role : {"workers", "clients", "subscribers"}) {
      fs::create_directories(dir_ + "/authorized/" + role);
    }
    controller_key_ = Make("controller", "");
    client_key_ = Make("ci", "clients");
    worker_key_ = Make("worker", "workers");
    subscriber_key_ = Make("siem", "subscribers");
    stranger_key_ = Make("stranger", "");
    controller_ = std::make_unique<ControllerProcess>(
        dir_ + "/run", std::vector<std::string>{"--secret-key=" + dir_ + "/keys/controller.key",
                                                "--authorized-keys=" + dir_ + "/authorized",
                                                "--signature-window-ms=30000"});
    endpoints_ = controller_->Endpoints();
  }
  void TearDown() override {
    controller_.reset();
    fs::remove_all(dir_);
  }

  KeyPair Make(const std::string& name, const std::string& role) {
    KeyPair pair = GenerateKeyPair(name);
    EXPECT_TRUE(WriteKeyPair(dir_ + "/keys", pair).ok());
    if (!role.empty()) {
      fs::copy_file(dir_ + "/keys/" + name + ".pub",
                    dir_ + "/authorized/" + role + "/" + name + ".pub");
    }
    return pair;
  }

  CurveOptions CurveFor(const KeyPair& key) const {
    ClientSecurity security;
    security.own = key;
    security.controller = controller_key_.public_key;
    return security.Curve();
  }

  // One API call on a fresh connection with `curve` (to the API socket, or
  // another of the endpoints file's sockets).
  StatusOr<v1::ApiResponse> CallWith(const CurveOptions& curve, v1::ApiRequest request,
                                     const std::string& socket = "api") {
    ApiClient client(context_, endpoints_[socket], "test", curve);
    return client.Call(request, 1500);
  }

  std::vector<std::string> WorkerIds() {
    v1::ApiRequest request;
    request.mutable_list_workers();
    auto response = CallWith(CurveFor(client_key_), request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const auto& worker : response->workers().workers()) ids.push_back(worker.worker_id());
    }
    return ids;
  }
  bool Listed(const std::string& id) {
    auto ids = WorkerIds();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  std::unique_ptr<Socket> ResultsSocket(const KeyPair& transport_key) {
    SocketOptions options;
    options.curve = CurveFor(transport_key);
    options.linger_ms = 2000;
    auto socket = Socket::Connect(context_, SocketKind::kPush, endpoints_["results"], options);
    EXPECT_TRUE(socket.ok());
    return std::make_unique<Socket>(std::move(*socket));
  }

  static v1::Envelope Hello() {
    v1::Envelope hello;
    hello.mutable_worker_batch()->mutable_hello()->add_pools("sast");
    hello.mutable_worker_batch()->mutable_hello()->set_slots(1);
    return hello;
  }

  // A signed hello from `worker_id`; `signed_at` defaults to now.
  Frames SignedHello(const KeyPair& signer, const std::string& worker_id, int64_t signed_at = 0) {
    SystemClock clock;
    int64_t now = signed_at ? signed_at : clock.NowMs();
    v1::Envelope hello = Hello();
    std::string frame = EncodeEnvelope(hello, next_id_++, worker_id, now);
    return SignEnvelopeFrame(MessageSigner(signer), hello, frame, now);
  }

  // A signed hello from `worker_id` that opens `session`.
  Frames SessionHello(const KeyPair& signer, const std::string& worker_id,
                      const SessionSealer& session) {
    SystemClock clock;
    v1::Envelope hello = Hello();
    hello.mutable_worker_batch()->mutable_hello()->set_session_id(session.session_id());
    std::string frame = EncodeEnvelope(hello, next_id_++, worker_id, clock.NowMs());
    return SignEnvelopeFrame(MessageSigner(signer), hello, frame, clock.NowMs());
  }

  // A heartbeat batch from `worker_id`, MAC'd in `session`.
  Frames SessionHeartbeat(SessionSealer& session, const std::string& worker_id) {
    SystemClock clock;
    v1::Envelope heartbeat;
    heartbeat.mutable_worker_batch()->mutable_heartbeat()->set_free_slots(1);
    return session.Seal(EncodeEnvelope(heartbeat, next_id_++, worker_id, clock.NowMs()),
                        clock.NowMs());
  }

  SessionSealer NewSession(const KeyPair& worker) {
    auto session = SessionSealer::Open(worker, controller_key_.public_key);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return std::move(session).value();
  }

  v1::ControllerStats Stats() {
    v1::ApiRequest request;
    request.mutable_list_workers();
    auto response = CallWith(CurveFor(client_key_), request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? response->workers().stats() : v1::ControllerStats();
  }

  std::string dir_;
  Context context_;
  KeyPair controller_key_, client_key_, worker_key_, subscriber_key_, stranger_key_;
  std::unique_ptr<ControllerProcess> controller_;
  nlohmann::json endpoints_;
  uint64_t next_id_ = 1;
};

TEST_F(SecurityTest, UnknownOrMissingClientKeysGetNothing) {
  v1::ApiRequest list;
  list.mutable_list_workers();
  EXPECT_TRUE(CallWith(CurveFor(client_key_), list).ok());
  auto stranger = CallWith(CurveFor(stranger_key_), list);
  EXPECT_EQ(stranger.status().code(), StatusCode::kUnavailable);
  auto plaintext = CallWith(CurveOptions{}, list);
  EXPECT_EQ(plaintext.status().code(), StatusCode::kUnavailable);
  // A stranger's PUSH to the worker socket never registers a worker.
  auto socket = ResultsSocket(stranger_key_);
  // The send may or may not queue (the handshake is refused); either way:
  (void)socket->Send(SignedHello(stranger_key_, "w-stranger"), true);
  EXPECT_TRUE(WaitFor(
      [&] { return controller_->Log().find("is not allowed on 'workers'") != std::string::npos; },
      10));
  EXPECT_FALSE(Listed("w-stranger"));
  EXPECT_NE(controller_->Log().find("is not allowed on 'api'"), std::string::npos);
}

TEST_F(SecurityTest, RolesLimitWhatAKeyMayAsk) {
  v1::ApiRequest submit;
  submit.mutable_submit_scan()->mutable_target()->set_repo("/tmp/nowhere");
  submit.mutable_submit_scan()->mutable_target()->set_ref("main");
  auto as_subscriber = CallWith(CurveFor(subscriber_key_), submit);
  EXPECT_EQ(as_subscriber.status().code(), StatusCode::kPermissionDenied);
  auto as_worker = CallWith(CurveFor(worker_key_), submit);
  EXPECT_EQ(as_worker.status().code(), StatusCode::kPermissionDenied);
  v1::ApiRequest replay;
  replay.mutable_replay_events()->set_after_seq(0);
  EXPECT_TRUE(CallWith(CurveFor(subscriber_key_), replay, "replay").ok());
  // Replays are the replay socket's: the API socket refuses them, and a
  // worker key may not read the event stream at all (ZAP: no connection).
  EXPECT_EQ(CallWith(CurveFor(client_key_), replay).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(CallWith(CurveFor(worker_key_), replay, "replay").status().code(),
            StatusCode::kUnavailable);
}

TEST_F(SecurityTest, TenMegabyteRefIsAClearErrorAndQueuesNothing) {
  v1::ApiRequest submit;
  submit.mutable_submit_scan()->mutable_target()->set_repo("/tmp/repo");
  submit.mutable_submit_scan()->mutable_target()->set_ref(std::string(10 << 20, 'a'));
  auto response = CallWith(CurveFor(client_key_), submit);
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(response.status().message().find("ref is longer than 255 bytes"), std::string::npos)
      << response.status().ToString();
  v1::ApiRequest status;
  status.mutable_get_scan()->set_scan_id(1);
  EXPECT_EQ(CallWith(CurveFor(client_key_), status).status().code(), StatusCode::kNotFound);
}

TEST_F(SecurityTest, RevokedKeyIsRefusedAfterSighup) {
  v1::ApiRequest list;
  list.mutable_list_workers();
  ASSERT_TRUE(CallWith(CurveFor(client_key_), list).ok());
  fs::remove(dir_ + "/authorized/clients/ci.pub");
  ASSERT_EQ(kill(controller_->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return CallWith(CurveFor(client_key_), list).status().code() == StatusCode::kUnavailable;
      },
      15))
      << "the revoked key still gets answers";
  EXPECT_NE(controller_->Log().find("reloaded allowed keys: 1 workers, 0 clients"),
            std::string::npos);
  // Allowed again after another SIGHUP: reload is the only switch.
  fs::copy_file(dir_ + "/keys/ci.pub", dir_ + "/authorized/clients/ci.pub");
  ASSERT_EQ(kill(controller_->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] { return CallWith(CurveFor(client_key_), list).ok(); }, 15));
}

TEST_F(SecurityTest, ForgedWorkerMessagesAreRejectedSignedOnesApplied) {
  auto results = ResultsSocket(worker_key_);
  SystemClock clock;
  // Tampered: a valid signature over another body.
  Frames tampered = SignedHello(worker_key_, "w-original");
  v1::Envelope other_hello = Hello();
  tampered[0] = EncodeEnvelope(other_hello, 99, "w-tampered", clock.NowMs());
  // Signed by a key that is not a worker key (over an allowed connection).
  Frames wrong_key = SignedHello(stranger_key_, "w-wrong-key");
  // Outside the time window (the controller allows 30 s).
  Frames stale = SignedHello(worker_key_, "w-stale", clock.NowMs() - 10 * 60 * 1000);
  // Unsigned.
  v1::Envelope hello = Hello();
  Frames unsigned_frames = {EncodeEnvelope(hello, next_id_++, "w-unsigned", clock.NowMs())};
  // Signed as an event, sent as a worker batch.
  std::string body = EncodeEnvelope(hello, next_id_++, "w-rebound", clock.NowMs());
  Frames rebound = SignFrame(MessageSigner(worker_key_), "event", 0, 0, body, clock.NowMs());
  // Signed per message, as version 1 did (the header names a job).
  std::string named_body = EncodeEnvelope(hello, next_id_++, "w-named", clock.NowMs());
  Frames named =
      SignFrame(MessageSigner(worker_key_), "worker_batch", 7, 1, named_body, clock.NowMs());
  for (const Frames& frames : {tampered, wrong_key, stale, unsigned_frames, rebound, named}) {
    ASSERT_TRUE(results->Send(frames).ok());
  }
  Frames valid = SignedHello(worker_key_, "w-valid");
  ASSERT_TRUE(results->Send(valid).ok());
  ASSERT_TRUE(WaitFor([&] { return Listed("w-valid"); }, 10)) << controller_->Log();

  // The same valid message replayed on a new connection.
  auto other = ResultsSocket(worker_key_);
  ASSERT_TRUE(other->Send(valid).ok());
  Frames last = SignedHello(worker_key_, "w-last");
  ASSERT_TRUE(other->Send(last).ok());
  ASSERT_TRUE(WaitFor([&] { return Listed("w-last"); }, 10));

  for (const char* id : {"w-original", "w-tampered", "w-wrong-key", "w-stale", "w-unsigned",
                         "w-rebound", "w-named"}) {
    EXPECT_FALSE(Listed(id)) << id;
  }
  std::string log = controller_->Log();
  for (const char* reason : {"body does not match its signed hash", "signed by unknown key id",
                             "outside the 30000 ms window", "signature header is missing",
                             "signed as 'event' but the body is 'worker_batch'",
                             "a signed batch or event names none", "replayed message"}) {
    EXPECT_NE(log.find(reason), std::string::npos) << reason << "\n" << log;
  }
}

// Revocation bites at once on the event plane: after a SIGHUP that removes a
// subscriber key, its open subscription receives nothing more (the events
// socket is bound again and the ZAP handler refuses it on reconnection) and
// its open replay connection is refused, while another reader carries on.
TEST_F(SecurityTest, ARevokedSubscriberGetsNoEventAfterSighup) {
  auto subscribe = [&](const KeyPair& key) {
    SocketOptions options;
    options.curve = CurveFor(key);
    options.subscriptions = {"page"};
    auto socket = Socket::Connect(context_, SocketKind::kSub, endpoints_["events"], options);
    EXPECT_TRUE(socket.ok());
    return std::make_unique<Socket>(std::move(*socket));
  };
  auto revoked = subscribe(subscriber_key_);
  auto other = subscribe(client_key_);
  ApiClient revoked_replay(context_, endpoints_["replay"], "siem", CurveFor(subscriber_key_));
  v1::ApiRequest replay;
  replay.mutable_replay_events()->set_after_seq(0);
  ASSERT_TRUE(revoked_replay.Call(replay, 1500).ok());
  v1::ApiRequest submit;
  submit.mutable_submit_scan()->mutable_target()->set_repo("/tmp/nowhere");
  submit.mutable_submit_scan()->mutable_target()->set_ref("main");
  // Both subscriptions are live: each receives the page of a first scan
  // (submitted again until it does: a SUB connects asynchronously).
  auto receives_a_page = [&](Socket& socket) {
    return WaitFor(
        [&] {
          (void)CallWith(CurveFor(client_key_), submit);
          auto frames = socket.ReceiveWithin(200);
          return frames.ok() && frames->has_value();
        },
        15);
  };
  ASSERT_TRUE(receives_a_page(*revoked));
  ASSERT_TRUE(receives_a_page(*other));

  fs::remove(dir_ + "/authorized/subscribers/siem.pub");
  ASSERT_EQ(kill(controller_->pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor(
      [&] { return controller_->Log().find("events socket bound again") != std::string::npos; },
      15))
      << controller_->Log();
  // The other reader reconnects and gets the next scans' pages...
  ASSERT_TRUE(receives_a_page(*other)) << controller_->Log();
  // ...while nothing reaches the revoked one: drain what it held before the
  // reload (the socket was closed under it), then a second of scans.
  while (true) {
    auto stale = revoked->ReceiveWithin(0);
    if (!stale.ok() || !stale->has_value()) break;
  }
  ASSERT_TRUE(CallWith(CurveFor(client_key_), submit).ok());
  auto leaked = revoked->ReceiveWithin(1000);
  ASSERT_TRUE(leaked.ok());
  EXPECT_FALSE(leaked->has_value()) << "a revoked subscriber received an event page";
  EXPECT_EQ(revoked_replay.Call(replay, 1500).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(SecurityTest, SessionFramesAreMacCheckedBeforeTheyAreRead) {
  auto results = ResultsSocket(worker_key_);
  SessionSealer session = NewSession(worker_key_);
  ASSERT_TRUE(results->Send(SessionHello(worker_key_, "w-mac", session)).ok());
  ASSERT_TRUE(WaitFor([&] { return Listed("w-mac"); }, 10)) << controller_->Log();
  EXPECT_EQ(Stats().sessions_open(), 1u);

  Frames valid = SessionHeartbeat(session, "w-mac");
  ASSERT_TRUE(results->Send(valid).ok());
  ASSERT_TRUE(WaitFor([&] { return Stats().macs_verified() == 1; }, 10)) << controller_->Log();

  Frames tampered = SessionHeartbeat(session, "w-mac");
  tampered[2][5] ^= 1;
  SessionSealer never_opened = NewSession(worker_key_);
  Frames unknown = SessionHeartbeat(never_opened, "w-mac");
  // w-mac's session carrying another worker's batch.
  Frames other_sender = SessionHeartbeat(session, "w-other");
  // A hello must be signed: it opens sessions.
  v1::Envelope hello = Hello();
  SystemClock clock;
  Frames macd_hello = session.Seal(EncodeEnvelope(hello, next_id_++, "w-mac", clock.NowMs()),
                                   clock.NowMs());
  uint64_t rejected_before = Stats().frames_rejected();
  // valid again: a replayed counter.
  for (const Frames& frames : {tampered, unknown, other_sender, macd_hello, valid}) {
    ASSERT_TRUE(results->Send(frames).ok());
  }
  ASSERT_TRUE(results->Send(SessionHeartbeat(session, "w-mac")).ok());
  ASSERT_TRUE(WaitFor([&] { return Stats().macs_verified() == 4; }, 10)) << controller_->Log();
  // Verified but refused after decoding: the other sender and the MAC'd hello.
  EXPECT_EQ(Stats().frames_rejected() - rejected_before, 5u);
  EXPECT_FALSE(Listed("w-other"));
  std::string log = controller_->Log();
  for (const char* reason :
       {"bad session MAC", "frame of an unknown session", "the session of worker 'w-mac' carried "
        "a batch of 'w-other'", "a hello opens a session and must be signed",
        "replayed session frame"}) {
    EXPECT_NE(log.find(reason), std::string::npos) << reason << "\n" << log;
  }
}

TEST_F(SecurityTest, ARevokedKeysSessionIsDroppedAtSighup) {
  auto results = ResultsSocket(worker_key_);
  SessionSealer session = NewSession(worker_key_);
  ASSERT_TRUE(results->Send(SessionHello(worker_key_, "w-revoked", session)).ok());
  ASSERT_TRUE(WaitFor([&] { return Listed("w-revoked"); }, 10)) << controller_->Log();
  ASSERT_TRUE(results->Send(SessionHeartbeat(session, "w-revoked")).ok());
  ASSERT_TRUE(WaitFor([&] { return Stats().macs_verified() == 1; }, 10)) << controller_->Log();

  fs::remove(dir_ + "/authorized/workers/worker.pub");
  ASSERT_EQ(kill(controller_->pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return controller_->Log().find("dropped 1 MAC sessions of revoked worker keys") !=
               std::string::npos;
      },
      15))
      << controller_->Log();
  EXPECT_EQ(Stats().sessions_open(), 0u);
  // The open connection stays (CurveZMQ authenticates at the handshake), but
  // its frames are no longer accepted: MAC'd or signed.
  uint64_t rejected_before = Stats().frames_rejected();
  ASSERT_TRUE(results->Send(SessionHeartbeat(session, "w-revoked")).ok());
  ASSERT_TRUE(results->Send(SessionHello(worker_key_, "w-revoked", NewSession(worker_key_))).ok());
  ASSERT_TRUE(WaitFor([&] { return Stats().frames_rejected() == rejected_before + 2; }, 10))
      << controller_->Log();
  EXPECT_EQ(Stats().macs_verified(), 1u);
  EXPECT_NE(controller_->Log().find("frame of an unknown session"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
