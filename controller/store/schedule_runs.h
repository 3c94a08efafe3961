// ScheduleRuns: what each scheduled scan last did (the schedule_runs table),
// so a restarted controller never fires a slot twice. Owned by the
// ControllerStore; TriggerHub is its only user.
//
// Save() writes inside the caller's open transaction: the loop's, so a fired
// slot commits together with the scan it created.
// Thread-safety: like Database, used on the controller loop thread only.
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

class ScheduleRuns {
 public:
  explicit ScheduleRuns(Database& db) : db_(db) {}

  // Every stored run, by schedule name.
  StatusOr<std::map<std::string, ScheduleRun>> LoadAll();
  // Inserts or replaces a schedule's run.
  Status Save(const std::string& name, const ScheduleRun& run);

 private:
  Database& db_;
};

}  // namespace scanfleet
