// What confines one scanner process besides its process group: resource
// limits, the unprivileged user it runs as, the pids cgroup that bounds how
// many processes it may have and whether it gets a network.
//
// Plain values filled from the worker's flags (worker/flags/worker_flags.cc) and applied by
// SpawnSandboxed (sandboxed_spawn.h) in the child between fork and exec.
// RLIMIT_NPROC counts every process of the child's real uid and is not
// enforced for root, which is why a root worker runs scanners as RunAsUser.
// Thread-safety: values; LookUpRunAsUser is reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status/status.h"

namespace scanfleet {

struct ResourceLimits {
  uint64_t cpu_seconds = 0;  // RLIMIT_CPU; 0: the wall-clock timeout in seconds, plus one
  uint64_t address_space_bytes = uint64_t{4} << 30;  // RLIMIT_AS
  uint64_t open_files = 1024;                        // RLIMIT_NOFILE
  uint64_t processes = 512;  // RLIMIT_NPROC (per uid) and the pids cgroup's pids.max
  uint64_t file_size_bytes = uint64_t{1} << 30;  // RLIMIT_FSIZE: larger writes get SIGXFSZ
  // RLIMIT_CORE is always 0: a scanner never dumps core.
};

// The CPU seconds actually applied for a run with this wall-clock timeout.
uint64_t EffectiveCpuSeconds(const ResourceLimits& limits, int64_t timeout_ms);

struct RunAsUser {
  std::string name;  // for messages
  uint32_t uid = 0;
  uint32_t gid = 0;  // the only group the child keeps
};

// NotFound when the user does not exist.
StatusOr<RunAsUser> LookUpRunAsUser(const std::string& name);

// How the worker sandboxes every scanner it runs (flags of scanfleet-worker).
struct ScannerSandbox {
  ResourceLimits limits;
  std::optional<RunAsUser> run_as;   // empty: scanners run as the worker's user
  std::string pids_cgroup_parent;    // per-run pids cgroups are made here; empty: none
  bool isolate_sast_network = true;  // SAST scanners get a fresh, empty network namespace
};

}  // namespace scanfleet
