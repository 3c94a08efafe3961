// NameTable: interns the short names a scheduler record refers to (pool,
// scanner, DAST target host, worker id) as small integer ids, so that a queued
// job costs a few dozen bytes instead of four std::strings (a million queued
// jobs are held in memory). Pool, scanner and target names are never removed:
// their number is bounded by the fleet's configuration. Worker ids, which
// every worker restart adds ("HOSTNAME-PID"), live in a table of their own
// whose ids are released when the scheduler forgets the worker and reused.
// Id 0 is the empty string.
// Thread-safety: not thread-safe; owned by the Scheduler.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace scanfleet {

class NameTable {
 public:
  NameTable() { names_.emplace_back(); }

  uint32_t Intern(std::string_view name) {
    if (name.empty()) return 0;
    auto it = ids_.find(std::string(name));
    if (it != ids_.end()) return it->second;
    uint32_t id;
    if (free_ids_.empty()) {
      id = static_cast<uint32_t>(names_.size());
      names_.emplace_back(name);
    } else {
      id = free_ids_.back();
      free_ids_.pop_back();
      names_[id] = name;
    }
    ids_.emplace(names_[id], id);
    return id;
  }
  // The name of an id Intern() returned (references stay valid: a deque).
  const std::string& Name(uint32_t id) const { return names_[id]; }
  // Forgets `name`; its id may be handed out again, so only for a name that
  // no record refers to any more. No-op for an unknown name.
  void Release(std::string_view name) {
    auto it = ids_.find(std::string(name));
    if (it == ids_.end()) return;
    uint32_t id = it->second;
    ids_.erase(it);
    names_[id].clear();
    free_ids_.push_back(id);
  }
  // Names interned and not released.
  size_t size() const { return ids_.size(); }

 private:
  std::deque<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<uint32_t> free_ids_;
};

}  // namespace scanfleet
