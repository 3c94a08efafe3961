#include "controller/triggers/schedule_plan.h"

#include <gtest/gtest.h>

#include "common/time/clock.h"

namespace scanfleet {
namespace {

constexpr TimeMs kStart = 1'700'000'000'000;  // 2023-11-14T22:13:20Z, a whole second

CronExpression EveryTwoSeconds() { return CronExpression::Parse("*/2 * * * * *").value(); }

TEST(SchedulePlanTest, NothingIsDueBeforeTheNextSlot) {
  FakeClock clock(kStart);
  ScheduleRun run;
  run.last_slot_ms = clock.NowMs();
  CronExpression cron = EveryTwoSeconds();
  EXPECT_EQ(NextWake(cron, run), kStart + 2000);
  clock.Advance(1999);
  EXPECT_EQ(DecideSchedule(cron, OverlapPolicy::kQueue, run, false, clock.NowMs()).kind,
            ScheduleDecision::Kind::kNothing);
  clock.Advance(1);
  ScheduleDecision decision =
      DecideSchedule(cron, OverlapPolicy::kQueue, run, false, clock.NowMs());
  EXPECT_EQ(decision.kind, ScheduleDecision::Kind::kFire);
  EXPECT_EQ(decision.slot_ms, kStart + 2000);
  EXPECT_EQ(decision.missed, 0u);
}

TEST(SchedulePlanTest, SkipPolicySkipsWhileThePreviousRunIsUnfinished) {
  FakeClock clock(kStart);
  ScheduleRun run;
  run.last_slot_ms = kStart;
  run.last_scan_id = 7;
  clock.Advance(2000);
  ScheduleDecision skip = DecideSchedule(EveryTwoSeconds(), OverlapPolicy::kSkip, run,
                                         /*previous_unfinished=*/true, clock.NowMs());
  EXPECT_EQ(skip.kind, ScheduleDecision::Kind::kSkip);
  EXPECT_EQ(skip.slot_ms, kStart + 2000);
  ScheduleDecision fire = DecideSchedule(EveryTwoSeconds(), OverlapPolicy::kSkip, run,
                                         /*previous_unfinished=*/false, clock.NowMs());
  EXPECT_EQ(fire.kind, ScheduleDecision::Kind::kFire);
}

TEST(SchedulePlanTest, QueuePolicyFiresEvenWhenThePreviousRunIsUnfinished) {
  ScheduleRun run;
  run.last_slot_ms = kStart;
  run.last_scan_id = 7;
  ScheduleDecision decision =
      DecideSchedule(EveryTwoSeconds(), OverlapPolicy::kQueue, run, true, kStart + 2000);
  EXPECT_EQ(decision.kind, ScheduleDecision::Kind::kFire);
}

TEST(SchedulePlanTest, AfterDowntimeOnlyTheLatestMissedSlotFires) {
  FakeClock clock(kStart);
  ScheduleRun run;
  run.last_slot_ms = kStart;
  clock.Advance(10'500);  // slots at +2, +4, +6, +8, +10 s were missed
  ScheduleDecision decision =
      DecideSchedule(EveryTwoSeconds(), OverlapPolicy::kQueue, run, false, clock.NowMs());
  EXPECT_EQ(decision.kind, ScheduleDecision::Kind::kFire);
  EXPECT_EQ(decision.slot_ms, kStart + 10'000);
  EXPECT_EQ(decision.missed, 4u);
  // Once that slot is recorded nothing else is due until the next one.
  run.last_slot_ms = decision.slot_ms;
  EXPECT_EQ(
      DecideSchedule(EveryTwoSeconds(), OverlapPolicy::kQueue, run, false, clock.NowMs()).kind,
      ScheduleDecision::Kind::kNothing);
  EXPECT_EQ(NextWake(EveryTwoSeconds(), run), kStart + 12'000);
}

TEST(SchedulePlanTest, ADayOfDowntimeOfAPerSecondScheduleStaysBounded) {
  CronExpression every_second = CronExpression::Parse("* * * * * *").value();
  ScheduleRun run;
  run.last_slot_ms = kStart;
  TimeMs now = kStart + 3LL * 24 * 3600 * 1000;
  ScheduleDecision decision = DecideSchedule(every_second, OverlapPolicy::kQueue, run, false, now);
  EXPECT_EQ(decision.kind, ScheduleDecision::Kind::kFire);
  EXPECT_EQ(decision.slot_ms, now);
  EXPECT_GT(decision.missed, 0u);
}

}  // namespace
}  // namespace scanfleet
