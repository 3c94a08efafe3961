// WorkerLoop against a fake controller (worker_loop_fixture.h) on 127.0.0.1
// ephemeral ports, protocol v2: the order of hello, spooled results and the
// first heartbeat; results re-sent until acked over the DEALER and then
// removed from the spool; every decline reason; the drain (draining
// heartbeats, hand-back past the grace, its result dropped, the leaving
// heartbeat, Run() returning OK); a refusal; malformed control frames
// dropped. Batching and credit are in worker_loop_credit_test.cc.
// Thread-safety: the worker runs on its own thread with its own sockets; the
// fake controller's sockets belong to the test thread.
#include "tests/unit/worker_loop_fixture.h"

namespace scanfleet {
namespace {

using WorkerLoopTest = WorkerLoopFixture;

TEST_F(WorkerLoopTest, SpooledResultIsSentAfterHelloBeforeTheFirstHeartbeatUntilAcked) {
  SpoolEarlierResult(42, 3, "from an earlier run");
  StartWorker();
  auto first = controller().Next();
  auto second = controller().Next();
  auto third = controller().Next();
  ASSERT_TRUE(first && second && third);
  EXPECT_TRUE(IsHello(*first));
  ASSERT_TRUE(IsResult(*second, 42));
  EXPECT_EQ(second->message.results(0).job().attempt(), 3u);
  EXPECT_EQ(second->message.results(0).error(), "from an earlier run");
  EXPECT_EQ(second->sender, config_.worker_id);  // sent as this worker, whoever first sent it
  EXPECT_LE(first->frame, second->frame);
  EXPECT_TRUE(IsHeartbeat(*third));

  // Re-sent until acknowledged; the ack reaches the worker on its DEALER.
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 42); }))
      << "the unacknowledged result was not re-sent";
  std::string spooled = config_.work_dir + "/spool/42-3.result";
  ASSERT_TRUE(std::filesystem::exists(spooled));
  AckResult(42, 3);
  EXPECT_TRUE(AwaitEmptySpool()) << "the acknowledged result stayed spooled";
  // Acknowledged: no longer re-sent (a re-send was due every 100 ms). Frames
  // already on their way when the spool file went are let through first.
  int heartbeats = 0;
  int results = 0;
  std::vector<WorkerMessage> seen;
  ASSERT_TRUE(controller().ReadUntil(seen, [&](const WorkerMessage& m) {
    if (IsHeartbeat(m)) ++heartbeats;
    if (heartbeats > 2) results += m.message.results_size();
    return heartbeats == 22;
  })) << "the worker stopped heartbeating";
  EXPECT_EQ(results, 0) << "an acknowledged result was re-sent";

  StopAndExpectItLeaves();
}

TEST_F(WorkerLoopTest, DeclinesWhatItCannotRunThenDrainsAndHandsTheRunningJobBack) {
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  const std::string& id = config_.worker_id;

  controller().SendJob(id, FakeController::Job(1, 1, "no-such-scanner", repo_));
  auto missing = controller().NextMatching(IsAnyDecline);
  ASSERT_TRUE(missing && IsDeclined(*missing, 1, 1));
  EXPECT_EQ(missing->message.declined(0).reason(), v1::DECLINE_SCANNER_MISSING);
  EXPECT_NE(missing->message.declined(0).detail().find("no-such-scanner"), std::string::npos);

  controller().SendJob(id, FakeController::Job(2, 1, "bandit", repo_));  // takes the only slot
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsAccepted(m, 2); }));
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) {
    return IsHeartbeat(m) && m.message.heartbeat().running_size() == 1;
  }));

  controller().SendJob(id, FakeController::Job(3, 1, "bandit", repo_));  // prefetch 0: no room
  auto busy = controller().NextMatching(IsAnyDecline);
  ASSERT_TRUE(busy && IsDeclined(*busy, 3, 1));
  EXPECT_EQ(busy->message.declined(0).reason(), v1::DECLINE_NO_FREE_SLOT);

  controller().SendJob(id, FakeController::Job(2, 2, "bandit", repo_));  // attempt 1 still runs
  auto earlier = controller().NextMatching(IsAnyDecline);
  ASSERT_TRUE(earlier && IsDeclined(*earlier, 2, 2));
  EXPECT_EQ(earlier->message.declined(0).reason(), v1::DECLINE_NO_FREE_SLOT);
  EXPECT_EQ(earlier->message.declined(0).detail(),
            "an earlier attempt of this job is still stopping");

  Stop();
  auto draining = controller().NextMatching(
      [](const WorkerMessage& m) { return IsHeartbeat(m) && m.message.heartbeat().draining(); });
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->message.heartbeat().free_slots(), 0u);
  EXPECT_EQ(draining->message.heartbeat().running_size(), 1);

  controller().SendJob(id, FakeController::Job(4, 1, "bandit", repo_));
  auto refused = controller().NextMatching(IsAnyDecline);
  ASSERT_TRUE(refused && IsDeclined(*refused, 4, 1));
  EXPECT_EQ(refused->message.declined(0).reason(), v1::DECLINE_DRAINING);

  // Past the 1 s grace the sleeping job is handed back, and its result
  // (cancelled) is never sent.
  auto handed_back = controller().NextMatching(IsAnyDecline);
  ASSERT_TRUE(handed_back && IsDeclined(*handed_back, 2, 1));
  EXPECT_EQ(handed_back->message.declined(0).reason(), v1::DECLINE_HANDED_BACK);
  std::vector<WorkerMessage> seen;
  ASSERT_TRUE(controller().ReadUntil(seen, [](const WorkerMessage& m) {
    return IsHeartbeat(m) && m.message.heartbeat().leaving();
  })) << "no leaving heartbeat";
  for (const WorkerMessage& next : seen) {
    EXPECT_EQ(next.message.results_size(), 0) << "a handed-back attempt's result was sent";
    if (IsHeartbeat(next)) {
      EXPECT_TRUE(next.message.heartbeat().draining());
      EXPECT_EQ(next.message.heartbeat().running_size(), 0) << "a handed-back attempt is not ours";
    }
  }
  worker_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
  EXPECT_TRUE(SpoolFiles().empty()) << "a dropped result was spooled";
}

