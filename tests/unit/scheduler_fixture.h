// Shared fixture of the scheduler core tests: a scheduler with a fake clock
// and helpers to pick decisions apart.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "controller/scheduler/scheduler.h"

namespace scanfleet {

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
             std::set<std::string> scanners = {"flawfinder", "bandit"}, uint32_t prefetch = 0) {
    scheduler_.OnWorkerHello(worker, {"sast"}, std::move(scanners), slots, now_, prefetch);
  }
  void HelloWithPrefetch(const std::string& worker, uint32_t slots, uint32_t prefetch) {
    Hello(worker, slots, {"flawfinder", "bandit"}, prefetch);
  }
  // Accepts and finishes (successfully) a dispatched attempt on its worker.
  void RunToEnd(const DispatchJob& job) {
    ASSERT_TRUE(scheduler_.OnAccepted(job.worker_id, job.job_id, job.attempt, now_));
    ASSERT_EQ(
        scheduler_.OnResult(job.worker_id, job.job_id, job.attempt, FailureClass::kNone, now_).kind,
        ResultVerdict::Kind::kSucceeded);
  }
  // Ticks, expects exactly one dispatch and runs it to the end (the worker has
  // then just turned a job over).
  void DispatchAndFinishOne() {
    auto dispatched = Dispatches(scheduler_.Tick(now_));
    ASSERT_EQ(dispatched.size(), 1u);
    RunToEnd(dispatched[0]);
  }
  WorkerView View(const std::string& worker) {
    for (const WorkerView& view : scheduler_.Workers(now_)) {
      if (view.worker_id == worker) return view;
    }
    ADD_FAILURE() << "no worker " << worker;
    return {};
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

}  // namespace scanfleet
