// PidsCgroup; see pids_cgroup.h.
#include "worker/exec/pids_cgroup.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace scanfleet {

namespace {

std::atomic<uint64_t> next_run{0};

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  if (!out) return Status::Unavailable("cannot write " + path + ": " + strerror(errno));
  return Status::Ok();
}

std::vector<pid_t> ReadPids(const std::string& path) {
  std::ifstream in(path);
  std::vector<pid_t> pids;
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

// "run-<pid>-<n>" directories whose worker pid is gone.
void RemoveOrphans(const std::string& parent) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("run-", 0) != 0) continue;
    pid_t owner = static_cast<pid_t>(atoi(name.c_str() + 4));
    if (owner <= 0 || kill(owner, 0) == 0 || errno != ESRCH) continue;
    for (pid_t pid : ReadPids(entry.path().string() + "/cgroup.procs")) kill(pid, SIGKILL);
    rmdir(entry.path().c_str());
  }
}

}  // namespace

Status PidsCgroup::Probe(const std::string& parent) {
  if (mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + parent + ": " + strerror(errno));
  }
  RemoveOrphans(parent);
  ASSIGN_OR_RETURN(PidsCgroup probe, Create(parent, 1));
  return Status::Ok();
}

StatusOr<PidsCgroup> PidsCgroup::Create(const std::string& parent, uint64_t max_pids) {
  std::string path =
      parent + "/run-" + std::to_string(getpid()) + "-" + std::to_string(next_run.fetch_add(1));
  if (mkdir(path.c_str(), 0755) != 0) {
    return Status::Unavailable("cannot create pids cgroup " + path + ": " + strerror(errno));
  }
  PidsCgroup cgroup(path);
  RETURN_IF_ERROR(WriteFile(path + "/pids.max", std::to_string(max_pids)));
  return cgroup;
}

void PidsCgroup::SignalAll(int signal) const {
  for (pid_t pid : ReadPids(procs_path())) kill(pid, signal);
}

bool PidsCgroup::KillAll(std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (true) {
    std::vector<pid_t> pids = ReadPids(procs_path());
    if (pids.empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    for (pid_t pid : pids) kill(pid, SIGKILL);
    // Killed processes leave the cgroup as they exit; give them a moment.
    timespec pause{0, 2 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

PidsCgroup::~PidsCgroup() {
  if (path_.empty()) return;
  KillAll(std::chrono::milliseconds(2000));
  rmdir(path_.c_str());
}

}  // namespace scanfleet
