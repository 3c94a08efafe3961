// WorkerLoop against a fake controller on 127.0.0.1 ephemeral ports: the
// order of hello, spooled results and the first heartbeat; every decline
// reason; the drain (draining heartbeats, hand-back past the grace, its result
// dropped, the leaving heartbeat, Run() returning OK). The scanner is a shell
// script on PATH that sleeps, so a job holds its slot until it is cancelled.
// Waits are on sockets with deadlines, never fixed sleeps.
// Thread-safety: the worker runs on its own thread with its own sockets; the
// fake controller's sockets belong to the test thread.
#include "worker/loop/worker_loop.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

#include "common/fs/posix_file_system.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {
namespace {

constexpr int kWaitMs = 10000;

// A "bandit" that reports a version and otherwise sleeps until killed.
constexpr const char* kSleepingScanner =
    "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'bandit 9.9.9'; exit 0; fi\n"
    "exec sleep 60\n";

void RunShell(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

class FakeController {
 public:
  FakeController() {
    SocketOptions options;
    options.linger_ms = 0;
    api_ = Bind(SocketKind::kRep, options);
    results_ = Bind(SocketKind::kPull, options);
    control_ = Bind(SocketKind::kPub, options);
    pool_ = Bind(SocketKind::kPush, options);
  }

  std::string api_endpoint() const { return api_->last_endpoint(); }

  // Answers the worker's GetEndpoints request.
  void ServeEndpoints() {
    auto frames = api_->ReceiveWithin(kWaitMs);
    ASSERT_TRUE(frames.ok() && *frames) << "no API request";
    v1::Envelope reply;
    v1::GetEndpointsResponse* endpoints = reply.mutable_api_response()->mutable_endpoints();
    endpoints->set_results_port(results_->port());
    endpoints->set_control_port(control_->port());
    (*endpoints->mutable_pool_ports())["sast"] = pool_->port();
    ASSERT_TRUE(api_->SendOne(EncodeEnvelope(reply, 1, "controller", 1)).ok());
  }

  // The next message from the worker, or nullopt after timeout_ms.
  std::optional<v1::Envelope> Next(int timeout_ms = kWaitMs) {
    auto frames = results_->ReceiveWithin(timeout_ms);
    if (!frames.ok() || !*frames || (*frames)->size() != 1) return std::nullopt;
    auto envelope = DecodeEnvelope((*frames)->front(), kDefaultMaxFrameBytes, counters_);
    if (!envelope.ok()) return std::nullopt;
    return *envelope;
  }

  // Skips messages until one satisfies `wanted`; nullopt at the deadline.
  std::optional<v1::Envelope> NextMatching(const std::function<bool(const v1::Envelope&)>& wanted,
                                           int timeout_ms = kWaitMs) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto envelope = Next(static_cast<int>(std::max<int64_t>(left.count(), 1)));
      if (envelope && wanted(*envelope)) return envelope;
    }
    return std::nullopt;
  }

  void PushJob(uint64_t job_id, uint32_t attempt, const std::string& scanner,
               const std::string& repo) {
    v1::Envelope envelope;
    v1::JobAssignment* job = envelope.mutable_job();
    job->mutable_job()->set_job_id(job_id);
    job->mutable_job()->set_attempt(attempt);
    job->set_scanner(scanner);
    job->mutable_target()->set_repo(repo);
    job->mutable_target()->set_ref("main");
    ASSERT_TRUE(pool_->SendOne(EncodeEnvelope(envelope, 2, "controller", 1)).ok());
  }

  void Publish(const std::string& worker_id, v1::Envelope envelope) {
    ASSERT_TRUE(
        control_->Send(Frames{"w:" + worker_id + "|", EncodeEnvelope(envelope, 3, "controller", 1)})
            .ok());
  }

 private:
  std::unique_ptr<Socket> Bind(SocketKind kind, const SocketOptions& options) {
    auto socket = Socket::Bind(context_, kind, "tcp://127.0.0.1:*", options);
    EXPECT_TRUE(socket.ok()) << socket.status().ToString();
    return std::make_unique<Socket>(std::move(socket).value());
  }

  Context context_;
  std::unique_ptr<Socket> api_, results_, control_, pool_;
  WireCounters counters_;
};

bool IsDeclined(const v1::Envelope& envelope, uint64_t job_id, uint32_t attempt) {
  return envelope.has_declined() && envelope.declined().job().job_id() == job_id &&
         envelope.declined().job().attempt() == attempt;
}

class WorkerLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "worker-loop-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    std::string bin = root_ + "/bin";
    std::filesystem::create_directories(bin);
    std::ofstream(bin + "/bandit") << kSleepingScanner;
    chmod((bin + "/bandit").c_str(), 0700);
    old_path_ = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
    setenv("PATH", (bin + ":" + old_path_).c_str(), 1);
    repo_ = root_ + "/repo";
    RunShell("git init -q -b main " + repo_ + " && echo x > " + repo_ + "/a.py && git -C " + repo_ +
             " add a.py && git -C " + repo_ +
             " -c user.name=t -c user.email=t@localhost commit -q -m a");
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_GE(stop_fd_, 0);

    config_.insecure_dev = true;  // the fake controller speaks plaintext
    config_.worker_id = "w-test";
    config_.controller = controller_.api_endpoint();
    config_.slots = 1;
    config_.work_dir = root_ + "/work";
    // The fake scanner (0700, in this private dir) tests the loop, not the user switch.
    config_.sandbox.user = "self";
    config_.drain_grace_ms = 1000;
    config_.drain_ack_wait_ms = 1500;
    config_.session.heartbeat_interval_ms = 50;
    config_.session.result_resend_ms = 100;
    config_.session.hello_retry_min_ms = 1000;  // the API call waits this long
  }

  void TearDown() override {
    Stop();
    if (worker_.joinable()) worker_.join();
    close(stop_fd_);
    setenv("PATH", old_path_.c_str(), 1);
    std::filesystem::remove_all(root_);
  }

  // Starts the worker on its own thread and answers its endpoint request.
  void StartWorker() {
    loop_ = std::make_unique<WorkerLoop>(config_, clock_);
    worker_ = std::thread([this] {
      Status status = loop_->Start(stop_fd_);
      if (status.ok()) status = loop_->Run(stop_fd_);
      run_status_ = status;
    });
    controller_.ServeEndpoints();
  }

  void Stop() {
    uint64_t one = 1;
    ASSERT_EQ(write(stop_fd_, &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
  }

  FakeController controller_;
  SystemClock clock_;
  WorkerConfig config_;
  std::string root_, repo_, old_path_;
  int stop_fd_ = -1;
  std::unique_ptr<WorkerLoop> loop_;
  std::thread worker_;
  Status run_status_ = Status::Internal("never ran");
};

TEST_F(WorkerLoopTest, SpooledResultIsSentAfterHelloBeforeTheFirstHeartbeatUntilAcked) {
  v1::Envelope earlier;
  earlier.mutable_result()->mutable_job()->set_job_id(42);
  earlier.mutable_result()->mutable_job()->set_attempt(3);
  std::string frame = EncodeEnvelope(earlier, 9, "w-earlier-run", 1);
  {
    auto spool = ResultSpool::Open(DefaultFileSystem(), config_.work_dir + "/spool",
                                   kDefaultMaxFrameBytes);
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    ASSERT_TRUE(spool->Put(42, 3, frame).ok());
  }
  StartWorker();
  auto first = controller_.Next();
  auto second = controller_.Next();
  auto third = controller_.Next();
  ASSERT_TRUE(first && second && third);
  EXPECT_TRUE(first->has_hello());
  ASSERT_TRUE(second->has_result());
  EXPECT_EQ(second->result().job().job_id(), 42u);
  EXPECT_EQ(second->sender(), "w-earlier-run");  // byte for byte as first sent
  EXPECT_TRUE(third->has_heartbeat());

  // Re-sent until acknowledged; the ack goes to the id the result was sent as.
  std::string spooled = config_.work_dir + "/spool/42-3.result";
  v1::Envelope ack;
  *ack.mutable_result_ack()->mutable_job() = second->result().job();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (std::filesystem::exists(spooled) && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(controller_.NextMatching([](const v1::Envelope& e) { return e.has_result(); }))
        << "the unacknowledged result was not re-sent";
    controller_.Publish("w-earlier-run", ack);
    controller_.Next(200);
  }
  EXPECT_FALSE(std::filesystem::exists(spooled));

  Stop();
  EXPECT_TRUE(controller_.NextMatching(
      [](const v1::Envelope& e) { return e.has_heartbeat() && e.heartbeat().leaving(); }));
  worker_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
}

TEST_F(WorkerLoopTest, DeclinesWhatItCannotRunThenDrainsAndHandsTheRunningJobBack) {
  StartWorker();
  ASSERT_TRUE(controller_.NextMatching([](const v1::Envelope& e) { return e.has_hello(); }));

  controller_.PushJob(1, 1, "no-such-scanner", repo_);
  auto missing = controller_.NextMatching([](const v1::Envelope& e) { return e.has_declined(); });
  ASSERT_TRUE(missing && IsDeclined(*missing, 1, 1));
  EXPECT_EQ(missing->declined().reason(), v1::DECLINE_SCANNER_MISSING);
  EXPECT_NE(missing->declined().detail().find("no-such-scanner"), std::string::npos);

  controller_.PushJob(2, 1, "bandit", repo_);  // takes the only slot and sleeps
  ASSERT_TRUE(controller_.NextMatching([](const v1::Envelope& e) { return e.has_accepted(); }));
  ASSERT_TRUE(controller_.NextMatching([](const v1::Envelope& e) {
    return e.has_heartbeat() && e.heartbeat().running_size() == 1;
  }));

  controller_.PushJob(3, 1, "bandit", repo_);
  auto busy = controller_.NextMatching([](const v1::Envelope& e) { return e.has_declined(); });
  ASSERT_TRUE(busy && IsDeclined(*busy, 3, 1));
  EXPECT_EQ(busy->declined().reason(), v1::DECLINE_NO_FREE_SLOT);

  controller_.PushJob(2, 2, "bandit", repo_);  // a new attempt while attempt 1 runs
  auto earlier = controller_.NextMatching([](const v1::Envelope& e) { return e.has_declined(); });
  ASSERT_TRUE(earlier && IsDeclined(*earlier, 2, 2));
  EXPECT_EQ(earlier->declined().reason(), v1::DECLINE_NO_FREE_SLOT);
  EXPECT_EQ(earlier->declined().detail(), "an earlier attempt of this job is still stopping");

  Stop();
  auto draining = controller_.NextMatching(
      [](const v1::Envelope& e) { return e.has_heartbeat() && e.heartbeat().draining(); });
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->heartbeat().free_slots(), 0u);
  EXPECT_EQ(draining->heartbeat().running_size(), 1);

  controller_.PushJob(4, 1, "bandit", repo_);
  auto refused = controller_.NextMatching([](const v1::Envelope& e) { return e.has_declined(); });
  ASSERT_TRUE(refused && IsDeclined(*refused, 4, 1));
  EXPECT_EQ(refused->declined().reason(), v1::DECLINE_DRAINING);

  // Past the 1 s grace the sleeping job is handed back, and its result
  // (cancelled) is never sent: the next thing after the hand-back that is
  // not a heartbeat must not be a result.
  auto handed_back =
      controller_.NextMatching([](const v1::Envelope& e) { return e.has_declined(); });
  ASSERT_TRUE(handed_back && IsDeclined(*handed_back, 2, 1));
  EXPECT_EQ(handed_back->declined().reason(), v1::DECLINE_HANDED_BACK);
  std::optional<v1::Envelope> leaving;
  while (auto next = controller_.Next()) {
    EXPECT_FALSE(next->has_result()) << "a handed-back attempt's result was sent";
    if (next->has_heartbeat()) {
      EXPECT_TRUE(next->heartbeat().draining());
      EXPECT_EQ(next->heartbeat().running_size(), 0) << "a handed-back attempt is not ours";
      if (next->heartbeat().leaving()) {
        leaving = next;
        break;
      }
    }
  }
  ASSERT_TRUE(leaving) << "no leaving heartbeat";
  worker_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
  for (const auto& entry : std::filesystem::directory_iterator(config_.work_dir + "/spool")) {
    EXPECT_EQ(entry.path().filename(), "LOCK") << "a dropped result was spooled";
  }
}

TEST_F(WorkerLoopTest, AJobStoppedByAnAbnormalExitLeavesNoSpooledResult) {
  StartWorker();
  ASSERT_TRUE(controller_.NextMatching([](const v1::Envelope& e) { return e.has_hello(); }));
  controller_.PushJob(5, 1, "bandit", repo_);  // sleeps until cancelled
  ASSERT_TRUE(controller_.NextMatching([](const v1::Envelope& e) { return e.has_accepted(); }));
  v1::Envelope refusal;
  refusal.mutable_refusal()->set_reason("test: this worker is refused");
  controller_.Publish(config_.worker_id, refusal);
  worker_.join();
  EXPECT_EQ(run_status_.code(), StatusCode::kFailedPrecondition) << run_status_.ToString();
  // The loop stops without a drain: its destructor cancels the running job,
  // whose thread then spools a cancellation, not a result to re-send later.
  loop_.reset();
  for (const auto& entry : std::filesystem::directory_iterator(config_.work_dir + "/spool")) {
    EXPECT_EQ(entry.path().filename(), "LOCK") << "a cancelled job's result stayed spooled";
  }
}

}  // namespace
}  // namespace scanfleet
