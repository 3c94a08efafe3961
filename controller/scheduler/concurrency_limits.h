// ConcurrencyLimits: how many jobs may be in flight per pool, and per DAST
// target (a host), and how soon jobs against one target may start after each
// other, so a fleet never hammers one host or floods one pool. Part of the
// scheduler core: plain counters, the time comes in as an argument.
// Thread-safety: not thread-safe; owned by the Scheduler.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/time/clock.h"

namespace scanfleet {

struct LimitsConfig {
  uint32_t per_target_max_running = 1;        // DAST jobs in flight per target host (0: no cap)
  DurationMs per_target_min_interval_ms = 0;  // between two job starts on one target
  std::map<std::string, uint32_t> pool_max_running;  // in-flight cap per pool (absent: none)
};

class ConcurrencyLimits {
 public:
  explicit ConcurrencyLimits(LimitsConfig config) : config_(std::move(config)) {}

  // Jobs the pool may still start (a large number when uncapped).
  int64_t PoolRoom(const std::string& pool) const;
  // Whether a job against `target` may start now ("" = not a DAST job: always).
  bool TargetMayStart(const std::string& target, TimeMs now) const;
  // Bookkeeping: a job of that pool and target was dispatched / left flight.
  void Started(const std::string& pool, const std::string& target, TimeMs now);
  void Stopped(const std::string& pool, const std::string& target);

 private:
  LimitsConfig config_;
  std::map<std::string, int64_t> pool_in_flight_;
  std::map<std::string, int64_t> target_in_flight_;
  std::map<std::string, TimeMs> target_last_start_;
};

}  // namespace scanfleet
