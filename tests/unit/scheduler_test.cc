// Scheduler core, driven by a fake clock: no sockets, no sleeps.
#include "controller/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler_fixture.h"

namespace scanfleet {
namespace {

TEST_F(SchedulerTest, NothingIsDispatchedWithoutAWorker) {
  AddJob(1);
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
  EXPECT_EQ(scheduler_.queued_jobs(), 1u);
}

TEST_F(SchedulerTest, DispatchesUpToFreeSlotsOldestFirst) {
  for (uint64_t id = 1; id <= 5; ++id) AddJob(id);
  Hello("w1", 2);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 2u);
  EXPECT_EQ(dispatched[0].job_id, 1u);
  EXPECT_EQ(dispatched[1].job_id, 2u);
  EXPECT_EQ(dispatched[0].attempt, 1u);
  EXPECT_EQ(dispatched[0].accept_by_ms, now_ + config_.accept_timeout_ms);
  // Still two in flight: no more capacity until one finishes.
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  auto next = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].job_id, 3u);
}

TEST_F(SchedulerTest, JobsWaitForAWorkerThatHasTheirScanner) {
  AddJob(1, "bandit");
  Hello("w1", 4, {"flawfinder"});
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
  Hello("w2", 1, {"bandit"});
  EXPECT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
}

TEST_F(SchedulerTest, UnacceptedJobIsRedispatchedWithANewAttempt) {
  AddJob(1);
  Hello("w1", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  now_ += config_.accept_timeout_ms + 1;
  scheduler_.OnHeartbeat("w1", Running({}), now_);  // worker alive, but never got the job
  auto decisions = scheduler_.Tick(now_);
  ASSERT_EQ(Requeues(decisions).size(), 1u);
  auto again = Dispatches(decisions);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u);
  // Once attempt 2 has started, the first attempt's late result is stale and
  // changes nothing (before that it would be adopted: scheduler_adoption_test).
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 2, now_));
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kStale);
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 2, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
}

TEST_F(SchedulerTest, DeadWorkerJobsAreRequeuedAfterMissedHeartbeats) {
  AddJob(1);
  Hello("w1", 1);
  Hello("w2", 1);
  auto first = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(first.size(), 1u);
  AddJob(2);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);  // job 2 to w2's slot
  ASSERT_TRUE(scheduler_.OnAccepted("w2", 2, 1, now_));
  // w2 keeps heartbeating, w1 goes silent.
  for (int i = 0; i < 3; ++i) {
    now_ += 1000;
    scheduler_.OnHeartbeat("w2", Running({{2, 1}}), now_);
    EXPECT_TRUE(Requeues(scheduler_.Tick(now_)).empty()) << "too early at beat " << i;
  }
  now_ += 1001;
  scheduler_.OnHeartbeat("w2", Running({{2, 1}}), now_);
  auto decisions = scheduler_.Tick(now_);
  auto requeued = Requeues(decisions);
  ASSERT_EQ(requeued.size(), 1u);
  EXPECT_EQ(requeued[0].job_id, 1u);
  EXPECT_EQ(requeued[0].failures, 0u) << "a lost worker is not the job's failure";
  bool lost = false;
  for (const auto& d : decisions) lost |= std::holds_alternative<WorkerLost>(d);
  EXPECT_TRUE(lost);
}

