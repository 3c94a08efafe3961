// PrepareScannerSandbox; see sandbox_setup.h.
#include "worker/job/sandbox_setup.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "worker/exec/pids_cgroup.h"
#include "worker/exec/process_runner.h"

namespace scanfleet {

namespace {

// The scanner user must be able to search every directory down to work_dir
// (its workspaces are given to it, their parents are not).
Status MakeReachable(const std::string& work_dir, const RunAsUser& user) {
  std::error_code error;
  std::filesystem::create_directories(work_dir, error);
  if (error) return Status::Internal("cannot create " + work_dir + ": " + error.message());
  std::filesystem::path dir = std::filesystem::absolute(work_dir, error);
  struct stat info;
  if (stat(dir.c_str(), &info) != 0) return Status::Internal("cannot stat " + dir.string());
  if ((info.st_mode & S_IXOTH) == 0 && chmod(dir.c_str(), (info.st_mode & 07777) | S_IXOTH) != 0) {
    return Status::Internal("cannot make " + dir.string() + " searchable");
  }
  for (auto parent = dir.parent_path(); !parent.empty(); parent = parent.parent_path()) {
    if (stat(parent.c_str(), &info) == 0 && (info.st_mode & S_IXOTH) == 0 &&
        info.st_uid != user.uid) {
      return Status::FailedPrecondition(
          "scanner user '" + user.name + "' cannot reach --work-dir " + dir.string() + ": " +
          parent.string() +
          " is not searchable by others (chmod o+x it, or choose another "
          "--work-dir, or --scanner-user self)");
    }
    if (parent == parent.root_path()) break;
  }
  return Status::Ok();
}

StatusOr<std::optional<RunAsUser>> ResolveUser(const std::string& user) {
  bool root = geteuid() == 0;
  if (user == "self" || (user == "auto" && !root)) return std::optional<RunAsUser>();
  if (!root) {
    return Status::InvalidArgument("--scanner-user " + user + " needs the worker to run as root");
  }
  ASSIGN_OR_RETURN(RunAsUser found, LookUpRunAsUser(user == "auto" ? "nobody" : user));
  if (found.uid == 0) return Status::InvalidArgument("--scanner-user must not be root");
  return std::optional<RunAsUser>(found);
}

}  // namespace

StatusOr<ScannerSandbox> PrepareScannerSandbox(const ScannerSandboxFlags& flags,
                                               const std::string& work_dir) {
  if (flags.sast_network != "isolate" && flags.sast_network != "allow") {
    return Status::InvalidArgument("--sast-network must be isolate or allow");
  }
  ScannerSandbox sandbox;
  sandbox.limits.address_space_bytes = flags.max_memory_mb << 20;
  sandbox.limits.cpu_seconds = flags.max_cpu_seconds;
  sandbox.limits.open_files = flags.max_open_files;
  sandbox.limits.processes = flags.max_processes;
  sandbox.limits.file_size_bytes = flags.max_file_size_mb << 20;
  sandbox.isolate_sast_network = flags.sast_network == "isolate";
  ASSIGN_OR_RETURN(sandbox.run_as, ResolveUser(flags.user));
  if (sandbox.run_as) {
    RETURN_IF_ERROR(MakeReachable(work_dir, *sandbox.run_as));
  } else if (geteuid() == 0) {
    spdlog::warn("scanners run as root (--scanner-user self): RLIMIT_NPROC does not bind them");
  }
  if (!flags.pids_cgroup.empty()) {
    if (auto probe = PidsCgroup::Probe(flags.pids_cgroup); probe.ok()) {
      sandbox.pids_cgroup_parent = flags.pids_cgroup;
    } else {
      spdlog::warn("no pids cgroup for scanners ({}); only RLIMIT_NPROC bounds their processes",
                   probe.message());
    }
  }
  if (sandbox.isolate_sast_network) {
    ProcessSpec probe;
    probe.argv = {"true"};
    probe.cwd = "/";
    probe.env = MinimalEnvironment("/tmp");
    probe.timeout_ms = 10000;
    probe.isolate_network = true;
    auto ran = RunProcess(probe);
    if (!ran.ok() || !ran->network_isolated) {
      spdlog::warn(
          "this host refuses new network namespaces: SAST scanners will run WITH network "
          "access");
    }
  }
  spdlog::info(
      "scanner sandbox: user {}, memory {} MiB, cpu {}, open files {}, processes {}, file "
      "size {} MiB, pids cgroup {}, SAST network {}",
      sandbox.run_as ? sandbox.run_as->name : "(the worker's)", flags.max_memory_mb,
      flags.max_cpu_seconds == 0 ? std::string("= timeout")
                                 : std::to_string(flags.max_cpu_seconds) + " s",
      flags.max_open_files, flags.max_processes, flags.max_file_size_mb,
      sandbox.pids_cgroup_parent.empty() ? "none" : sandbox.pids_cgroup_parent,
      sandbox.isolate_sast_network ? "isolated" : "allowed");
  return sandbox;
}

}  // namespace scanfleet
