// BaselineRecords::Resolve and Record, and ScanViews::LoadDiffData, on real SQLite.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "controller/store/controller_store.h"

namespace scanfleet {
namespace {

class BaselineStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sf-baseline-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = ControllerStore::Open((dir_ / "test.db").string(), Database::Options{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto batch = store_->BeginTransaction();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    batch_.emplace(std::move(batch).value());
  }
  void TearDown() override {
    if (batch_) (void)batch_->Commit();
    batch_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A scan with one flawfinder job, finished as asked.
  uint64_t Scan(const std::string& repo, const std::string& branch, const std::string& profile,
                JobOutcome outcome, bool finish = true, uint32_t skipped = 0) {
    NewScan scan;
    scan.target.set_repo(repo);
    scan.target.set_ref("abc");
    scan.target.set_branch(branch);
    scan.profile = profile;
    NewJob job;
    job.scanner = "flawfinder";
    job.pool = "sast";
    job.timeout_ms = 1000;
    scan.jobs = {job};
    auto created = store_->lifecycle().CreateScan(scan, ++now_);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (finish) {
      v1::JobResult result;
      result.mutable_job()->set_job_id(created->job_ids[0]);
      result.set_skipped_records(skipped);
      v1::Finding* f = result.add_findings();
      f->set_tool("flawfinder");
      f->set_rule_id("FF1");
      f->set_path("a.c");
      f->set_fingerprint("fp-" + std::to_string(created->scan_id));
      result.set_repo_suppressions(R"({"suppressions": []})");
      v1::PathRename* rename = result.add_renames();
      rename->set_from("old.c");
      rename->set_to("new.c");
      EXPECT_TRUE(store_->lifecycle().FinishJob(result, outcome, ++now_).ok());
    }
    return created->scan_id;
  }
  v1::SubmitScanRequest Request(const std::string& repo, const std::string& branch) {
    v1::SubmitScanRequest request;
    request.mutable_target()->set_repo(repo);
    request.mutable_target()->set_branch(branch);
    return request;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ControllerStore> store_;
  std::optional<Transaction> batch_;  // every test runs in one transaction
  TimeMs now_ = 1000;
};

TEST_F(BaselineStoreTest, LatestSucceededScanOfTheBranchWithTheSameProfile) {
  uint64_t old_main = Scan("/r", "main", "c", JobOutcome::kSucceeded);
  uint64_t main = Scan("/r", "main", "c", JobOutcome::kSucceeded);
  Scan("/r", "main", "c", JobOutcome::kFailed);            // failed: never a baseline
  Scan("/r", "main", "default", JobOutcome::kSucceeded);   // other profile
  Scan("/r", "feature", "c", JobOutcome::kSucceeded);      // other branch
  Scan("/other", "main", "c", JobOutcome::kSucceeded);     // other repository
  Scan("/r", "main", "c", JobOutcome::kSucceeded, false);  // still queued
  auto chosen = store_->baselines().Resolve(Request("/r", "main"), "c");
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ(chosen->scan_id, main);
  // Created before a given scan (an incremental merge resolving later).
  chosen = store_->baselines().Resolve(Request("/r", "main"), "c", main);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->scan_id, old_main);
  // baseline_branch overrides the scan's own branch.
  auto request = Request("/r", "feature-2");
  request.set_baseline_branch("main");
  chosen = store_->baselines().Resolve(request, "c");
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->scan_id, main);
}

TEST_F(BaselineStoreTest, NoBaselineIsANoteNotAnError) {
  Scan("/r", "main", "c", JobOutcome::kFailed);
  auto chosen = store_->baselines().Resolve(Request("/r", "main"), "c");
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->scan_id, 0u);
  EXPECT_NE(chosen->note.find("no succeeded earlier scan of branch 'main'"), std::string::npos)
      << chosen->note;
}

TEST_F(BaselineStoreTest, ExplicitBaselineIsValidated) {
  uint64_t done = Scan("/r", "main", "c", JobOutcome::kFailed);  // finished (failed) is allowed
  uint64_t running = Scan("/r", "main", "c", JobOutcome::kSucceeded, false);
  uint64_t other = Scan("/other", "main", "c", JobOutcome::kSucceeded);
  auto request = Request("/r", "main");
  request.set_baseline_scan_id(done);
  auto chosen = store_->baselines().Resolve(request, "c");
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->scan_id, done);
  for (uint64_t bad : {running, other, uint64_t{999}}) {
    request.set_baseline_scan_id(bad);
    auto refused = store_->baselines().Resolve(request, "c");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(BaselineStoreTest, StoredBaselineAndDiffInputsRoundTrip) {
  uint64_t base = Scan("/r", "main", "c", JobOutcome::kSucceeded);
  uint64_t scan = Scan("/r", "main", "c", JobOutcome::kSucceeded);
  ASSERT_TRUE(store_->baselines().Record(scan, {base, "scan 1, the latest"}, "hook").ok());
  auto data = store_->views().LoadDiffData(scan);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->baseline.scan_id, base);
  EXPECT_EQ(data->state, v1::SCAN_SUCCEEDED);
  EXPECT_EQ(data->side.profile, "c");
  ASSERT_EQ(data->side.findings.size(), 1u);
  EXPECT_EQ(data->side.findings[0].first, "flawfinder");
  EXPECT_TRUE(data->side.runs.at("flawfinder").complete);
  ASSERT_EQ(data->renames.size(), 1u);
  EXPECT_EQ(data->renames[0], std::make_pair(std::string("old.c"), std::string("new.c")));
  ASSERT_EQ(data->repo_suppressions.size(), 1u);
}

TEST_F(BaselineStoreTest, PartialOrFailedJobMakesTheRunIncomplete) {
  uint64_t partial = Scan("/r", "main", "c", JobOutcome::kSucceeded, true, /*skipped=*/3);
  auto data = store_->views().LoadDiffData(partial);
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE(data->side.runs.at("flawfinder").complete);
  EXPECT_NE(data->side.runs.at("flawfinder").why_incomplete.find("partial"), std::string::npos);
  uint64_t failed = Scan("/r", "main", "c", JobOutcome::kFailed);
  data = store_->views().LoadDiffData(failed);
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE(data->side.runs.at("flawfinder").complete);
  EXPECT_NE(data->side.runs.at("flawfinder").why_incomplete.find("failed"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
