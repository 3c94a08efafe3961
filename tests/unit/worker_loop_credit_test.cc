// WorkerLoop against the fake controller (worker_loop_fixture.h), protocol
// v2's batching and credit: messages of one turn share one signed
// WorkerBatch frame; one ControlBatch carrying acks, a hello ack, a
// controller heartbeat and two jobs is handled whole; prefetch queueing
// (slots 1, prefetch 1: the second job waits unaccepted until the first ends,
// the third is declined); a queued job past its accept_by is declined, and
// draining declines the rest of the queue.
// Thread-safety: the worker runs on its own thread with its own sockets; the
// fake controller's sockets belong to the test thread.
#include <algorithm>
#include <map>
#include <set>

#include "tests/unit/worker_loop_fixture.h"

namespace scanfleet {
namespace {

using WorkerLoopCreditTest = WorkerLoopFixture;

TEST_F(WorkerLoopCreditTest, MessagesOfOneTurnShareOneSignedBatchFrame) {
  Secure();
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  v1::ControlBatch batch;
  *batch.add_jobs() = FakeController::Job(1, 1, "no-such-scanner", repo_);
  *batch.add_jobs() = FakeController::Job(2, 1, "bandit", repo_);
  *batch.add_jobs() = FakeController::Job(3, 1, "semgrep-missing-too", repo_);
  controller().Send(config_.worker_id, batch);

  std::map<uint64_t, uint64_t> frame_of;  // job id -> frame its answer came in
  std::vector<WorkerMessage> seen;
  ASSERT_TRUE(controller().ReadUntil(seen, [&](const WorkerMessage& m) {
    if (IsAccepted(m, 2)) frame_of[2] = m.frame;
    if (IsDeclined(m, 1, 1)) frame_of[1] = m.frame;
    if (IsDeclined(m, 3, 1)) frame_of[3] = m.frame;
    return frame_of.size() == 3;
  }));
  EXPECT_EQ(frame_of[1], frame_of[2]);
  EXPECT_EQ(frame_of[3], frame_of[2]);
  // Every frame was [envelope, header, signature] with a valid signature.
  EXPECT_EQ(controller().bad_frames(), 0u);
  EXPECT_EQ(controller().signatures_verified(), controller().frames());
  EXPECT_GE(controller().frames(), 2u);
  CancelJob(2, 1);
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 2); }));
  AckResult(2, 1);
  StopAndExpectItLeaves();
  EXPECT_EQ(controller().bad_frames(), 0u);
}

TEST_F(WorkerLoopCreditTest, AControlBatchWithAcksAndTwoJobsIsHandledWhole) {
  config_.slots = 2;
  // Silence from the controller does not unregister the worker here: only
  // the batch's hello ack and heartbeat act on the session.
  config_.session.controller_dead_after_missed = 1000;
  SpoolEarlierResult(42, 3, "from an earlier run");
  StartWorker();
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 42); }));
  v1::ControlBatch batch;
  batch.mutable_hello_ack()->set_heartbeat_interval_ms(50);
  batch.mutable_heartbeat()->set_incarnation(7);
  batch.add_result_acks()->mutable_job()->set_job_id(42);
  batch.mutable_result_acks(0)->mutable_job()->set_attempt(3);
  *batch.add_jobs() = FakeController::Job(30, 1, "noop", repo_);
  *batch.add_jobs() = FakeController::Job(31, 1, "noop", repo_);
  controller().Send(config_.worker_id, batch);

  std::vector<WorkerMessage> seen;
  std::map<uint64_t, size_t> result_index;
  ASSERT_TRUE(controller().ReadUntil(seen, [&](const WorkerMessage& m) {
    for (uint64_t job : {30, 31}) {
      if (IsResult(m, job) && !result_index.count(job)) result_index[job] = seen.size() - 1;
    }
    return result_index.size() == 2;
  })) << "the two noop jobs did not both send a result";
  for (const WorkerMessage& m : seen) {
    EXPECT_EQ(m.message.declined_size(), 0) << "a job of the batch was declined";
  }
  // The ack of the batch removed the spooled result; the two new results
  // were spooled before they were sent, and stay until acknowledged.
  EXPECT_EQ(SpooledJobs(), (std::set<uint64_t>{30, 31}));
  AckResult(30, 1);
  AckResult(31, 1);
  EXPECT_TRUE(AwaitEmptySpool());
  // The hello ack registered the worker: it says hello no more (a second
  // hello was due 1 s after the first).
  int heartbeats = 0;
  seen.clear();
  ASSERT_TRUE(controller().ReadUntil(seen, [&](const WorkerMessage& m) {
    EXPECT_FALSE(IsHello(m)) << "the hello ack was not taken";
    // (Frames on their way when the spool emptied are let through first.)
    if (heartbeats >= 2) {
      EXPECT_EQ(m.message.results_size(), 0) << "an acknowledged result was re-sent";
    }
    return IsHeartbeat(m) && ++heartbeats == 25;
  }));
  // The batch's heartbeat set the controller's incarnation: a new one means
  // a restarted controller, which must hear the hello again.
  v1::ControlBatch restarted;
  restarted.mutable_heartbeat()->set_incarnation(8);
  controller().Send(config_.worker_id, restarted);
  EXPECT_TRUE(controller().NextMatching(IsHello)) << "a new incarnation did not bring a hello";
  StopAndExpectItLeaves();
}

