#include "controller/triggers/schedule_plan.h"

namespace scanfleet {

namespace {
// After a very long downtime with a per-second schedule, stop counting missed
// slots here and jump to the latest (the count is for logs only).
constexpr uint64_t kMaxSlotsWalked = 100000;
constexpr TimeMs kDayMs = 24LL * 3600 * 1000;
}  // namespace

std::optional<TimeMs> DueSlot(const CronExpression& cron, TimeMs last_slot_ms, TimeMs now,
                              uint64_t* missed) {
  std::optional<TimeMs> due;
  uint64_t count = 0;
  TimeMs cursor = last_slot_ms;
  while (auto next = cron.NextAfter(cursor)) {
    if (*next > now) break;
    due = next;
    cursor = *next;
    // A dense schedule after a long downtime: jump to the last day.
    if (++count % kMaxSlotsWalked == 0 && cursor < now - kDayMs) cursor = now - kDayMs;
  }
  if (missed) *missed = due ? count - 1 : 0;
  return due;
}

ScheduleDecision DecideSchedule(const CronExpression& cron, OverlapPolicy overlap,
                                const ScheduleRun& run, bool previous_unfinished, TimeMs now) {
  ScheduleDecision decision;
  uint64_t missed = 0;
  std::optional<TimeMs> slot = DueSlot(cron, run.last_slot_ms, now, &missed);
  if (!slot) return decision;
  decision.slot_ms = *slot;
  decision.missed = missed;
  decision.kind = overlap == OverlapPolicy::kSkip && previous_unfinished
                      ? ScheduleDecision::Kind::kSkip
                      : ScheduleDecision::Kind::kFire;
  return decision;
}

std::optional<TimeMs> NextWake(const CronExpression& cron, const ScheduleRun& run) {
  return cron.NextAfter(run.last_slot_ms);
}

}  // namespace scanfleet
