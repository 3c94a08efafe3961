// Scheduler core: credit per worker (slots plus a prefetch window for workers
// that turn work over quickly), dispatch addressed to a worker, round robin,
// and no job parked behind a busy worker. Fake clock, no sockets, no sleeps.
#include <gtest/gtest.h>

#include <map>

#include "controller/scheduler/scheduler.h"
#include "tests/unit/scheduler_fixture.h"

namespace scanfleet {
namespace {

TEST_F(SchedulerTest, AWorkerNeverGetsMoreThanItsSlotsWithoutPrefetch) {
  for (uint64_t id = 1; id <= 5; ++id) AddJob(id);
  Hello("w1", 2);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 2u);
  for (const DispatchJob& job : dispatched) EXPECT_EQ(job.worker_id, "w1");
  EXPECT_EQ(View("w1").unaccepted, 2u);
  RunToEnd(dispatched[0]);
  // One slot free again; even right after a finished job, no prefetch asked for.
  auto next = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].worker_id, "w1");
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
}

TEST_F(SchedulerTest, PrefetchIsGivenOnlyWhileTheWorkerTurnsWorkOver) {
  for (uint64_t id = 1; id <= 10; ++id) AddJob(id);
  HelloWithPrefetch("w1", 1, 2);
  // It has finished nothing yet: only what it can start.
  DispatchAndFinishOne();
  // It just finished a job: its slot and its whole window.
  auto burst = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(burst.size(), 3u);
  for (const DispatchJob& job : burst) {
    ASSERT_TRUE(scheduler_.OnAccepted("w1", job.job_id, job.attempt, now_));
  }
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty()) << "slots + prefetch outstanding";
  // A long pause with no job finished: the window closes. A declined job frees
  // credit, but only prefetch credit, which it no longer has.
  now_ += config_.heartbeat_interval_ms + 1;
  ASSERT_TRUE(
      Requeues(scheduler_.OnHeartbeat(
                   "w1",
                   Running({{burst[0].job_id, 1}, {burst[1].job_id, 1}, {burst[2].job_id, 1}}),
                   now_))
          .empty());
  ASSERT_TRUE(scheduler_.OnDeclined("w1", burst[2].job_id, 1, DeclineReason::kHandedBack, now_));
  auto after_pause = Dispatches(scheduler_.Tick(now_));
  EXPECT_TRUE(after_pause.empty())
      << "2 running on 1 slot, no recent finish: nothing it can't start";
  // Finishing one opens the window again.
  ASSERT_EQ(scheduler_.OnResult("w1", burst[0].job_id, 1, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  EXPECT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 2u) << "1 running of 1 slot + 2 prefetch";
}

TEST_F(SchedulerTest, PrefetchWindowIsCappedAtSixteen) {
  for (uint64_t id = 1; id <= 40; ++id) AddJob(id);
  HelloWithPrefetch("w1", 1, 1000);
  DispatchAndFinishOne();
  EXPECT_EQ(Dispatches(scheduler_.Tick(now_)).size(), 1u + kMaxPrefetch);
  EXPECT_EQ(View("w1").prefetch, kMaxPrefetch);
}

// w1 turns work over fast and runs one job; w2 has a free slot. Free slots
// anywhere are filled before any prefetch window is used.
class FreeSlotsFirstTest : public SchedulerTest {
 protected:
  void SetUp() override {
    HelloWithPrefetch("w1", 1, 4);
    AddJob(1);
    DispatchAndFinishOne();
    AddJob(2);
    auto second = Dispatches(scheduler_.Tick(now_));
    ASSERT_EQ(second.size(), 1u);
    ASSERT_TRUE(scheduler_.OnAccepted("w1", 2, second[0].attempt, now_));
    Hello("w2", 1);
  }
};

TEST_F(FreeSlotsFirstTest, OneJobGoesToTheFreeSlotNotToThePrefetchWindow) {
  AddJob(3);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 1u);
  EXPECT_EQ(dispatched[0].worker_id, "w2");
}

TEST_F(FreeSlotsFirstTest, TheOldestJobTakesTheFreeSlotAndTheRestThePrefetchWindow) {
  for (uint64_t id = 3; id <= 6; ++id) AddJob(id);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 4u);
  EXPECT_EQ(dispatched[0].job_id, 3u);
  EXPECT_EQ(dispatched[0].worker_id, "w2");
  for (size_t i = 1; i < dispatched.size(); ++i) EXPECT_EQ(dispatched[i].worker_id, "w1");
}

TEST_F(SchedulerTest, JobsAreSpreadRoundRobinOverWorkersWithCredit) {
  for (const char* worker : {"w1", "w2", "w3", "w4"}) Hello(worker, 2);
  for (uint64_t id = 1; id <= 8; ++id) AddJob(id);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 8u);
  std::set<std::string> first_round;
  std::map<std::string, int> per_worker;
  for (size_t i = 0; i < dispatched.size(); ++i) {
    if (i < 4) first_round.insert(dispatched[i].worker_id);
    ++per_worker[dispatched[i].worker_id];
    EXPECT_EQ(dispatched[i].job_id, i + 1) << "oldest first";
  }
  EXPECT_EQ(first_round.size(), 4u) << "one job per worker per round";
  for (const auto& [worker, jobs] : per_worker) EXPECT_EQ(jobs, 2) << worker;
  // Across ticks too: single arrivals do not all land on the same worker.
  for (const DispatchJob& job : dispatched) RunToEnd(job);
  std::set<std::string> singles;
  for (uint64_t id = 9; id <= 12; ++id) {
    AddJob(id);
    auto one = Dispatches(scheduler_.Tick(now_));
    ASSERT_EQ(one.size(), 1u);
    singles.insert(one[0].worker_id);
    RunToEnd(one[0]);
  }
  EXPECT_EQ(singles.size(), 4u);
}

