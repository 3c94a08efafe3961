#include "worker/exec/process_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace scanfleet {

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Appends to `out`; past `cap`, stdout drops new bytes, stderr keeps a tail.
void Append(std::string& out, const char* data, size_t size, size_t cap, bool keep_tail,
            bool& truncated) {
  if (!keep_tail) {
    size_t room = out.size() < cap ? cap - out.size() : 0;
    out.append(data, std::min(room, size));
    if (size > room) truncated = true;
    return;
  }
  out.append(data, size);
  if (out.size() > cap) {
    out.erase(0, out.size() - cap);
    truncated = true;
  }
}

}  // namespace

std::vector<std::string> MinimalEnvironment(const std::string& home) {
  const char* path = std::getenv("PATH");
  return {std::string("PATH=") + (path ? path : "/usr/local/bin:/usr/bin:/bin"), "HOME=" + home,
          "TMPDIR=" + home, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"};
}

StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec, const CancelSignal* cancel) {
  if (spec.argv.empty()) return Status::InvalidArgument("empty argv");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::Internal("pipe failed");
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Status::Internal("pipe failed");
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty_mask, default_signals;
  sigemptyset(&empty_mask);
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv, envp;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (const auto& var : spec.env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);
  // posix_spawnp searches the PATH of *this* process; resolve against the
  // child's PATH ourselves when the name has no slash.
  std::string program = spec.argv[0];
  if (program.find('/') == std::string::npos) {
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& var : spec.env) {
      if (var.rfind("PATH=", 0) == 0) path = var.substr(5);
    }
    std::string found;
    for (size_t start = 0; start <= path.size();) {
      size_t colon = std::min(path.find(':', start), path.size());
      std::string candidate = path.substr(start, colon - start) + "/" + program;
      if (colon > start && access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
      start = colon + 1;
    }
    if (found.empty()) {
      posix_spawn_file_actions_destroy(&actions);
      posix_spawnattr_destroy(&attr);
      return Status::NotFound("program '" + program + "' not found on PATH");
    }
    program = found;
  }

  auto started = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT || rc == EACCES) {
    return Status::NotFound("program '" + spec.argv[0] + "' cannot be run: " + strerror(rc));
  }
  if (rc != 0) return Status::Internal("spawning " + spec.argv[0] + ": " + strerror(rc));
  out_write.Reset();
  err_write.Reset();

  ProcessResult result;
  auto deadline = started + std::chrono::milliseconds(spec.timeout_ms);
  // Readable when the child exits: then its group is killed so a grandchild
  // holding our pipes open cannot keep us reading until the deadline.
  Fd exited(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  bool out_open = true, err_open = true, killed = false, group_killed = false;
  char buffer[65536];
  while (out_open || err_open) {
    auto now = std::chrono::steady_clock::now();
    if (!killed && now >= deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      killed = true;
    }
    if (!killed && cancel != nullptr && cancel->cancelled()) {
      result.cancelled = true;
      kill(-pid, SIGKILL);
      killed = true;
    }
    if (killed) break;  // grandchildren may hold the pipes open: stop reading
    int timeout = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
    pollfd fds[4] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                     {err_open ? err_read.get() : -1, POLLIN, 0},
                     {cancel ? cancel->fd() : -1, POLLIN, 0},
                     {group_killed ? -1 : exited.get(), POLLIN, 0}};
    int ready = poll(fds, 4, timeout);
    if (ready < 0 && errno != EINTR) break;
    if (fds[3].revents & POLLIN) {
      kill(-pid, SIGKILL);
      group_killed = true;
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        if (i == 0) {
          Append(result.stdout_data, buffer, static_cast<size_t>(n), spec.max_stdout_bytes, false,
                 result.stdout_truncated);
        } else {
          Append(result.stderr_data, buffer, static_cast<size_t>(n), spec.max_stderr_bytes, true,
                 result.stderr_truncated);
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  kill(-pid, SIGKILL);  // whatever the child left behind in its group
  result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

}  // namespace scanfleet
