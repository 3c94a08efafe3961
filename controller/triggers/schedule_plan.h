// The decision core of scheduled scans: given a schedule, what it last did and
// the current time, whether a slot is due and whether to fire or skip it.
// It never reads a clock, the database or a socket: the controller loop feeds
// it the time and the state and carries out the decision.
//
// After downtime a schedule fires at most once: the due slot is the latest
// one at or before `now`, and every earlier missed slot is dropped.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/time/clock.h"
#include "controller/store/schedule_runs.h"
#include "controller/triggers/cron.h"

namespace scanfleet {

enum class OverlapPolicy { kSkip, kQueue };

struct ScheduleDecision {
  enum class Kind { kNothing, kFire, kSkip };
  Kind kind = Kind::kNothing;
  TimeMs slot_ms = 0;   // the due slot (kFire, kSkip)
  uint64_t missed = 0;  // earlier due slots dropped after downtime
};

// The slot due at `now`, if any: the latest fire time in (run.last_slot_ms, now].
// `missed` counts the earlier ones (approximate after a very long downtime).
std::optional<TimeMs> DueSlot(const CronExpression& cron, TimeMs last_slot_ms, TimeMs now,
                              uint64_t* missed);

// `previous_unfinished`: the scan of run.last_scan_id is queued or running.
ScheduleDecision DecideSchedule(const CronExpression& cron, OverlapPolicy overlap,
                                const ScheduleRun& run, bool previous_unfinished, TimeMs now);

// When the loop must next look at this schedule (nullopt: never again).
std::optional<TimeMs> NextWake(const CronExpression& cron, const ScheduleRun& run);

}  // namespace scanfleet