TEST_F(WorkerLoopTest, ACancelledJobSendsItsResultWhichIsAckedAndLeavesTheSpool) {
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  controller().SendJob(config_.worker_id, FakeController::Job(6, 2, "bandit", repo_));
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsAccepted(m, 6); }));
  CancelJob(6, 2);
  auto result = controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 6); });
  ASSERT_TRUE(result) << "the cancelled job sent no result";
  EXPECT_EQ(SpoolFiles(), std::vector<std::string>{"6-2.result"});  // spooled before it was sent
  AckResult(6, 2);
  EXPECT_TRUE(AwaitEmptySpool()) << "an acknowledged result stayed spooled";
  StopAndExpectItLeaves();
}

TEST_F(WorkerLoopTest, AResultAckedInTimeNeverTouchesTheDiskOneThatWaitsIsSpooled) {
  config_.spool_after_ms = 300;
  config_.session.controller_dead_after_missed = 1000;  // no controller heartbeats here
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  controller().SendJob(config_.worker_id, FakeController::Job(30, 1, "noop", repo_));
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 30); }));
  EXPECT_TRUE(SpoolFiles().empty()) << "spooled before its acknowledgement was due";
  AckResult(30, 1);
  controller().SendJob(config_.worker_id, FakeController::Job(31, 1, "noop", repo_));
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 31); }));
  // 31 waits for its ack: spooled after 300 ms; 30, acked, never is.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWorkerWaitMs);
  while (SpoolFiles().empty() && std::chrono::steady_clock::now() < deadline) controller().Next(50);
  EXPECT_EQ(SpooledJobs(), std::set<uint64_t>{31});
  AckResult(31, 1);
  EXPECT_TRUE(AwaitEmptySpool()) << "an acknowledged result stayed spooled";
  StopAndExpectItLeaves();
}

TEST_F(WorkerLoopTest, AtTheEndOfADrainEveryUnackedResultIsSpooled) {
  config_.spool_after_ms = 60000;
  config_.drain_ack_wait_ms = 200;
  config_.session.controller_dead_after_missed = 1000;
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  controller().SendJob(config_.worker_id, FakeController::Job(32, 1, "noop", repo_));
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 32); }));
  EXPECT_TRUE(SpoolFiles().empty());
  StopAndExpectItLeaves();  // never acknowledged: kept for the next start
  EXPECT_EQ(SpooledJobs(), std::set<uint64_t>{32});
}

TEST_F(WorkerLoopTest, MalformedControlFramesAreDroppedAndTheWorkerCarriesOn) {
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  controller().SendFrames(config_.worker_id, {"\xff\xfe not an envelope"});
  controller().SendFrames(config_.worker_id, {"two", "frames"});
  v1::Envelope wrong_body;  // a worker batch is not for workers
  wrong_body.mutable_worker_batch()->mutable_heartbeat();
  controller().SendFrames(config_.worker_id, {EncodeEnvelope(wrong_body, 1, "controller", 1)});
  v1::Envelope old_version;  // a version 1 controller's
  old_version.mutable_control_batch()->mutable_hello_ack();
  old_version.set_protocol_version(1);
  old_version.set_sender("controller");
  controller().SendFrames(config_.worker_id, {old_version.SerializeAsString()});
  controller().SendJob(config_.worker_id, FakeController::Job(7, 1, "no-such-scanner", repo_));
  auto declined = controller().NextMatching(IsAnyDecline);
  ASSERT_TRUE(declined && IsDeclined(*declined, 7, 1)) << "the worker stopped handling frames";
  StopAndExpectItLeaves();
}

TEST_F(WorkerLoopTest, AJobStoppedByAnAbnormalExitLeavesNoSpooledResult) {
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  controller().SendJob(config_.worker_id, FakeController::Job(5, 1, "bandit", repo_));
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsAccepted(m, 5); }));
  v1::ControlBatch refusal;
  refusal.mutable_refusal()->set_reason("test: this worker is refused");
  controller().Send(config_.worker_id, refusal);
  worker_.join();
  EXPECT_EQ(run_status_.code(), StatusCode::kFailedPrecondition) << run_status_.ToString();
  EXPECT_NE(run_status_.message().find("test: this worker is refused"), std::string::npos);
  // The loop stops without a drain: its destructor cancels the running job,
  // whose thread then spools a cancellation, not a result to re-send later.
  loop_.reset();
  EXPECT_TRUE(SpoolFiles().empty()) << "a cancelled job's result stayed spooled";
}

}  // namespace
}  // namespace scanfleet
