#include "worker/exec/process_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "worker/exec/pids_cgroup.h"
#include "worker/exec/sandboxed_spawn.h"
#include "worker/exec/unique_fd.h"

namespace scanfleet {

namespace {

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

// The program's path: argv[0] itself when it has a slash, else the first
// executable match on the child's PATH (not this process's).
StatusOr<std::string> ResolveProgram(const ProcessSpec& spec) {
  const std::string& program = spec.argv[0];
  if (program.find('/') != std::string::npos) return program;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& var : spec.env) {
    if (var.rfind("PATH=", 0) == 0) path = var.substr(5);
  }
  for (size_t start = 0; start <= path.size();) {
    size_t colon = std::min(path.find(':', start), path.size());
    std::string candidate = path.substr(start, colon - start) + "/" + program;
    if (colon > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return Status::NotFound("program '" + program + "' not found on PATH");
}

}  // namespace

std::vector<std::string> MinimalEnvironment(const std::string& home) {
  const char* path = std::getenv("PATH");
  return {std::string("PATH=") + (path ? path : "/usr/local/bin:/usr/bin:/bin"), "HOME=" + home,
          "TMPDIR=" + home, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"};
}

StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec, const CancelSignal* cancel) {
  if (spec.argv.empty()) return Status::InvalidArgument("empty argv");
  ASSIGN_OR_RETURN(std::string program, ResolveProgram(spec));
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::Internal("pipe failed");
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Status::Internal("pipe failed");
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);

  ProcessResult result;
  std::optional<PidsCgroup> cgroup;
  if (!spec.pids_cgroup_parent.empty()) {
    auto created = PidsCgroup::Create(spec.pids_cgroup_parent, spec.limits.processes);
    if (created.ok()) {
      cgroup.emplace(std::move(created).value());
    } else {
      result.pids_cgroup_failed = true;
    }
  }
  SpawnRequest request;
  request.program = std::move(program);
  request.argv = spec.argv;
  request.env = spec.env;
  request.cwd = spec.cwd;
  request.stdout_fd = out_write.get();
  request.stderr_fd = err_write.get();
  request.limits = spec.limits;
  request.timeout_ms = spec.timeout_ms;
  request.run_as = spec.run_as;
  request.cgroup_procs_path = cgroup ? cgroup->procs_path() : "";
  request.isolate_network = spec.isolate_network;

  auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(SpawnedChild child, SpawnSandboxed(request));
  pid_t pid = child.pid;
  result.pid = pid;
  out_write.Reset();
  err_write.Reset();
  result.network_isolated = child.network_isolated;
  result.network_isolation_failed = child.network_isolation_failed;
  result.pids_cgroup_failed |= child.cgroup_join_failed;

  auto deadline = started + std::chrono::milliseconds(spec.timeout_ms);
  // Readable when the child exits: then its group is killed so a grandchild
  // holding our pipes open cannot keep us reading until the deadline.
  UniqueFd exited(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  bool out_open = true, err_open = true, killed = false, group_killed = false;
  auto kill_everything = [&] {
    kill(-pid, SIGKILL);
    if (cgroup) cgroup->SignalAll(SIGKILL);  // also what left the group
  };
  char buffer[65536];
  while (out_open || err_open) {
    auto now = std::chrono::steady_clock::now();
    if (!killed && now >= deadline) {
      result.timed_out = true;
      kill_everything();
      killed = true;
    }
    if (!killed && cancel != nullptr && cancel->cancelled()) {
      result.cancelled = true;
      kill_everything();
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
      kill_everything();
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
  if (cgroup) cgroup->KillAll(std::chrono::seconds(5));  // and whatever left the group
  result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

}  // namespace scanfleet
