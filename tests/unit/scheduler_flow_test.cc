// Scheduler core, part two: declines, draining, dead-letter budgets, cancel,
// unschedulable jobs and concurrency limits, under a fake clock.
#include <gtest/gtest.h>

#include "controller/scheduler/scheduler.h"
#include "tests/unit/scheduler_fixture.h"

namespace scanfleet {
namespace {

TEST_F(SchedulerTest, JobsOwnAttemptBudgetOverridesTheDefault) {
  scheduler_.AddQueuedJob(JobDescriptor{1, 1, "sast", "flawfinder", 0, 0, 0, 1, ""});
  Hello("w1", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kTimedOut, now_).kind,
            ResultVerdict::Kind::kDeadLettered);
  EXPECT_FALSE(scheduler_.knows_job(1));
}

TEST_F(SchedulerTest, DeclinedJobIsRequeuedAtOnceWithoutAFailure) {
  AddJob(1);
  Hello("w1", 1);
  Hello("w2", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  auto requeue = scheduler_.OnDeclined("w2", 1, 1, DeclineReason::kNoFreeSlot, now_);
  ASSERT_TRUE(requeue.has_value());
  EXPECT_EQ(requeue->failures, 0u);
  EXPECT_EQ(requeue->not_before_ms, now_);
  auto again = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u) << "a new attempt: the declined one is fenced off";
  // A decline of an attempt that is no longer live changes nothing.
  EXPECT_FALSE(scheduler_.OnDeclined("w2", 1, 1, DeclineReason::kNoFreeSlot, now_));
}

TEST_F(SchedulerTest, WorkerWithoutTheScannerIsNotCountedForItsJobs) {
  AddJob(1, "bandit");
  Hello("w1", 1);  // claims bandit, but declines: not installed after all
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  ASSERT_TRUE(scheduler_.OnDeclined("w1", 1, 1, DeclineReason::kScannerMissing, now_));
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty()) << "no live worker has bandit now";
  Hello("w2", 1, {"bandit"});
  EXPECT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
}

TEST_F(SchedulerTest, DrainingWorkerGetsNoNewJobButKeepsItsLease) {
  AddJob(1);
  AddJob(2);
  Hello("w1", 2);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 2u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  ASSERT_TRUE(scheduler_.OnDeclined("w1", 2, 1, DeclineReason::kDraining, now_));
  HeartbeatReport draining = Running({{1, 1}});
  draining.draining = true;
  now_ += 500;
  EXPECT_TRUE(Requeues(scheduler_.OnHeartbeat("w1", draining, now_)).empty());
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty()) << "job 2 waits for a worker";
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  HeartbeatReport leaving;
  leaving.leaving = true;
  scheduler_.OnHeartbeat("w1", leaving, now_);
  EXPECT_FALSE(scheduler_.Workers(now_).front().alive) << "gone without waiting for timeouts";
  Hello("w2", 1);
  EXPECT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
}

TEST_F(SchedulerTest, HandedBackAttemptIsRequeuedWithoutAFailure) {
  AddJob(1);
  Hello("w1", 1);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  // Only the worker running it may hand it back.
  EXPECT_FALSE(scheduler_.OnDeclined("w2", 1, 1, DeclineReason::kHandedBack, now_));
  auto requeue = scheduler_.OnDeclined("w1", 1, 1, DeclineReason::kHandedBack, now_);
  ASSERT_TRUE(requeue.has_value());
  EXPECT_EQ(requeue->failures, 0u);
}

TEST_F(SchedulerTest, CancelledJobIsForgottenAndItsAttemptStopped) {
  AddJob(1);
  AddJob(2);
  AddJob(3);
  Hello("w1", 2);
  ASSERT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 2u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, 1, now_));
  auto running = scheduler_.CancelJob(1, "user");
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->worker_id, "w1");
  auto dispatched = scheduler_.CancelJob(2, "user");
  ASSERT_TRUE(dispatched.has_value());
  EXPECT_EQ(dispatched->worker_id, "") << "not accepted yet: every worker is told";
  EXPECT_FALSE(scheduler_.CancelJob(3, "user").has_value()) << "queued: nothing runs";
  EXPECT_EQ(scheduler_.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kStale);
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
  EXPECT_EQ(scheduler_.in_flight_jobs(), 0u);
}

