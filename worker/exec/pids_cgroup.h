// PidsCgroup: a per-run child of a pids cgroup directory (cgroup v1 "pids"
// hierarchy, or a delegated v2 directory with the pids controller) whose
// pids.max bounds how many processes and threads one scanner run may have,
// whatever its uid. The spawned child joins it itself before it can fork
// (it writes to procs_path()), so nothing of the run is ever outside it.
//
// KillAll() SIGKILLs whatever is still in it, also processes that left the
// run's process group (setsid), until it is empty or a deadline passes; the
// destructor removes the directory.
// Thread-safety: each PidsCgroup is owned by one RunProcess call.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status/status.h"

namespace scanfleet {

class PidsCgroup {
 public:
  // Creates "<parent>/run-<pid>-<n>" with pids.max = max_pids. Unavailable
  // when the parent is missing or not writable (not root, cgroup v2 without
  // delegation): callers then rely on RLIMIT_NPROC alone.
  static StatusOr<PidsCgroup> Create(const std::string& parent, uint64_t max_pids);
  // Makes the parent directory if needed, removes run cgroups left by workers
  // that died (SIGKILL leaves no time to clean up; their processes died with
  // them, PR_SET_PDEATHSIG) and checks that a run cgroup can be made in it
  // (used once at worker start).
  static Status Probe(const std::string& parent);

  PidsCgroup(PidsCgroup&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PidsCgroup& operator=(PidsCgroup&&) = delete;
  PidsCgroup(const PidsCgroup&) = delete;
  ~PidsCgroup();

  const std::string& path() const { return path_; }
  std::string procs_path() const { return path_ + "/cgroup.procs"; }
  // Sends `signal` once to every process in it.
  void SignalAll(int signal) const;
  // True when no live process is left in it.
  bool KillAll(std::chrono::milliseconds within);

 private:
  explicit PidsCgroup(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace scanfleet
