// DrainPlan under a hand-driven clock: finishing within the grace, handing
// jobs back once the grace is over, the bounded wait for acknowledgements.
// Thread-safety: single-threaded tests.
#include "worker/session/drain_plan.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

constexpr TimeMs kStart = 10'000;

DrainPlan MakePlan() { return DrainPlan(DrainConfig{/*grace_ms=*/3000, /*ack_wait_ms=*/500}); }

TEST(DrainPlanTest, ServingDoesNothing) {
  DrainPlan plan = MakePlan();
  DrainPlan::Step step = plan.Tick(kStart + 1'000'000, 2, 3);
  EXPECT_FALSE(step.hand_back_running);
  EXPECT_FALSE(step.leave);
  EXPECT_FALSE(plan.draining());
  EXPECT_EQ(plan.NextDeadline(), DrainPlan::kNever);
}

TEST(DrainPlanTest, IdleWorkerWithEverythingAcknowledgedLeavesAtOnce) {
  DrainPlan plan = MakePlan();
  plan.Begin(kStart);
  EXPECT_TRUE(plan.draining());
  DrainPlan::Step step = plan.Tick(kStart, 0, 0);
  EXPECT_FALSE(step.hand_back_running);
  EXPECT_TRUE(step.leave);
  EXPECT_TRUE(plan.left());
  EXPECT_FALSE(plan.Tick(kStart + 1, 0, 0).leave);  // said once
}

TEST(DrainPlanTest, JobsFinishingWithinTheGraceAreNotHandedBack) {
  DrainPlan plan = MakePlan();
  plan.Begin(kStart);
  EXPECT_EQ(plan.NextDeadline(), kStart + 3000);
  for (TimeMs now = kStart; now < kStart + 3000; now += 100) {
    DrainPlan::Step step = plan.Tick(now, 2, 0);
    ASSERT_FALSE(step.hand_back_running) << now - kStart;
    ASSERT_FALSE(step.leave);
  }
  // The jobs finished; their results wait for acknowledgement.
  EXPECT_FALSE(plan.Tick(kStart + 2999, 0, 2).leave);
  EXPECT_EQ(plan.phase(), DrainPlan::Phase::kAwaitingAcks);
  EXPECT_FALSE(plan.Tick(kStart + 3100, 0, 1).hand_back_running);
  EXPECT_TRUE(plan.Tick(kStart + 3200, 0, 0).leave);  // acknowledged before the wait ran out
}

TEST(DrainPlanTest, GraceOverHandsRunningJobsBackOnceThenWaitsForTheirThreads) {
  DrainPlan plan = MakePlan();
  plan.Begin(kStart);
  EXPECT_FALSE(plan.Tick(kStart + 2999, 1, 0).hand_back_running);
  DrainPlan::Step step = plan.Tick(kStart + 3000, 1, 0);
  EXPECT_TRUE(step.hand_back_running);
  EXPECT_FALSE(step.leave);
  EXPECT_EQ(plan.phase(), DrainPlan::Phase::kStoppingJobs);
  // The cancelled thread takes a while to stop: nothing more to do meanwhile.
  for (TimeMs now = kStart + 3000; now < kStart + 60'000; now += 1000) {
    step = plan.Tick(now, 1, 0);
    ASSERT_FALSE(step.hand_back_running);
    ASSERT_FALSE(step.leave);
  }
  EXPECT_TRUE(plan.Tick(kStart + 60'000, 0, 0).leave);
}

TEST(DrainPlanTest, WaitForAcknowledgementsIsBounded) {
  DrainPlan plan = MakePlan();
  plan.Begin(kStart);
  EXPECT_FALSE(plan.Tick(kStart + 100, 0, 3).leave);
  EXPECT_EQ(plan.NextDeadline(), kStart + 600);
  EXPECT_FALSE(plan.Tick(kStart + 599, 0, 3).leave);
  EXPECT_TRUE(plan.Tick(kStart + 600, 0, 3).leave);  // results stay spooled
}

TEST(DrainPlanTest, ASecondStopRequestChangesNothing) {
  DrainPlan plan = MakePlan();
  plan.Begin(kStart);
  plan.Begin(kStart + 2000);  // would move the grace deadline if it counted
  EXPECT_EQ(plan.NextDeadline(), kStart + 3000);
  EXPECT_TRUE(plan.Tick(kStart + 3000, 1, 0).hand_back_running);
}

TEST(DrainPlanTest, ZeroGraceHandsBackAtOnce) {
  DrainPlan plan(DrainConfig{/*grace_ms=*/0, /*ack_wait_ms=*/0});
  plan.Begin(kStart);
  EXPECT_TRUE(plan.Tick(kStart, 2, 0).hand_back_running);
  EXPECT_TRUE(plan.Tick(kStart + 10, 0, 5).leave);  // no wait for acknowledgements
}

}  // namespace
}  // namespace scanfleet
