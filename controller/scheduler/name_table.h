// NameTable: interns the short names a scheduler record refers to (pool,
// scanner, DAST target host, worker id) as small integer ids, so that a queued
// job costs a few dozen bytes instead of four std::strings (a million queued
// jobs are held in memory). Names are never removed: their number is bounded
// by the fleet's configuration and membership, not by the number of jobs.
// Id 0 is the empty string.
// Thread-safety: not thread-safe; owned by the Scheduler.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace scanfleet {

class NameTable {
 public:
  NameTable() { names_.emplace_back(); }

  uint32_t Intern(std::string_view name) {
    if (name.empty()) return 0;
    auto it = ids_.find(std::string(name));
    if (it != ids_.end()) return it->second;
    auto id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), id);
    return id;
  }
  // The name of an id Intern() returned (references stay valid: a deque).
  const std::string& Name(uint32_t id) const { return names_[id]; }

 private:
  std::deque<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
};

}  // namespace scanfleet