TEST_F(WorkerLoopCreditTest, APrefetchedJobWaitsUnacceptedUntilTheSlotFrees) {
  config_.slots = 1;
  config_.prefetch = 1;
  StartWorker();
  auto hello = controller().NextMatching(IsHello);
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->message.hello().prefetch(), 1u);
  v1::ControlBatch batch;
  for (uint64_t job : {10, 11, 12})
    *batch.add_jobs() = FakeController::Job(job, 1, "bandit", repo_);
  controller().Send(config_.worker_id, batch);

  auto accepted_11 = [](const WorkerMessage& m) { return IsAccepted(m, 11) || IsResult(m, 11); };
  std::vector<WorkerMessage> seen;
  ASSERT_TRUE(controller().ReadUntil(seen, IsAnyDecline));
  ASSERT_TRUE(IsDeclined(seen.back(), 12, 1)) << "the third job was not declined";
  EXPECT_EQ(seen.back().message.declined(0).reason(), v1::DECLINE_NO_FREE_SLOT);
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(),
                          [](const WorkerMessage& m) { return IsAccepted(m, 10); }));
  // While job 10 runs, job 11 waits: never accepted, never reported running.
  int heartbeats = 0;
  ASSERT_TRUE(controller().ReadUntil(seen, [&](const WorkerMessage& m) {
    if (IsHeartbeat(m)) {
      EXPECT_EQ(m.message.heartbeat().free_slots(), 0u);
      EXPECT_EQ(m.message.heartbeat().running_size(), 1);
      ++heartbeats;
    }
    return heartbeats == 10;
  }));
  for (const WorkerMessage& m : seen) {
    EXPECT_FALSE(accepted_11(m)) << "job 11 started while the slot was busy";
    EXPECT_FALSE(IsAnyDecline(m) && m.message.declined(0).job().job_id() == 11);
  }

  CancelJob(10, 1);  // the slot frees: job 11 starts
  std::optional<uint64_t> result_10_frame, accepted_11_frame;
  ASSERT_TRUE(controller().ReadUntil(seen, [&](const WorkerMessage& m) {
    if (IsResult(m, 10)) result_10_frame = m.frame;
    if (accepted_11(m)) accepted_11_frame = m.frame;
    return result_10_frame && accepted_11_frame;
  })) << "job 10 sent no result or job 11 never started";
  // Accepted with the result that freed its slot, or later, never before.
  EXPECT_GE(*accepted_11_frame, *result_10_frame);
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) {
    return IsHeartbeat(m) && m.message.heartbeat().running_size() == 1 &&
           m.message.heartbeat().running(0).job_id() == 11;
  }));
  CancelJob(11, 1);
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsResult(m, 11); }));
  AckResult(10, 1);
  AckResult(11, 1);
  StopAndExpectItLeaves();
}

TEST_F(WorkerLoopCreditTest, AQueuedJobPastItsAcceptByIsDeclinedAndADrainDeclinesTheRest) {
  config_.slots = 1;
  config_.prefetch = 2;
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  int64_t accept_by = SystemClock().NowMs() + 400;
  v1::ControlBatch batch;
  *batch.add_jobs() = FakeController::Job(20, 1, "bandit", repo_);
  *batch.add_jobs() = FakeController::Job(21, 1, "bandit", repo_, accept_by);
  *batch.add_jobs() = FakeController::Job(22, 1, "bandit", repo_);  // no deadline
  controller().Send(config_.worker_id, batch);
  ASSERT_TRUE(controller().NextMatching([](const WorkerMessage& m) { return IsAccepted(m, 20); }));

  std::vector<WorkerMessage> seen;
  ASSERT_TRUE(controller().ReadUntil(seen, IsAnyDecline));
  const WorkerMessage& expired = seen.back();
  ASSERT_TRUE(IsDeclined(expired, 21, 1));
  EXPECT_GE(SystemClock().NowMs(), accept_by) << "declined before its deadline";
  EXPECT_EQ(expired.message.declined(0).reason(), v1::DECLINE_NO_FREE_SLOT);
  EXPECT_EQ(expired.message.declined(0).detail(), "no slot freed before the acceptance deadline");

  Stop();
  ASSERT_TRUE(controller().ReadUntil(seen, IsAnyDecline));
  ASSERT_TRUE(IsDeclined(seen.back(), 22, 1)) << "the waiting job was not given back first";
  EXPECT_EQ(seen.back().message.declined(0).reason(), v1::DECLINE_DRAINING);
  for (const WorkerMessage& m : seen) {
    EXPECT_FALSE(IsAccepted(m, 21) || IsAccepted(m, 22)) << "a waiting job started";
  }
  auto handed_back = controller().NextMatching(IsAnyDecline);  // after the 1 s grace
  ASSERT_TRUE(handed_back && IsDeclined(*handed_back, 20, 1));
  EXPECT_EQ(handed_back->message.declined(0).reason(), v1::DECLINE_HANDED_BACK);
  ASSERT_TRUE(controller().NextMatching(
      [](const WorkerMessage& m) { return IsHeartbeat(m) && m.message.heartbeat().leaving(); }));
  worker_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
}

}  // namespace
}  // namespace scanfleet
