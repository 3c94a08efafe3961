// The builtin noop scanner: discovered without a process, run without a
// checkout (its repository does not exist), a clean result with exactly the
// configured number of distinct, fingerprinted findings.
#include "worker/job/builtin_scanner.h"

#include <gtest/gtest.h>

#include <set>

#include "worker/exec/cancel_signal.h"
#include "worker/job/job_runner.h"
#include "worker/job/scanner_discovery.h"

namespace scanfleet {
namespace {

ScannerRegistry NoopRegistry(uint32_t findings) {
  auto registry = ParseRegistry(R"({"scanners": {"noop-n": {"kind": "sast", "pool": "bench",
      "builtin": "noop", "builtin_findings": )" +
                                std::to_string(findings) + "}}}");
  EXPECT_TRUE(registry.ok()) << registry.status().ToString();
  return std::move(registry).value();
}

v1::JobAssignment Assignment(uint64_t job_id, const std::string& scanner) {
  v1::JobAssignment job;
  job.mutable_job()->set_job_id(job_id);
  job.mutable_job()->set_attempt(3);
  job.set_scanner(scanner);
  job.mutable_target()->set_repo("/nonexistent/repository");
  return job;
}

TEST(BuiltinScannerTest, DiscoveredWithoutRunningAProcess) {
  ScannerRegistry registry = NoopRegistry(0);
  auto found = DiscoverScanners(registry, ScannerSandbox{});
  ASSERT_EQ(found.count("noop-n"), 1u);
  EXPECT_EQ(found["noop-n"], "scanfleet builtin noop 1");
}

TEST(BuiltinScannerTest, RunJobAnswersWithoutCheckoutOrWorkspace) {
  ScannerRegistry registry = NoopRegistry(0);
  JobRunnerConfig config;
  config.work_dir = "/nonexistent/work-dir";  // a real scanner would fail to create its workspace
  config.registry = &registry;
  config.scanners = DiscoverScanners(registry, ScannerSandbox{});
  CancelSignal cancel;
  v1::JobResult result = RunJob(Assignment(41, "noop-n"), config, cancel);
  EXPECT_EQ(result.failure(), v1::FAILURE_NONE) << result.error();
  EXPECT_EQ(result.job().job_id(), 41u);
  EXPECT_EQ(result.job().attempt(), 3u);
  EXPECT_EQ(result.findings_size(), 0);
  EXPECT_EQ(result.tool_version(), "scanfleet builtin noop 1");
}

TEST(BuiltinScannerTest, EmitsTheConfiguredNumberOfDistinctFindings) {
  ScannerRegistry registry = NoopRegistry(500);
  v1::JobResult result = RunBuiltinScanner(Assignment(7, "noop-n"), *registry.Find("noop-n"));
  EXPECT_EQ(result.failure(), v1::FAILURE_NONE);
  ASSERT_EQ(result.findings_size(), 500);
  std::set<std::string> fingerprints;
  for (const auto& finding : result.findings()) {
    EXPECT_EQ(finding.path(), "noop/7.txt");
    EXPECT_EQ(finding.tool(), "noop-n");
    EXPECT_FALSE(finding.fingerprint().empty());
    fingerprints.insert(finding.fingerprint());
  }
  EXPECT_EQ(fingerprints.size(), 500u) << "findings must not collapse into one another";
  EXPECT_EQ(result.findings(499).line(), 500);
}

}  // namespace
}  // namespace scanfleet
