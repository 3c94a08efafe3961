// Scheduler core: workers dead or gone longer than worker_retention_ms are
// forgotten, so a fleet whose "HOSTNAME-PID" workers restart all the time does
// not make every dispatch walk an ever longer worker table. Driven by a paused
// clock; the cost is counted in worker entries walked, never timed.
#include <gtest/gtest.h>

#include <algorithm>

#include "controller/scheduler/scheduler.h"
#include "tests/unit/scheduler_fixture.h"

namespace scanfleet {
namespace {

constexpr DurationMs kRetention = 60'000;
constexpr DurationMs kRestartEvery = 1'000;

SchedulerConfig RetentionConfig(DurationMs retention) {
  SchedulerConfig config;
  config.heartbeat_interval_ms = 1000;
  config.dead_after_missed = 3;
  config.worker_retention_ms = retention;
  return config;
}

std::vector<std::string> Forgotten(const std::vector<Decision>& decisions) {
  std::vector<std::string> out;
  for (const auto& d : decisions) {
    if (auto* forgotten = std::get_if<WorkerForgotten>(&d)) out.push_back(forgotten->worker_id);
  }
  return out;
}

HeartbeatReport Leaving() {
  HeartbeatReport report;
  report.leaving = true;
  return report;
}

// One worker process after another, each with a new "HOSTNAME-PID" id: it
// says hello, runs one job to the end, then leaves cleanly (even restarts) or
// dies without a word (odd ones). Returns the worker entries the scheduler
// walked for that restart: the tick that dispatches its job and the next one.
class RestartingFleet {
 public:
  explicit RestartingFleet(DurationMs retention)
      : scheduler_(RetentionConfig(retention), [] { return 0.5; }) {}

  uint64_t Restart(int index) {
    uint64_t before = scheduler_.worker_bookkeeping().workers_visited;
    std::string id = "host-" + std::to_string(100000 + index);
    scheduler_.OnWorkerHello(id, {"sast"}, {"flawfinder"}, 2, now_);
    uint64_t job_id = static_cast<uint64_t>(index) + 1;
    scheduler_.AddQueuedJob(JobDescriptor{job_id, 1, "sast", "flawfinder", 0, 0, 0, 0, ""});
    std::vector<Decision> decisions = scheduler_.Tick(now_);
    auto dispatched = std::find_if(decisions.begin(), decisions.end(), [](const Decision& d) {
      return std::holds_alternative<DispatchJob>(d);
    });
    EXPECT_NE(dispatched, decisions.end()) << "restart " << index;
    if (dispatched == decisions.end()) return 0;
    uint32_t attempt = std::get<DispatchJob>(*dispatched).attempt;
    EXPECT_TRUE(scheduler_.OnAccepted(id, job_id, attempt, now_));
    EXPECT_EQ(scheduler_.OnResult(id, job_id, attempt, FailureClass::kNone, now_).kind,
              ResultVerdict::Kind::kSucceeded);
    if (index % 2 == 0) scheduler_.OnHeartbeat(id, Leaving(), now_);
    now_ += kRestartEvery;
    for (const std::string& worker : Forgotten(scheduler_.Tick(now_))) forgotten_.push_back(worker);
    return scheduler_.worker_bookkeeping().workers_visited - before;
  }