TEST_F(SchedulerTest, HeartbeatsKeepALongJobLeased) {
  AddJob(1);
  Hello("w1", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  // Two hours of heartbeats: never requeued.
  for (int i = 0; i < 7200; ++i) {
    now_ += 1000;
    ASSERT_TRUE(scheduler_.OnHeartbeat("w1", Running({{1, 1}}), now_).empty());
    ASSERT_TRUE(Requeues(scheduler_.Tick(now_)).empty());
  }
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
}

TEST_F(SchedulerTest, HungWorkerLosesItsLeaseAndLateResultIsStale) {
  AddJob(1);
  Hello("w1", 1);
  Hello("w2", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  // w1 freezes (SIGSTOP): it sends nothing, and its lease runs out.
  now_ += config_.lease_ms + 1;
  scheduler_.OnHeartbeat("w2", Running({}), now_);
  auto decisions = scheduler_.Tick(now_);
  ASSERT_EQ(Requeues(decisions).size(), 1u);
  auto redispatch = Dispatches(decisions);
  ASSERT_EQ(redispatch.size(), 1u);
  EXPECT_EQ(redispatch[0].attempt, 2u);
  ASSERT_TRUE(scheduler_.OnAccepted("w2", 1, 2, now_));
  // w1 wakes up and reports attempt 1: stale, and it is told to cancel.
  auto cancel = scheduler_.OnHeartbeat("w1", Running({{1, 1}}), now_);
  ASSERT_EQ(cancel.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<CancelAttempt>(cancel[0]));
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kStale);
  EXPECT_EQ(scheduler_.OnResult("w2", 1, 2, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  // Exactly once: a duplicate delivery of the live result is stale too.
  EXPECT_EQ(scheduler_.OnResult("w2", 1, 2, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kStale);
}

TEST_F(SchedulerTest, FailuresRetryWithGrowingBackoffThenAreDeadLettered) {
  AddJob(1);
  Hello("w1", 1);
  std::vector<TimeMs> delays;
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    auto dispatched = Dispatches(scheduler_.Tick(now_));
    ASSERT_EQ(dispatched.size(), 1u) << "attempt " << attempt;
    ASSERT_EQ(dispatched[0].attempt, attempt);
    ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, attempt, now_));
    ResultVerdict verdict =
        scheduler_.OnResult("w1", 1, attempt, FailureClass::kScannerCrashed, now_);
    if (attempt == 3) {
      EXPECT_EQ(verdict.kind, ResultVerdict::Kind::kDeadLettered);
      break;
    }
    ASSERT_EQ(verdict.kind, ResultVerdict::Kind::kRetry);
    delays.push_back(verdict.requeue.not_before_ms - now_);
    // Not before its backoff has passed.
    now_ = verdict.requeue.not_before_ms - 1;
    scheduler_.OnHeartbeat("w1", Running({}), now_);
    EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
    now_ += 1;
    scheduler_.OnHeartbeat("w1", Running({}), now_);
  }
  ASSERT_EQ(delays.size(), 2u);
  EXPECT_EQ(delays[0], 750);   // base 1000, jitter 0.5 over the upper half
  EXPECT_EQ(delays[1], 1500);  // doubled
  EXPECT_FALSE(scheduler_.knows_job(1));
}

TEST_F(SchedulerTest, BadInputIsNotRetried) {
  AddJob(1);
  Hello("w1", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kBadInput, now_).kind,
            ResultVerdict::Kind::kFailed);
}

TEST_F(SchedulerTest, PoisonJobDoesNotBlockTheQueue) {
  AddJob(1);  // will keep failing
  AddJob(2);
  Hello("w1", 1);
  auto first = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(first[0].job_id, 1u);
  ASSERT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kScannerCrashed, now_).kind,
            ResultVerdict::Kind::kRetry);
  // While job 1 backs off, job 2 runs at once.
  auto next = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].job_id, 2u);
}

TEST_F(SchedulerTest, RestoredInFlightJobIsAdoptedByHeartbeat) {
  scheduler_.RestoreInFlight(JobDescriptor{7, 1, "sast", "bandit", 3, 1, 0, 0, ""}, "w1", now_);
  EXPECT_TRUE(scheduler_.OnHeartbeat("w1", Running({{7, 3}}), now_).empty());
  now_ += config_.accept_timeout_ms + 1;
  scheduler_.OnHeartbeat("w1", Running({{7, 3}}), now_);
  EXPECT_TRUE(Requeues(scheduler_.Tick(now_)).empty()) << "the heartbeat renewed it";
  EXPECT_EQ(scheduler_.OnResult("w1", 7, 3, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
}

TEST_F(SchedulerTest, WorkerThatRestartedLosesItsUnreportedJobsAtOnce) {
  AddJob(1);
  Hello("w1", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  now_ += 10;
  auto decisions = scheduler_.OnHeartbeat("w1", Running({}), now_);
  ASSERT_EQ(Requeues(decisions).size(), 1u);
}

TEST_F(SchedulerTest, FailedSendRequeuesAfterAShortPause) {
  AddJob(1);
  Hello("w1", 1);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 1u);
  auto requeue = scheduler_.OnDispatchFailed(1, 1, now_);
  ASSERT_TRUE(requeue.has_value());
  EXPECT_EQ(requeue->failures, 0u) << "a refused send is not the job's failure";
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_ + config_.dispatch_retry_ms - 1)).empty())
      << "no busy retry loop";
  auto again = Dispatches(scheduler_.Tick(now_ + config_.dispatch_retry_ms));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_FALSE(scheduler_.OnDispatchFailed(1, 1, now_).has_value()) << "attempt 1 is gone";
}

}  // namespace
}  // namespace scanfleet
