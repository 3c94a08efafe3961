// RunProcess with real programs: exit codes, signals, output caps, timeouts
// that kill whole process trees, cancellation, no shell, minimal environment.
#include "worker/exec/process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/unit/exec/test_spec.h"

namespace scanfleet {
namespace {

using testing::Spec;

bool ProcessGone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

TEST(ProcessRunnerTest, CapturesStdoutAndExitCode) {
  auto result = RunProcess(Spec({"sh", "-c", "printf 'hello\\nworld'; echo oops >&2; exit 3"}));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->term_signal, 0);
  EXPECT_EQ(result->stdout_data, "hello\nworld");
  EXPECT_EQ(result->stderr_data, "oops\n");
  EXPECT_FALSE(result->timed_out);
}

TEST(ProcessRunnerTest, ReportsTheKillingSignal) {
  auto result = RunProcess(Spec({"sh", "-c", "kill -SEGV $$"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->term_signal, SIGSEGV);
}

TEST(ProcessRunnerTest, MissingProgramIsNotFound) {
  auto result = RunProcess(Spec({"no-such-scanner-xyz"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(RunProcess(Spec({})).ok());
}

TEST(ProcessRunnerTest, ArgumentsAreNeverInterpretedByAShell) {
  auto result = RunProcess(Spec({"echo", "$(id)", ";id", "`id`", "a\nb"}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stdout_data, "$(id) ;id `id` a\nb\n");
}

TEST(ProcessRunnerTest, EnvironmentIsExactlyTheOneGiven) {
  ProcessSpec spec = Spec({"env"});
  spec.env = {"PATH=/usr/bin:/bin", "HOME=/tmp"};
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stdout_data, "PATH=/usr/bin:/bin\nHOME=/tmp\n");
}

TEST(ProcessRunnerTest, StdoutIsCappedAndMarkedTruncated) {
  ProcessSpec spec = Spec({"head", "-c", "1000000", "/dev/zero"});
  spec.max_stdout_bytes = 1000;
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 0) << "the child was never blocked";
  EXPECT_EQ(result->stdout_data.size(), 1000u);
  EXPECT_TRUE(result->stdout_truncated);
}

TEST(ProcessRunnerTest, StderrKeepsItsTail) {
  ProcessSpec spec = Spec({"sh", "-c", "seq 1 10000 >&2"});
  spec.max_stderr_bytes = 6;
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stderr_data, "10000\n");
  EXPECT_TRUE(result->stderr_truncated);
}

TEST(ProcessRunnerTest, TimeoutKillsTheWholeProcessTree) {
  std::string pid_file = "/tmp/sf-grandchild-" + std::to_string(getpid());
  ProcessSpec spec = Spec({"sh", "-c", "sleep 300 & echo $! > " + pid_file + "; sleep 300"});
  spec.timeout_ms = 300;
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->term_signal, SIGKILL);
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  in >> grandchild;
  std::filesystem::remove(pid_file);
  ASSERT_GT(grandchild, 0);
  // The grandchild was SIGKILLed with its group; wait (bounded) for init to reap it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ProcessGone(grandchild) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(ProcessGone(grandchild));
}

TEST(ProcessRunnerTest, GrandchildHoldingThePipeDoesNotHoldUsUp) {
  ProcessSpec spec = Spec({"sh", "-c", "sleep 300 & echo done"});
  spec.timeout_ms = 60000;
  auto started = std::chrono::steady_clock::now();
  auto result = RunProcess(spec);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_data, "done\n");
  EXPECT_FALSE(result->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

TEST(ProcessRunnerTest, CancelFromAnotherThreadStopsTheProcess) {
  CancelSignal cancel;
  std::thread canceller([&cancel] { cancel.Cancel(); });
  auto result = RunProcess(Spec({"sleep", "300"}), &cancel);
  canceller.join();
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->cancelled);
  EXPECT_TRUE(cancel.cancelled());
}

TEST(ProcessRunnerTest, ManyThreadsRunProcessesAtOnce) {
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([i, &outputs] {
      auto result = RunProcess(Spec({"echo", std::to_string(i)}));
      if (result.ok()) outputs[i] = result->stdout_data;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
}

}  // namespace
}  // namespace scanfleet
