// PrepareScannerSandbox: turns the worker's --scanner-* and --sast-network
// flags into the ScannerSandbox every scanner run uses, once at start:
// resolves the scanner user (default: "nobody" when the worker runs as root,
// because RLIMIT_NPROC does not bind root), makes sure that user can reach the
// work directory, checks the pids cgroup parent and whether this host allows
// new network namespaces, and logs what it will and will not get.
// Thread-safety: call once, before job threads start.
#pragma once

#include <cstdint>
#include <string>

#include "common/status/status.h"
#include "worker/exec/sandbox_options.h"

namespace scanfleet {

struct ScannerSandboxFlags {
  std::string user = "auto";  // "auto": nobody when root; "self": the worker's user; a name
  uint64_t max_memory_mb = 4096;
  uint64_t max_cpu_seconds = 0;  // 0: each run's timeout
  uint64_t max_open_files = 1024;
  uint64_t max_processes = 512;
  uint64_t max_file_size_mb = 1024;
  std::string pids_cgroup = "/sys/fs/cgroup/pids/scanfleet";  // empty: none
  std::string sast_network = "isolate";                       // or "allow"
};

// FailedPrecondition when the scanner user cannot reach work_dir, NotFound for
// an unknown user, InvalidArgument for bad flag values.
StatusOr<ScannerSandbox> PrepareScannerSandbox(const ScannerSandboxFlags& flags,
                                               const std::string& work_dir);

}  // namespace scanfleet
