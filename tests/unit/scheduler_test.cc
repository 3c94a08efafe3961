// Scheduler core, driven by a fake clock: no sockets, no sleeps.
#include "controller/scheduler/scheduler.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

constexpr TimeMs kStart = 1'000'000;

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : scheduler_(config_, [] { return 0.5; }) {}

  static SchedulerConfig MakeConfig() {
    SchedulerConfig config;
    config.heartbeat_interval_ms = 1000;
    config.dead_after_missed = 3;
    config.accept_timeout_ms = 5000;
    config.lease_ms = 3000;
    config.max_failures = 3;
    config.backoff_base_ms = 1000;
    config.backoff_max_ms = 60000;
    return config;
  }

  void AddJob(uint64_t id, const std::string& scanner = "flawfinder") {
    scheduler_.AddQueuedJob(JobDescriptor{id, 1, "sast", scanner, 0, 0, 0, 0, ""});
  }
  void Hello(const std::string& worker, uint32_t slots,
             std::set<std::string> scanners = {"flawfinder", "bandit"}) {
    scheduler_.OnWorkerHello(worker, {"sast"}, std::move(scanners), slots, now_);
  }
  static HeartbeatReport Running(std::vector<std::pair<uint64_t, uint32_t>> running) {
    HeartbeatReport report;
    report.running = std::move(running);
    return report;
  }
  std::vector<DispatchJob> Dispatches(const std::vector<Decision>& decisions) {
    std::vector<DispatchJob> out;
    for (const auto& d : decisions) {
      if (auto* dispatch = std::get_if<DispatchJob>(&d)) out.push_back(*dispatch);
    }
    return out;
  }
  std::vector<RequeueJob> Requeues(const std::vector<Decision>& decisions) {
    std::vector<RequeueJob> out;
    for (const auto& d : decisions) {
      if (auto* requeue = std::get_if<RequeueJob>(&d)) out.push_back(*requeue);
    }
    return out;
  }

  SchedulerConfig config_ = MakeConfig();
  Scheduler scheduler_;
  TimeMs now_ = kStart;
};

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
  // The first attempt's late result is stale and changes nothing.
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
