// The scanner sandbox against hostile programs, with real processes: a fork
// bomb, a 1 GiB output, a killed parent (PR_SET_PDEATHSIG) and network access
// from a SAST run. Every wait has a deadline; the fork bomb only runs when it
// is contained (as an unprivileged uid under RLIMIT_NPROC, plus a pids cgroup
// when the host has one) so it can never exhaust the host's pids.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "tests/unit/exec/proc_table.h"
#include "tests/unit/exec/test_spec.h"
#include "worker/exec/pids_cgroup.h"
#include "worker/exec/process_runner.h"

namespace scanfleet {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Alive;
using testing::GroupReaper;
using testing::LiveProcessesInGroup;
using testing::WaitFor;

using testing::Spec;

// A pids cgroup parent of this test process, removed at the end.
class TestCgroupParent {
 public:
  TestCgroupParent() : path_("/sys/fs/cgroup/pids/scanfleet-test-" + std::to_string(getpid())) {
    usable_ = geteuid() == 0 && PidsCgroup::Probe(path_).ok();
  }
  ~TestCgroupParent() {
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ignored)) {
      if (entry.is_directory()) rmdir(entry.path().c_str());
    }
    rmdir(path_.c_str());
  }
  bool usable() const { return usable_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool usable_ = false;
};

TEST(SandboxContainmentTest, ForkBombIsContained) {
  // The bomb runs in a background subshell (dash exits when its own fork
  // fails); the top shell spins until the wall-clock timeout.
  ProcessSpec spec = Spec({"sh", "-c", "f() { f | f & }; (f) 2>/dev/null & while :; do :; done"});
  if (geteuid() == 0) {
    auto nobody = LookUpRunAsUser("nobody");
    if (!nobody.ok()) GTEST_SKIP() << "root without a 'nobody' user: RLIMIT_NPROC cannot apply";
    spec.run_as = *nobody;
  }
  TestCgroupParent cgroup_parent;
  if (cgroup_parent.usable()) spec.pids_cgroup_parent = cgroup_parent.path();
  spec.limits.processes = 64;
  spec.timeout_ms = 2000;
  auto started = std::chrono::steady_clock::now();
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  GroupReaper reaper(result->pid);
  EXPECT_TRUE(result->timed_out) << result->stderr_data;
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(15));
  EXPECT_FALSE(result->pids_cgroup_failed);
  EXPECT_TRUE(WaitFor([&] { return LiveProcessesInGroup(result->pid).empty(); }, seconds(10)))
      << "processes of the bomb survived";
  // Its run cgroup is empty and gone.
  if (cgroup_parent.usable()) {
    size_t left = 0;
    for (const auto& entry : std::filesystem::directory_iterator(cgroup_parent.path())) {
      left += entry.is_directory();
    }
    EXPECT_EQ(left, 0u);
  }
  // This process can still start programs.
  auto after = RunProcess(Spec({"echo", "still here"}));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->stdout_data, "still here\n");
}

TEST(SandboxContainmentTest, RunCgroupsOfDeadWorkersAreRemovedAtStart) {
  TestCgroupParent cgroup_parent;
  if (!cgroup_parent.usable()) GTEST_SKIP() << "no writable pids cgroup hierarchy";
  pid_t dead = fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  std::string orphan = cgroup_parent.path() + "/run-" + std::to_string(dead) + "-0";
  std::string ours = cgroup_parent.path() + "/run-" + std::to_string(getpid()) + "-99";
  ASSERT_EQ(mkdir(orphan.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(ours.c_str(), 0755), 0);
  ASSERT_TRUE(PidsCgroup::Probe(cgroup_parent.path()).ok());
  EXPECT_FALSE(std::filesystem::exists(orphan));
  EXPECT_TRUE(std::filesystem::exists(ours)) << "a live worker's cgroup is left alone";
}

TEST(SandboxContainmentTest, OneGibibyteOfOutputIsCappedInBoundedMemory) {
  ProcessSpec spec = Spec({"head", "-c", "1073741824", "/dev/zero"});
  spec.max_stdout_bytes = 1 << 20;
  spec.timeout_ms = 120000;
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  auto result = RunProcess(spec);
  getrusage(RUSAGE_SELF, &after);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  GroupReaper reaper(result->pid);
  EXPECT_EQ(result->exit_code, 0) << "the writer was never blocked";
  EXPECT_FALSE(result->timed_out);
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_EQ(result->stdout_data.size(), size_t{1} << 20);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "KiB of peak RSS added";
}

TEST(SandboxContainmentTest, ChildDiesWithItsParent) {
  std::string pid_file = "/tmp/sf-pdeathsig-" + std::to_string(getpid());
  std::filesystem::remove(pid_file);
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    ProcessSpec spec = Spec({"sh", "-c",
                             "echo $$ > " + pid_file + ".tmp && mv " + pid_file + ".tmp " +
                                 pid_file + " && exec sleep 60"});
    spec.timeout_ms = 60000;
    auto ignored = RunProcess(spec);
    (void)ignored;
    _exit(0);
  }
  pid_t sleeper = 0;
  bool started = WaitFor(
      [&] {
        std::ifstream in(pid_file);
        return static_cast<bool>(in >> sleeper) && sleeper > 0;
      },
      seconds(10));
  GroupReaper reaper(started ? sleeper : 0);
  ASSERT_TRUE(started) << "the helper never ran its child";
  EXPECT_TRUE(Alive(sleeper));
  kill(helper, SIGKILL);
  waitpid(helper, nullptr, 0);
  std::filesystem::remove(pid_file);
  EXPECT_TRUE(WaitFor([&] { return !Alive(sleeper); }, seconds(10)))
      << "the scanner outlived the worker thread that ran it";
}

// A TCP listener on 127.0.0.1 with an ephemeral port; never accepts (the
// backlog completes the handshake).
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        listen(fd_, 16) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~LoopbackListener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

StatusOr<ProcessResult> ConnectFromChild(int port, bool isolate, bool as_nobody) {
  ProcessSpec spec = Spec(
      {"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) + " && echo connected"});
  spec.timeout_ms = 20000;
  spec.isolate_network = isolate;
  if (as_nobody) {
    auto nobody = LookUpRunAsUser("nobody");
    if (nobody.ok()) spec.run_as = *nobody;
  }
  return RunProcess(spec);
}

TEST(SandboxContainmentTest, IsolatedNetworkCannotReachTheHostsLoopback) {
  LoopbackListener listener;
  ASSERT_GT(listener.port(), 0);
  auto open = ConnectFromChild(listener.port(), false, false);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(open->stdout_data, "connected\n");
  EXPECT_FALSE(open->network_isolated);

  for (bool as_nobody : {false, geteuid() == 0}) {
    auto isolated = ConnectFromChild(listener.port(), true, as_nobody);
    ASSERT_TRUE(isolated.ok()) << isolated.status().ToString();
    if (isolated->network_isolation_failed) {
      GTEST_SKIP() << "this host refuses new network namespaces (the documented fallback)";
    }
    EXPECT_TRUE(isolated->network_isolated);
    EXPECT_NE(isolated->exit_code, 0);
    EXPECT_EQ(isolated->stdout_data, "");
  }
}

}  // namespace
}  // namespace scanfleet