TEST_F(SchedulerTest, JobNoWorkerCanRunFailsAfterTheUnschedulableTimeout) {
  config_.unschedulable_timeout_ms = 10000;
  Scheduler scheduler(config_, [] { return 0.5; });
  scheduler.AddQueuedJob(JobDescriptor{1, 1, "sast", "cppcheck", 0, 0, 0, 0, ""});
  scheduler.AddQueuedJob(JobDescriptor{2, 1, "sast", "bandit", 0, 0, 0, 0, ""});
  scheduler.OnWorkerHello("w1", {"sast"}, {"bandit"}, 1, now_);
  EXPECT_FALSE(scheduler.CanRun("sast", "cppcheck", now_));
  auto first = scheduler.Tick(now_);
  ASSERT_EQ(Dispatches(first).size(), 1u);
  EXPECT_EQ(Dispatches(first)[0].job_id, 2u);
  EXPECT_EQ(scheduler.NextDeadline().value_or(0) <= now_ + 10000, true);
  now_ += 9999;
  scheduler.OnHeartbeat("w1", Running({}), now_);
  for (const auto& d : scheduler.Tick(now_)) EXPECT_FALSE(std::holds_alternative<AbandonJob>(d));
  now_ += 1;
  scheduler.OnHeartbeat("w1", Running({}), now_);
  std::vector<AbandonJob> abandoned;
  for (const auto& d : scheduler.Tick(now_)) {
    if (auto* a = std::get_if<AbandonJob>(&d)) abandoned.push_back(*a);
  }
  ASSERT_EQ(abandoned.size(), 1u);
  EXPECT_EQ(abandoned[0].job_id, 1u);
  EXPECT_NE(abandoned[0].reason.find("has scanner 'cppcheck'"), std::string::npos);
  EXPECT_FALSE(scheduler.knows_job(1));
}

TEST_F(SchedulerTest, AWorkerWithTheScannerArrivingInTimeResetsTheWait) {
  config_.unschedulable_timeout_ms = 10000;
  Scheduler scheduler(config_, [] { return 0.5; });
  scheduler.AddQueuedJob(JobDescriptor{1, 1, "sast", "cppcheck", 0, 0, 0, 0, ""});
  scheduler.Tick(now_);
  now_ += 9000;
  scheduler.OnWorkerHello("w1", {"sast"}, {"cppcheck"}, 1, now_);
  EXPECT_EQ(Dispatches(scheduler.Tick(now_)).size(), 1u);
}

TEST_F(SchedulerTest, OneDastTargetGetsOneJobAtATimeAndOthersAreNotHeldUp) {
  config_.limits.per_target_max_running = 1;
  config_.limits.per_target_min_interval_ms = 2000;
  Scheduler scheduler(config_, [] { return 0.5; });
  auto dast = [&](uint64_t id, const std::string& host) {
    scheduler.AddQueuedJob(JobDescriptor{id, id, "dast", "nmap", 0, 0, 0, 0, host});
  };
  dast(1, "10.0.0.1");
  dast(2, "10.0.0.1");
  dast(3, "10.0.0.2");
  scheduler.OnWorkerHello("w1", {"dast"}, {"nmap"}, 3, now_);
  auto first = Dispatches(scheduler.Tick(now_));
  ASSERT_EQ(first.size(), 2u) << "job 2 waits for job 1's target; job 3 does not";
  EXPECT_EQ(first[0].job_id, 1u);
  EXPECT_EQ(first[1].job_id, 3u);
  ASSERT_TRUE(scheduler.OnAccepted("w1", 1, 1, now_));
  ASSERT_EQ(scheduler.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  EXPECT_TRUE(Dispatches(scheduler.Tick(now_ + 1999)).empty()) << "rate limit: 2 s apart";
  scheduler.OnHeartbeat("w1", Running({}), now_ + 2000);
  auto second = Dispatches(scheduler.Tick(now_ + 2000));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].job_id, 2u);
}

TEST_F(SchedulerTest, PoolCapLimitsJobsInFlight) {
  config_.limits.pool_max_running["sast"] = 2;
  Scheduler scheduler(config_, [] { return 0.5; });
  for (uint64_t id = 1; id <= 4; ++id) {
    scheduler.AddQueuedJob(JobDescriptor{id, 1, "sast", "bandit", 0, 0, 0, 0, ""});
  }
  scheduler.OnWorkerHello("w1", {"sast"}, {"bandit"}, 8, now_);
  EXPECT_EQ(Dispatches(scheduler.Tick(now_)).size(), 2u) << "8 free slots, cap 2";
  ASSERT_EQ(scheduler.OnResult("w1", 1, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  EXPECT_EQ(Dispatches(scheduler.Tick(now_)).size(), 1u);
}

}  // namespace
}  // namespace scanfleet