  Scheduler scheduler_;
  TimeMs now_ = kStart;
  std::vector<std::string> forgotten_;
};

TEST(SchedulerRetentionTest, TenThousandRestartsLeaveThePerDispatchCostFlat) {
  RestartingFleet fleet(kRetention);
  // A dead worker is kept for the retention window after its death is known
  // (at once for a leaving one, after the missed heartbeats for a silent one).
  const size_t bound = kRetention / kRestartEvery + 3 + 2;
  uint64_t early_cost = 0, max_cost = 0;
  size_t max_workers = 0;
  for (int i = 0; i < 10'000; ++i) {
    uint64_t cost = fleet.Restart(i);
    if (i == 500) early_cost = cost;
    max_cost = std::max(max_cost, cost);
    WorkerBookkeeping kept = fleet.scheduler_.worker_bookkeeping();
    max_workers = std::max(max_workers, kept.workers);
    ASSERT_LE(kept.workers, bound) << "restart " << i;
    ASSERT_EQ(kept.worker_names, kept.workers) << "restart " << i;
  }
  // The steady state is reached long before the end, and stays.
  EXPECT_GE(max_workers, bound - 6);
  uint64_t late_cost = fleet.Restart(10'000);
  EXPECT_EQ(late_cost, early_cost);
  EXPECT_LE(max_cost, early_cost + 8);
  EXPECT_LE(fleet.scheduler_.Workers(fleet.now_).size(), bound);
  EXPECT_GE(fleet.forgotten_.size(), 10'000u - bound);
  EXPECT_EQ(fleet.forgotten_.front(), "host-100000");
}

// The same fleet without retention (0 keeps every worker): the table, and the
// cost of every tick with it, grows with each restart. Shows the test above
// measures what it claims.
TEST(SchedulerRetentionTest, WithoutRetentionEveryRestartIsKeptAndWalked) {
  RestartingFleet fleet(0);
  uint64_t early_cost = 0;
  for (int i = 0; i < 2'000; ++i) {
    uint64_t cost = fleet.Restart(i);
    if (i == 500) early_cost = cost;
  }
  EXPECT_EQ(fleet.scheduler_.worker_bookkeeping().workers, 2'000u);
  EXPECT_GT(fleet.Restart(2'000), 3 * early_cost);
  EXPECT_TRUE(fleet.forgotten_.empty());
}

TEST_F(SchedulerTest, ADeadWorkerIsListedUntilTheRetentionWindowEndsThenForgotten) {
  Scheduler scheduler(RetentionConfig(kRetention), [] { return 0.5; });
  scheduler.OnWorkerHello("w1", {"sast"}, {"flawfinder"}, 1, now_);
  now_ += 4000;  // three missed heartbeats: dead
  scheduler.Tick(now_);
  ASSERT_EQ(scheduler.Workers(now_).size(), 1u);
  EXPECT_FALSE(scheduler.Workers(now_)[0].alive);
  now_ += kRetention - 1;
  EXPECT_TRUE(Forgotten(scheduler.Tick(now_)).empty());
  EXPECT_TRUE(scheduler.knows_worker("w1"));
  now_ += 1;
  EXPECT_EQ(Forgotten(scheduler.Tick(now_)), std::vector<std::string>{"w1"});
  EXPECT_TRUE(scheduler.Workers(now_).empty());
  EXPECT_FALSE(scheduler.knows_worker("w1"));
  EXPECT_TRUE(Forgotten(scheduler.Tick(now_ + kRetention)).empty());  // forgotten once
  // The same id coming back is a new worker that takes jobs again.
  scheduler.OnWorkerHello("w1", {"sast"}, {"flawfinder"}, 1, now_);
  scheduler.AddQueuedJob(JobDescriptor{1, 1, "sast", "flawfinder", 0, 0, 0, 0, ""});
  EXPECT_EQ(Dispatches(scheduler.Tick(now_)).size(), 1u);
  ASSERT_EQ(scheduler.Workers(now_).size(), 1u);
  EXPECT_TRUE(scheduler.Workers(now_)[0].alive);
}

TEST_F(SchedulerTest, AWorkerThatSpeaksAgainIsNotForgotten) {
  Scheduler scheduler(RetentionConfig(kRetention), [] { return 0.5; });
  scheduler.OnWorkerHello("w1", {"sast"}, {"flawfinder"}, 1, now_);
  for (int i = 0; i < 200; ++i) {
    now_ += 1000;
    scheduler.OnHeartbeat("w1", Running({}), now_);
    EXPECT_TRUE(Forgotten(scheduler.Tick(now_)).empty());
  }
  // Dead for a while, then back (a partition healed) before the window ends.
  now_ += kRetention / 2;
  scheduler.Tick(now_);
  scheduler.OnHeartbeat("w1", Running({}), now_);
  now_ += kRetention / 2 + 1000;
  scheduler.OnHeartbeat("w1", Running({}), now_);
  EXPECT_TRUE(Forgotten(scheduler.Tick(now_)).empty());
  EXPECT_TRUE(scheduler.Workers(now_)[0].alive);
}

TEST_F(SchedulerTest, AGoneWorkerStillHoldingAnAttemptIsKeptUntilTheAttemptEnds) {
  Scheduler scheduler(RetentionConfig(1000), [] { return 0.5; });
  scheduler.OnWorkerHello("w1", {"sast"}, {"flawfinder"}, 1, now_);
  scheduler.AddQueuedJob(JobDescriptor{1, 1, "sast", "flawfinder", 0, 0, 0, 0, ""});
  auto dispatched = Dispatches(scheduler.Tick(now_));
  ASSERT_EQ(dispatched.size(), 1u);
  ASSERT_TRUE(scheduler.OnAccepted("w1", 1, dispatched[0].attempt, now_));
  // It leaves while still reporting the attempt: the attempt stays with it
  // until its lease ends, so the worker is kept as long.
  HeartbeatReport leaving = Running({{1, dispatched[0].attempt}});
  leaving.leaving = true;
  scheduler.OnHeartbeat("w1", leaving, now_);
  now_ += 2000;  // past the retention, not past the 3 s lease
  EXPECT_TRUE(Forgotten(scheduler.Tick(now_)).empty());
  now_ += 2000;  // the lease expired: the attempt is requeued
  std::vector<Decision> decisions = scheduler.Tick(now_);
  EXPECT_EQ(Requeues(decisions).size(), 1u);
  now_ += 1000;
  EXPECT_EQ(Forgotten(scheduler.Tick(now_)), std::vector<std::string>{"w1"});
}

}  // namespace
}  // namespace scanfleet
