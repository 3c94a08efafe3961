// Scheduler core: what dispatch costs, counted (workers with credit and queue
// heads visited per dispatched job), never timed. 200 one-slot workers must
// cost per job what two do (issue 17: they dispatched at a quarter of the
// speed), and a fleet of 10,000 of which few have credit must not be walked.
#include <gtest/gtest.h>

#include <string>

#include "controller/scheduler/scheduler.h"
#include "tests/unit/scheduler_fixture.h"

namespace scanfleet {
namespace {

std::string WorkerName(int i) { return "host-" + std::to_string(i); }

std::vector<DispatchJob> DispatchesOf(const std::vector<Decision>& decisions) {
  std::vector<DispatchJob> out;
  for (const auto& d : decisions) {
    if (auto* dispatch = std::get_if<DispatchJob>(&d)) out.push_back(*dispatch);
  }
  return out;
}

// Drains `jobs` noop jobs over `workers` one-slot workers serving two pools
// and three scanners; returns the visits per dispatched job.
double VisitsPerJob(int workers, int jobs) {
  Scheduler scheduler(SchedulerConfig{}, [] { return 0.5; });
  TimeMs now = kStart;
  for (int i = 0; i < workers; ++i) {
    scheduler.OnWorkerHello(WorkerName(i), {"sast", "dast"}, {"flawfinder", "bandit", "nmap"}, 1,
                            now);
  }
  for (int id = 1; id <= jobs; ++id) {
    scheduler.AddQueuedJob(JobDescriptor{static_cast<uint64_t>(id), 1, "sast",
                                         id % 2 ? "flawfinder" : "bandit", 0, 0, 0, 0, ""});
  }
  int done = 0;
  while (done < jobs) {
    now += 1;
    auto dispatched = DispatchesOf(scheduler.Tick(now));
    EXPECT_FALSE(dispatched.empty()) << "stalled after " << done;
    if (dispatched.empty()) break;
    for (const DispatchJob& job : dispatched) {
      EXPECT_TRUE(scheduler.OnAccepted(job.worker_id, job.job_id, job.attempt, now));
      EXPECT_EQ(
          scheduler.OnResult(job.worker_id, job.job_id, job.attempt, FailureClass::kNone, now).kind,
          ResultVerdict::Kind::kSucceeded);
      ++done;
    }
  }
  DispatchCost cost = scheduler.dispatch_cost();
  EXPECT_EQ(cost.dispatched, static_cast<uint64_t>(jobs));
  return static_cast<double>(cost.workers_visited + cost.queue_heads_visited) /
         static_cast<double>(cost.dispatched);
}

TEST(SchedulerCostTest, TwoHundredOneSlotWorkersCostPerJobWhatTwoDo) {
  double two = VisitsPerJob(2, 4000);
  double two_hundred = VisitsPerJob(200, 4000);
  // A worker visit and the heads of its pool's two queues per job: flat.
  EXPECT_LE(two, 4.0);
  EXPECT_LE(two_hundred, 4.0);
  EXPECT_LE(two_hundred, two * 1.1);
}

TEST(SchedulerCostTest, DispatchOverTenThousandWorkersVisitsOnlyThoseWithCredit) {
  constexpr int kWorkers = 10'000;
  Scheduler scheduler(SchedulerConfig{}, [] { return 0.5; });
  TimeMs now = kStart;
  for (int i = 0; i < kWorkers; ++i) {
    scheduler.OnWorkerHello(WorkerName(i), {"sast"}, {"flawfinder"}, 1, now);
  }
  // Every worker busy with a long job.
  for (int id = 1; id <= kWorkers; ++id) {
    scheduler.AddQueuedJob(
        JobDescriptor{static_cast<uint64_t>(id), 1, "sast", "flawfinder", 0, 0, 0, 0, ""});
  }
  auto busy = DispatchesOf(scheduler.Tick(now));
  ASSERT_EQ(busy.size(), static_cast<size_t>(kWorkers));
  for (const DispatchJob& job : busy) {
    ASSERT_TRUE(scheduler.OnAccepted(job.worker_id, job.job_id, job.attempt, now));
  }
  // A queue builds up behind them; ticks with no credit anywhere visit nothing.
  for (int id = kWorkers + 1; id <= kWorkers + 1000; ++id) {
    scheduler.AddQueuedJob(
        JobDescriptor{static_cast<uint64_t>(id), 1, "sast", "flawfinder", 0, 0, 0, 0, ""});
  }
  DispatchCost before = scheduler.dispatch_cost();
  for (int tick = 0; tick < 100; ++tick) EXPECT_TRUE(DispatchesOf(scheduler.Tick(now)).empty());
  DispatchCost idle = scheduler.dispatch_cost();
  EXPECT_EQ(idle.workers_visited, before.workers_visited);
  EXPECT_EQ(idle.queue_heads_visited, before.queue_heads_visited);
  // Five finish: the next tick visits those five, not the fleet.
  std::set<std::string> freed;
  for (int i = 0; i < 5; ++i) {
    const DispatchJob& job = busy[static_cast<size_t>(i) * 1999];
    ASSERT_EQ(
        scheduler.OnResult(job.worker_id, job.job_id, job.attempt, FailureClass::kNone, now).kind,
        ResultVerdict::Kind::kSucceeded);
    freed.insert(job.worker_id);
  }
  auto dispatched = DispatchesOf(scheduler.Tick(now));
  ASSERT_EQ(dispatched.size(), 5u);
  for (const DispatchJob& job : dispatched) EXPECT_TRUE(freed.count(job.worker_id));
  DispatchCost after = scheduler.dispatch_cost();
  EXPECT_LE(after.workers_visited - idle.workers_visited, 5u);
  EXPECT_LE(after.queue_heads_visited - idle.queue_heads_visited, 5u);
}

}  // namespace
}  // namespace scanfleet
