// SpawnSandboxed; see sandboxed_spawn.h. The child side (RunChild and its
// helpers) may only use async-signal-safe calls, must not allocate and writes
// to no memory but its own stack (it shares the parent's address space).
#include "worker/exec/sandboxed_spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "worker/exec/unique_fd.h"

namespace scanfleet {

namespace {

// Setup steps, as reported by the child through the report pipe.
enum Step : int32_t {
  kSetpgid = 1,
  kJoinCgroup,      // a warning: the run goes on without the cgroup
  kUnshareNetwork,  // a warning: the run goes on with the network
  kDescriptors,
  kRlimit,
  kSetgroups,
  kSetgid,
  kSetuid,
  kDeathSignal,
  kParentGone,
  kChdir,
  kExec,
};

const char* StepName(int32_t step) {
  switch (step) {
    case kSetpgid:
      return "setpgid";
    case kDescriptors:
      return "closing descriptors";
    case kRlimit:
      return "setrlimit";
    case kSetgroups:
      return "setgroups";
    case kSetgid:
      return "setresgid";
    case kSetuid:
      return "setresuid";
    case kDeathSignal:
      return "prctl(PR_SET_PDEATHSIG)";
    case kParentGone:
      return "parent check";
    case kChdir:
      return "chdir";
    default:
      return "setup";
  }
}

struct ChildReport {
  int32_t step;
  int32_t error;
};

constexpr int kReportFd = 3;  // where the report pipe lives in the child
constexpr int kLimitCount = 6;

// Everything the child uses, prepared before fork.
struct ChildPlan {
  const char* program;
  char* const* argv;
  char* const* envp;
  const char* cwd;  // null: keep
  int stdin_fd, stdout_fd, stderr_fd, report_fd;
  const char* cgroup_procs;  // null: none
  int unshare_flags;         // 0: keep the network
  int limit_resources[kLimitCount];
  rlimit limit_values[kLimitCount];
  bool switch_user;
  uid_t uid;
  gid_t gid;
  pid_t parent;
};

void Report(int fd, Step step, int error) {
  ChildReport report{step, error};
  ssize_t ignored = write(fd, &report, sizeof(report));
  (void)ignored;
}

[[noreturn]] void Fail(int fd, Step step, int error) {
  Report(fd, step, error);
  _exit(127);
}

// Closes every descriptor above kReportFd. close_range needs Linux 5.9; the
// fallback walks /proc/self/fd with getdents64 (no allocation) until a pass
// closes nothing.
bool CloseOtherDescriptors() {
  if (syscall(SYS_close_range, kReportFd + 1, ~0U, 0) == 0) return true;
  bool closed_any = true;
  while (closed_any) {
    closed_any = false;
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return false;
    alignas(8) char buffer[4096];
    for (long n; (n = syscall(SYS_getdents64, dir, buffer, sizeof(buffer))) > 0;) {
      for (long offset = 0; offset < n;) {
        auto* entry = reinterpret_cast<dirent64*>(buffer + offset);
        offset += entry->d_reclen;
        int fd = 0;
        bool number = entry->d_name[0] != '\0';
        for (const char* c = entry->d_name; *c != '\0'; ++c) {
          if (*c < '0' || *c > '9') number = false;
          fd = fd * 10 + (*c - '0');
        }
        if (number && fd > kReportFd && fd != dir) closed_any |= close(fd) == 0;
      }
    }
    close(dir);
  }
  return true;
}

// stdin, stdout, stderr and the report pipe to 0..3 whatever their numbers
// were (any of them may already sit on 0..3), everything else closed.
void ArrangeDescriptors(const ChildPlan& plan) {
  const int sources[4] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd, plan.report_fd};
  int moved[4];
  for (int i = 0; i < 4; ++i) {
    moved[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, 10);
    if (moved[i] < 0) Fail(plan.report_fd, kDescriptors, errno);
  }
  for (int i = 0; i < 3; ++i) {
    if (dup2(moved[i], i) != i) Fail(moved[3], kDescriptors, errno);
  }
  if (dup3(moved[3], kReportFd, O_CLOEXEC) != kReportFd) Fail(moved[3], kDescriptors, errno);
  if (!CloseOtherDescriptors()) Fail(kReportFd, kDescriptors, errno);
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal == SIGKILL || signal == SIGSTOP) continue;
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    if (sigaction(signal, &action, nullptr) != 0) {
      // glibc refuses its internal signals (32, 33), which a parent may have
      // left ignored; the kernel call resets them too.
      struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)();
        uint64_t mask;
      } kernel_action = {SIG_DFL, 0, nullptr, 0};
      syscall(SYS_rt_sigaction, signal, &kernel_action, nullptr, sizeof(uint64_t));
    }
  }
  if (setpgid(0, 0) != 0) Fail(plan.report_fd, kSetpgid, errno);
  if (plan.cgroup_procs != nullptr) {
    int procs = open(plan.cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (procs < 0 || write(procs, "0", 1) != 1) Report(plan.report_fd, kJoinCgroup, errno);
    if (procs >= 0) close(procs);
  }
  ArrangeDescriptors(plan);
  if (plan.unshare_flags != 0 && unshare(plan.unshare_flags) != 0) {
    Report(kReportFd, kUnshareNetwork, errno);
  }
  for (int i = 0; i < kLimitCount; ++i) {
    if (setrlimit(static_cast<__rlimit_resource>(plan.limit_resources[i]), &plan.limit_values[i]) !=
        0) {
      Fail(kReportFd, kRlimit, errno);
    }
  }
  if (plan.switch_user) {
    if (syscall(SYS_setgroups, 1, &plan.gid) != 0) Fail(kReportFd, kSetgroups, errno);
    if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
      Fail(kReportFd, kSetgid, errno);
    }
    if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
      Fail(kReportFd, kSetuid, errno);
    }
  }
  // After the uid switch: changing credentials clears the death signal.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail(kReportFd, kDeathSignal, errno);
  if (getppid() != plan.parent) Fail(kReportFd, kParentGone, 0);  // it died before prctl
  if (plan.cwd != nullptr && chdir(plan.cwd) != 0) Fail(kReportFd, kChdir, errno);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(plan.program, plan.argv, plan.envp);
  Fail(kReportFd, kExec, errno);
}