TEST_F(SchedulerTest, AnAcceptanceByAnotherWorkerMovesTheAttemptToIt) {
  Hello("w1", 1);
  AddJob(1);
  auto dispatched = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(dispatched.size(), 1u);
  ASSERT_EQ(dispatched[0].worker_id, "w1");
  // A v1 pool socket handed it to w2, which had just joined.
  Hello("w2", 1);
  ASSERT_TRUE(scheduler_.OnAccepted("w2", 1, dispatched[0].attempt, now_));
  EXPECT_EQ(View("w1").unaccepted, 0u);
  EXPECT_EQ(View("w2").running, 1u);
  // w1's credit is back, w2's is used.
  AddJob(2);
  AddJob(3);
  auto next = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].worker_id, "w1");
  // The attempt lives on w2 now: its heartbeat renews it, w1 cannot hand it back.
  EXPECT_FALSE(
      scheduler_.OnDeclined("w1", 1, dispatched[0].attempt, DeclineReason::kHandedBack, now_));
  EXPECT_TRUE(scheduler_.OnHeartbeat("w2", Running({{1, dispatched[0].attempt}}), now_).empty());
}

TEST_F(SchedulerTest, ARestoredRunningAttemptKeepsItsWorkersSlotAfterARestart) {
  scheduler_.RestoreInFlight(JobDescriptor{7, 1, "sast", "bandit", 3, 0, 0, 0, ""}, "w1", now_);
  EXPECT_FALSE(View("w1").alive) << "known from storage, not heard from yet";
  Hello("w1", 1);  // its hello comes before the heartbeat that reports job 7
  AddJob(8);
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty()) << "its one slot still runs job 7";
  EXPECT_TRUE(scheduler_.OnHeartbeat("w1", Running({{7, 3}}), now_).empty());
  EXPECT_EQ(View("w1").running, 1u);
  EXPECT_EQ(View("w1").unaccepted, 0u);
  EXPECT_TRUE(Dispatches(scheduler_.Tick(now_)).empty());
  ASSERT_EQ(scheduler_.OnResult("w1", 7, 3, FailureClass::kNone, now_).kind,
            ResultVerdict::Kind::kSucceeded);
  auto next = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].job_id, 8u);
}

// Issue 17 item 2: a long job on w1, short jobs keep flowing to w2, none is
// parked on w1, and an attempt nobody accepts is requeued at its deadline.
TEST_F(SchedulerTest, NoJobWaitsBehindABusyWorkerWhileAnotherHasCredit) {
  HelloWithPrefetch("w1", 1, 4);
  AddJob(1);
  auto long_job = Dispatches(scheduler_.Tick(now_));
  ASSERT_EQ(long_job.size(), 1u);
  ASSERT_TRUE(scheduler_.OnAccepted("w1", 1, long_job[0].attempt, now_));
  HelloWithPrefetch("w2", 1, 4);
  uint64_t next_id = 2;
  int short_jobs = 0;
  for (int round = 0; round < 200; ++round) {
    now_ += 50;
    if (round % 20 == 0) {
      scheduler_.OnHeartbeat("w1", Running({{1, long_job[0].attempt}}), now_);
      scheduler_.OnHeartbeat("w2", Running({}), now_);
    }
    for (int i = 0; i < 3; ++i) AddJob(next_id++);
    for (const DispatchJob& job : Dispatches(scheduler_.Tick(now_))) {
      ASSERT_EQ(job.worker_id, "w2") << "job " << job.job_id << " in round " << round;
      RunToEnd(job);
      ++short_jobs;
    }
  }
  EXPECT_GT(short_jobs, 500);
  // Now w2 stops accepting: its prefetched attempts are not parked on it past
  // their acceptance deadline, and they do not move to busy w1 either.
  for (int i = 0; i < 3; ++i) AddJob(next_id++);
  auto prefetched = Dispatches(scheduler_.Tick(now_));
  ASSERT_GE(prefetched.size(), 2u);
  for (const DispatchJob& job : prefetched) EXPECT_EQ(job.worker_id, "w2");
  ASSERT_TRUE(scheduler_.OnAccepted("w2", prefetched[0].job_id, prefetched[0].attempt, now_));
  TimeMs deadline = prefetched[1].accept_by_ms;
  for (now_ += 1000; now_ <= deadline; now_ += 1000) {
    scheduler_.OnHeartbeat("w1", Running({{1, long_job[0].attempt}}), now_);
    scheduler_.OnHeartbeat("w2", Running({{prefetched[0].job_id, prefetched[0].attempt}}), now_);
    auto decisions = scheduler_.Tick(now_);
    EXPECT_TRUE(Requeues(decisions).empty());
    EXPECT_TRUE(Dispatches(decisions).empty());
  }
  now_ = deadline + 1;
  scheduler_.OnHeartbeat("w1", Running({{1, long_job[0].attempt}}), now_);
  scheduler_.OnHeartbeat("w2", Running({{prefetched[0].job_id, prefetched[0].attempt}}), now_);
  auto decisions = scheduler_.Tick(now_);
  EXPECT_EQ(Requeues(decisions).size(), prefetched.size() - 1);
  EXPECT_TRUE(Dispatches(decisions).empty()) << "both workers are busy and turn nothing over";
  EXPECT_EQ(View("w1").unaccepted, 0u);
  EXPECT_EQ(View("w2").unaccepted, 0u);
}

}  // namespace
}  // namespace scanfleet
