// ConcurrencyLimits; see concurrency_limits.h.
#include "controller/scheduler/concurrency_limits.h"

#include <limits>

namespace scanfleet {

int64_t ConcurrencyLimits::PoolRoom(const std::string& pool) const {
  auto cap = config_.pool_max_running.find(pool);
  if (cap == config_.pool_max_running.end()) return std::numeric_limits<int32_t>::max();
  auto used = pool_in_flight_.find(pool);
  return static_cast<int64_t>(cap->second) - (used == pool_in_flight_.end() ? 0 : used->second);
}

bool ConcurrencyLimits::TargetMayStart(const std::string& target, TimeMs now) const {
  if (target.empty()) return true;
  auto running = target_in_flight_.find(target);
  if (config_.per_target_max_running > 0 && running != target_in_flight_.end() &&
      running->second >= static_cast<int64_t>(config_.per_target_max_running)) {
    return false;
  }
  auto last = target_last_start_.find(target);
  return last == target_last_start_.end() ||
         now - last->second >= config_.per_target_min_interval_ms;
}

void ConcurrencyLimits::Started(const std::string& pool, const std::string& target, TimeMs now) {
  ++pool_in_flight_[pool];
  if (target.empty()) return;
  ++target_in_flight_[target];
  target_last_start_[target] = now;
}

void ConcurrencyLimits::Stopped(const std::string& pool, const std::string& target) {
  if (--pool_in_flight_[pool] <= 0) pool_in_flight_.erase(pool);
  if (target.empty()) return;
  if (--target_in_flight_[target] <= 0) target_in_flight_.erase(target);
}

}  // namespace scanfleet
