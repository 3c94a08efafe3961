// Test helpers that read /proc: which processes are alive (zombies count as
// dead: the host's init reaps them lazily), by process group, and waiting for
// a condition with a deadline instead of sleeping.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace scanfleet::testing {

struct ProcEntry {
  pid_t pid = 0;
  char state = '?';
  pid_t process_group = 0;
};

// Fields of /proc/<pid>/stat after the command name; false when gone.
inline bool ReadProcEntry(pid_t pid, ProcEntry& entry) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(text.substr(paren + 1));
  pid_t parent = 0;
  entry.pid = pid;
  fields >> entry.state >> parent >> entry.process_group;
  return static_cast<bool>(fields);
}

inline bool Alive(pid_t pid) {
  ProcEntry entry;
  return ReadProcEntry(pid, entry) && entry.state != 'Z' && entry.state != 'X';
}

inline std::vector<pid_t> LiveProcessesInGroup(pid_t process_group) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(atoi(entry->d_name));
    ProcEntry info;
    if (pid > 0 && ReadProcEntry(pid, info) && info.process_group == process_group &&
        info.state != 'Z' && info.state != 'X') {
      found.push_back(pid);
    }
  }
  closedir(proc);
  return found;
}

// Polls `condition` until it holds or `within` has passed; returns its last value.
inline bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::yield();
  }
  return true;
}

// SIGKILLs every live member of a process group when it goes out of scope,
// so a failed assertion never leaves a test's processes behind.
class GroupReaper {
 public:
  explicit GroupReaper(pid_t process_group) : process_group_(process_group) {}
  ~GroupReaper() {
    if (process_group_ <= 0) return;
    WaitFor(
        [this] {
          kill(-process_group_, SIGKILL);
          return LiveProcessesInGroup(process_group_).empty();
        },
        std::chrono::seconds(10));
  }
  GroupReaper(const GroupReaper&) = delete;
  GroupReaper& operator=(const GroupReaper&) = delete;

 private:
  pid_t process_group_;
};

}  // namespace scanfleet::testing