// The child's entry point for clone(): RunChild on the stack given to it.
int ChildMain(void* plan) { RunChild(*static_cast<const ChildPlan*>(plan)); }

// Starts the child. clone(CLONE_VM | CLONE_VFORK), as posix_spawn does: the
// child borrows this process's memory until execve instead of copying its page
// tables (a fork of a worker with threads and tens of MiB mapped cost as much
// as the exec: page-table copies, copy-on-write faults, TLB shootdowns of the
// other threads), and this thread waits until the child has exec'd or died.
// The child has its own descriptor table, signal dispositions, credentials and
// namespaces (no CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD), writes only to its
// own stack, and every signal is blocked until it reset their handlers.
// Sanitizer builds fork(): their runtimes do not follow a thread-less child
// that shares the address space.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SF_SPAWN_WITH_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SF_SPAWN_WITH_FORK 1
#endif
#endif

pid_t StartChild(ChildPlan& plan) {
#ifdef SF_SPAWN_WITH_FORK
  pid_t pid = fork();
  if (pid == 0) RunChild(plan);
  return pid;
#else
  // Enough for RunChild's frames (the largest is the 4 KiB getdents buffer).
  constexpr size_t kChildStackBytes = 64 * 1024;
  std::unique_ptr<char[]> stack(new char[kChildStackBytes]);
  return clone(ChildMain, stack.get() + kChildStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
#endif
}

void SetLimit(ChildPlan& plan, int index, int resource, uint64_t soft, uint64_t hard) {
  rlimit current{};
  getrlimit(static_cast<__rlimit_resource>(resource), &current);
  // Without privilege a hard limit can only be lowered: never ask for more.
  if (geteuid() != 0 && current.rlim_max != RLIM_INFINITY) {
    hard = std::min<uint64_t>(hard, current.rlim_max);
    soft = std::min(soft, hard);
  }
  plan.limit_resources[index] = resource;
  plan.limit_values[index] = rlimit{soft, hard};
}

}  // namespace

