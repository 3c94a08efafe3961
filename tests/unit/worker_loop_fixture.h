// The worker loop's test bench (worker_loop_test, worker_loop_credit_test): a
// fixture that runs a WorkerLoop on its own thread against a FakeController
// (worker_loop_fake_controller.h), plaintext or secured, in a private
// directory with a git repository to scan. The scanner "bandit" is a shell
// script on PATH that sleeps, so a job holds its slot until it is cancelled;
// the builtin "noop" (pool bench) finishes at once.
// Waits are on sockets with deadlines, never fixed sleeps.
// Thread-safety: the worker runs on its own thread with its own sockets; the
// fake controller's sockets belong to the test thread.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/fs/posix_file_system.h"
#include "tests/unit/worker_loop_fake_controller.h"
#include "worker/loop/worker_loop.h"
#include "worker/spool/result_spool.h"

namespace scanfleet {

// A "bandit" that reports a version and otherwise sleeps until killed.
inline constexpr const char* kSleepingBandit =
    "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'bandit 9.9.9'; exit 0; fi\n"
    "exec sleep 60\n";

// Runs a WorkerLoop against a FakeController (plaintext unless the test
// makes it secure before StartWorker()).
class WorkerLoopFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "worker-loop-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    std::string bin = root_ + "/bin";
    std::filesystem::create_directories(bin);
    std::ofstream(bin + "/bandit") << kSleepingBandit;
    chmod((bin + "/bandit").c_str(), 0700);
    old_path_ = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
    setenv("PATH", (bin + ":" + old_path_).c_str(), 1);
    repo_ = root_ + "/repo";
    std::string init = "git init -q -b main " + repo_ + " && echo x > " + repo_ +
                       "/a.py && git -C " + repo_ + " add a.py && git -C " + repo_ +
                       " -c user.name=t -c user.email=t@localhost commit -q -m a";
    ASSERT_EQ(std::system(init.c_str()), 0) << init;
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_GE(stop_fd_, 0);

    config_.insecure_dev = true;  // the fake controller speaks plaintext
    config_.spool_after_ms = 0;   // spooled before sent, unless a test says otherwise
    config_.worker_id = "w-test";
    config_.pools = {"sast", "bench"};  // bandit and the builtin noop
    config_.slots = 1;
    config_.prefetch = 0;
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

  // CurveZMQ and signed batches: the worker gets key files, the fake
  // controller the matching keys.
  void Secure() {
    keys_ = std::make_unique<FakeControllerKeys>();
    std::string dir = root_ + "/keys";
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(WriteKeyPair(dir, keys_->worker).ok());
    ASSERT_TRUE(WriteKeyPair(dir, keys_->controller).ok());
    config_.insecure_dev = false;
    config_.key_file = dir + "/worker-1.key";
    config_.controller_key_file = dir + "/controller.pub";
    controller_ = std::make_unique<FakeController>(keys_.get());
  }

  FakeController& controller() { return *controller_; }

  // Starts the worker on its own thread and answers its endpoint request.
  void StartWorker() {
    config_.controller = controller_->api_endpoint();
    loop_ = std::make_unique<WorkerLoop>(config_, clock_);
    worker_ = std::thread([this] {
      Status status = loop_->Start(stop_fd_);
      if (status.ok()) status = loop_->Run(stop_fd_);
      run_status_ = status;
    });
    controller_->ServeEndpoints();
  }

  void Stop() {
    uint64_t one = 1;
    ASSERT_EQ(write(stop_fd_, &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
  }

  // Stops the worker and waits for its leaving heartbeat and Run()'s end.
  void StopAndExpectItLeaves() {
    Stop();
    EXPECT_TRUE(controller_->NextMatching([](const WorkerMessage& m) {
      return IsHeartbeat(m) && m.message.heartbeat().leaving();
    })) << "no leaving heartbeat";
    worker_.join();
    EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
  }

  // Leaves a result in the spool, as an earlier run of the worker would.
  void SpoolEarlierResult(uint64_t job_id, uint32_t attempt, const std::string& error) {
    auto spool =
        ResultSpool::Open(DefaultFileSystem(), config_.work_dir + "/spool", kDefaultMaxFrameBytes);
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    v1::JobResult result;
    result.mutable_job()->set_job_id(job_id);
    result.mutable_job()->set_attempt(attempt);
    result.set_error(error);
    ASSERT_TRUE(spool->Put(result).ok());
  }

  void AckResult(uint64_t job_id, uint32_t attempt) {
    v1::ControlBatch batch;
    v1::ResultAck* ack = batch.add_result_acks();
    ack->mutable_job()->set_job_id(job_id);
    ack->mutable_job()->set_attempt(attempt);
    controller_->Send(config_.worker_id, batch);
  }

  void CancelJob(uint64_t job_id, uint32_t attempt) {
    v1::ControlBatch batch;
    v1::Cancel* cancel = batch.add_cancels();
    cancel->mutable_job()->set_job_id(job_id);
    cancel->mutable_job()->set_attempt(attempt);
    cancel->set_reason("test: cancelled");
    controller_->Send(config_.worker_id, batch);
  }

  // Reads the worker's messages until the spool holds none of its results.
  bool AwaitEmptySpool() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWorkerWaitMs);
    while (!SpoolFiles().empty() && std::chrono::steady_clock::now() < deadline) {
      controller_->Next(50);
    }
    return SpoolFiles().empty();
  }

  // The jobs whose results are in the spool's files (read as the worker
  // wrote them; the worker holds the spool's lock).
  std::set<uint64_t> SpooledJobs() const {
    std::set<uint64_t> jobs;
    WireCounters counters;
    for (const std::string& name : SpoolFiles()) {
      std::ifstream in(config_.work_dir + "/spool/" + name, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto envelope = DecodeEnvelope(bytes, kDefaultMaxFrameBytes, counters);
      EXPECT_TRUE(envelope.ok()) << name << ": " << envelope.status().ToString();
      if (!envelope.ok()) continue;
      for (const auto& result : envelope->worker_batch().results()) {
        jobs.insert(result.job().job_id());
      }
    }
    return jobs;
  }

  // The names in the spool directory other than its LOCK.
  std::vector<std::string> SpoolFiles() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(config_.work_dir + "/spool")) {
      if (entry.path().filename() != "LOCK") names.push_back(entry.path().filename());
    }
    return names;
  }

  std::unique_ptr<FakeControllerKeys> keys_;
  std::unique_ptr<FakeController> controller_ = std::make_unique<FakeController>();
  SystemClock clock_;
  WorkerConfig config_;
  std::string root_, repo_, old_path_;
  int stop_fd_ = -1;
  std::unique_ptr<WorkerLoop> loop_;
  std::thread worker_;
  Status run_status_ = Status::Internal("never ran");
};

}  // namespace scanfleet
