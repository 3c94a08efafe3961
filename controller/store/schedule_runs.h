// What each scheduled scan last did, persisted in the schedule_runs table.
// Thread-safety: like Database, owned by the controller loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"

namespace scanfleet {

struct ScheduleRun {
  TimeMs last_slot_ms = 0;    // last slot fired or skipped; later slots are due
  uint64_t last_scan_id = 0;  // scan of the last fired slot (0: none)
  uint64_t skipped = 0;       // slots skipped by the overlap policy
};

// Every stored run, by schedule name.
StatusOr<std::map<std::string, ScheduleRun>> LoadScheduleRuns(Database& db);
// Inserts or replaces a schedule's run (inside the caller's transaction).
Status SaveScheduleRun(Database& db, const std::string& name, const ScheduleRun& run);

}  // namespace scanfleet