StatusOr<SpawnedChild> SpawnSandboxed(const SpawnRequest& request) {
  std::vector<char*> argv, envp;
  for (const auto& arg : request.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (const auto& var : request.env) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);
  UniqueFd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) return Status::Internal("cannot open /dev/null");
  int report_pipe[2];
  if (pipe2(report_pipe, O_CLOEXEC) != 0) return Status::Internal("pipe failed");
  UniqueFd report_read(report_pipe[0]), report_write(report_pipe[1]);

  ChildPlan plan{};
  plan.program = request.program.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd = request.cwd.empty() ? nullptr : request.cwd.c_str();
  plan.stdin_fd = dev_null.get();
  plan.stdout_fd = request.stdout_fd;
  plan.stderr_fd = request.stderr_fd;
  plan.report_fd = report_write.get();
  plan.cgroup_procs =
      request.cgroup_procs_path.empty() ? nullptr : request.cgroup_procs_path.c_str();
  if (request.isolate_network) {
    plan.unshare_flags = CLONE_NEWNET | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
  }
  const ResourceLimits& limits = request.limits;
  uint64_t cpu = EffectiveCpuSeconds(limits, request.timeout_ms);
  SetLimit(plan, 0, RLIMIT_CORE, 0, 0);
  SetLimit(plan, 1, RLIMIT_CPU, cpu, cpu + 1);  // SIGXCPU, then SIGKILL a second later
  SetLimit(plan, 2, RLIMIT_AS, limits.address_space_bytes, limits.address_space_bytes);
  SetLimit(plan, 3, RLIMIT_NOFILE, limits.open_files, limits.open_files);
  SetLimit(plan, 4, RLIMIT_NPROC, limits.processes, limits.processes);
  SetLimit(plan, 5, RLIMIT_FSIZE, limits.file_size_bytes, limits.file_size_bytes);
  plan.switch_user = request.run_as.has_value();
  if (plan.switch_user) {
    plan.uid = request.run_as->uid;
    plan.gid = request.run_as->gid;
  }
  plan.parent = getpid();

  // Blocked here so no handler of ours runs in the child before it resets them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = StartChild(plan);
  int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  report_write.Reset();
  if (pid < 0) {
    std::string message = std::string("fork failed: ") + strerror(fork_error);
    return fork_error == EAGAIN ? Status::ResourceExhausted(message) : Status::Internal(message);
  }

  SpawnedChild child;
  child.pid = pid;
  child.network_isolated = request.isolate_network;
  ChildReport fatal{0, 0};
  ChildReport report;
  while (true) {  // EOF once execve succeeded (close-on-exec) or the child died
    ssize_t n = read(report_read.get(), &report, sizeof(report));
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof(report))) break;
    if (report.step == kUnshareNetwork) {
      child.network_isolated = false;
      child.network_isolation_failed = true;
    } else if (report.step == kJoinCgroup) {
      child.cgroup_join_failed = true;
    } else {
      fatal = report;
    }
  }
  if (fatal.step == 0) return child;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string reason = strerror(fatal.error);
  if (fatal.step == kExec) {
    std::string message = "program '" + request.program + "' cannot be run: " + reason;
    return fatal.error == ENOENT || fatal.error == EACCES || fatal.error == ENOEXEC
               ? Status::NotFound(message)
               : Status::Internal(message);
  }
  return Status::Internal("sandbox setup for '" + request.program + "' failed at " +
                          StepName(fatal.step) + ": " + reason);
}

}  // namespace scanfleet
