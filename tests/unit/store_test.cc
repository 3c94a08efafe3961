// ScanStore on a real SQLite file in a temporary directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "controller/store/scan_store.h"
#include "controller/store/schema.h"

namespace scanfleet {
namespace {

NewJob SastJob(const std::string& scanner) {
  NewJob job;
  job.scanner = scanner;
  job.pool = "sast";
  job.timeout_ms = 1000;
  return job;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sf-store-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    batch_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    batch_.reset();
    store_.reset();
    auto store = ScanStore::Open((dir_ / "test.db").string(), Database::Options{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  // The loop's unit of work: one transaction, committed explicitly.
  void Begin() {
    auto batch = store_->BeginTransaction();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    batch_.emplace(std::move(batch).value());
  }
  void Commit() {
    ASSERT_TRUE(batch_.has_value());
    EXPECT_TRUE(batch_->Commit().ok());
    batch_.reset();
  }
  CreatedScan CreateTwoJobScan() {
    NewScan scan;
    scan.target.set_repo("/srv/repo");
    scan.target.set_ref("main");
    scan.profile = "default";
    scan.jobs = {SastJob("flawfinder"), SastJob("bandit")};
    Begin();
    auto created = store_->CreateScan(scan, 100);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    Commit();
    return created.value();
  }
  v1::JobResult Result(uint64_t job_id, uint32_t attempt, int findings) {
    v1::JobResult result;
    result.mutable_job()->set_job_id(job_id);
    result.mutable_job()->set_attempt(attempt);
    for (int i = 0; i < findings; ++i) {
      v1::Finding* f = result.add_findings();
      f->set_tool("flawfinder");
      f->set_rule_id("FF1001");
      f->set_path("src/a.c");
      f->set_line(i + 1);
      f->set_severity(i == 0 ? v1::SEVERITY_HIGH : v1::SEVERITY_LOW);
      f->add_cwes(120);
      f->add_cwes(20);
      f->set_fingerprint("fp" + std::to_string(i));
    }
    return result;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ScanStore> store_;
  std::optional<Transaction> batch_;
};

TEST_F(StoreTest, MigratesAFreshDatabaseAndReopens) {
  const int latest = static_cast<int>(ControllerMigrations().size());
  EXPECT_EQ(store_->db().schema_version(), latest);
  Reopen();
  EXPECT_EQ(store_->db().schema_version(), latest);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerBuild) {
  ASSERT_TRUE(store_->db().Exec("PRAGMA user_version=99").ok());
  store_.reset();
  auto store = ScanStore::Open((dir_ / "test.db").string(), Database::Options{});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, ScanLifecycleIsStoredAndSurvivesReopen) {
  CreatedScan scan = CreateTwoJobScan();
  ASSERT_EQ(scan.job_ids.size(), 2u);
  EXPECT_EQ(scan.event.seq(), 1u);
  Begin();
  ASSERT_TRUE(store_->RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
  auto started = store_->RecordAccepted(scan.job_ids[0], 1, "w1", 210);
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(started->has_value()) << "first accepted job starts the scan";
  EXPECT_EQ((*started)->topic(), "scan.running");
  Commit();

  Reopen();
  auto unfinished = store_->LoadUnfinishedJobs();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 2u);
  EXPECT_EQ((*unfinished)[0].state, "running");
  EXPECT_EQ((*unfinished)[0].worker_id, "w1");
  EXPECT_EQ((*unfinished)[0].descriptor.attempt, 1u);
  EXPECT_EQ((*unfinished)[1].state, "queued");

  Begin();
  v1::JobResult result = Result(scan.job_ids[0], 1, 3);
  result.set_skipped_records(2);
  ASSERT_TRUE(store_->RecordAttempt(result, "w1", "succeeded", 300).ok());
  auto finish = store_->FinishJob(result, JobOutcome::kSucceeded, 300);
  ASSERT_TRUE(finish.ok()) << finish.status().ToString();
  EXPECT_TRUE(finish->applied);
  EXPECT_EQ(finish->events.size(), 3u);
  EXPECT_EQ(finish->events[0].topic(), "finding.high.flawfinder");
  // The same result again (a re-delivery) changes nothing.
  auto again = store_->FinishJob(result, JobOutcome::kSucceeded, 301);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->applied);
  Commit();

  auto status = store_->GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state(), v1::SCAN_RUNNING);
  EXPECT_EQ(status->jobs_done(), 1u);
  EXPECT_EQ(status->findings(), 3u);
  EXPECT_EQ(status->findings_by_severity(v1::SEVERITY_HIGH), 1u);
  EXPECT_EQ(status->findings_by_severity(v1::SEVERITY_LOW), 2u);
  EXPECT_EQ(status->jobs(0).skipped_records(), 2u) << "skipped output is reported, not hidden";

  auto findings = store_->ListFindings(scan.scan_id, v1::SEVERITY_INFO);
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->size(), 3u);
  EXPECT_EQ((*findings)[0].cwes_size(), 2);
  EXPECT_EQ((*findings)[0].cwes(1), 20);
  auto high = store_->ListFindings(scan.scan_id, v1::SEVERITY_HIGH);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->size(), 1u);
}

TEST_F(StoreTest, LastJobFailingEndsTheScanFailedWithAnEvent) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  for (uint64_t job_id : scan.job_ids) {
    ASSERT_TRUE(store_->RecordDispatch(DispatchJob{job_id, 1, "sast", 0}, 200).ok());
  }
  ASSERT_TRUE(store_->FinishJob(Result(scan.job_ids[0], 1, 0), JobOutcome::kSucceeded, 300).ok());
  v1::JobResult failed = Result(scan.job_ids[1], 1, 0);
  failed.set_error("scanner exited with code 2");
  auto finish = store_->FinishJob(failed, JobOutcome::kFailed, 400);
  ASSERT_TRUE(finish.ok());
  ASSERT_EQ(finish->events.size(), 1u);
  EXPECT_EQ(finish->events[0].topic(), "scan.failed");
  Commit();
  auto status = store_->GetScan(scan.scan_id);
  EXPECT_EQ(status->state(), v1::SCAN_FAILED);
  EXPECT_EQ(status->jobs_failed(), 1u);
  EXPECT_EQ(status->finished_ms(), 400);
  EXPECT_EQ(status->jobs(1).error(), "scanner exited with code 2");
}

TEST_F(StoreTest, StaleAttemptNeverOverwritesTheLiveOne) {
  CreatedScan scan = CreateTwoJobScan();
  uint64_t job = scan.job_ids[0];
  Begin();
  ASSERT_TRUE(store_->RecordDispatch(DispatchJob{job, 1, "sast", 0}, 200).ok());
  ASSERT_TRUE(store_->RecordRequeue(RequeueJob{job, 1, 0, 0, "lease expired"}, 250).ok());
  ASSERT_TRUE(store_->RecordDispatch(DispatchJob{job, 2, "sast", 0}, 260).ok());
  v1::JobResult live = Result(job, 2, 2);
  ASSERT_TRUE(store_->RecordAttempt(live, "w2", "succeeded", 300).ok());
  ASSERT_TRUE(store_->FinishJob(live, JobOutcome::kSucceeded, 300)->applied);
  // The old attempt's result arrives late: recorded as stale, job untouched.
  v1::JobResult late = Result(job, 1, 5);
  ASSERT_TRUE(store_->RecordAttempt(late, "w1", "stale", 310).ok());
  EXPECT_FALSE(store_->FinishJob(late, JobOutcome::kSucceeded, 310)->applied);
  // A duplicate of the live result cannot rewrite its outcome either.
  ASSERT_TRUE(store_->RecordAttempt(live, "w2", "stale", 320).ok());
  Commit();
  auto outcomes = store_->db().Prepare(
      "SELECT attempt, outcome FROM attempts WHERE job_id=? "
      "ORDER BY attempt");
  ASSERT_TRUE(outcomes.ok());
  (*outcomes)->Bind(1, static_cast<int64_t>(job));
  std::vector<std::string> seen;
  while (*(*outcomes)->Step()) seen.push_back((*outcomes)->ColumnText(1));
  EXPECT_EQ(seen, (std::vector<std::string>{"stale", "succeeded"}));
  EXPECT_EQ(store_->GetScan(scan.scan_id)->findings(), 2u);
}

TEST_F(StoreTest, EventsReplayInOrderAfterASequenceNumber) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  ASSERT_TRUE(store_->RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
  ASSERT_TRUE(store_->FinishJob(Result(scan.job_ids[0], 1, 4), JobOutcome::kSucceeded, 300).ok());
  Commit();
  auto all = store_->events().Replay(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->events_size(), 5);  // scan.queued + 4 findings
  for (int i = 0; i < all->events_size(); ++i) EXPECT_EQ(all->events(i).seq(), uint64_t(i + 1));
  EXPECT_EQ(all->last_seq(), 5u);
  auto tail = store_->events().Replay(3, 1);
  ASSERT_EQ(tail->events_size(), 1);
  EXPECT_EQ(tail->events(0).seq(), 4u);
  EXPECT_TRUE(tail->events(0).has_finding());
}

TEST_F(StoreTest, RetentionDeletesTheOldPrefixAndReplaySaysWhereTheStoreBegins) {
  CreatedScan scan = CreateTwoJobScan();  // scan.queued at t=100
  Begin();
  ASSERT_TRUE(store_->RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
  ASSERT_TRUE(store_->FinishJob(Result(scan.job_ids[0], 1, 4), JobOutcome::kSucceeded, 300).ok());
  Commit();
  Begin();
  auto none = store_->events().PruneBefore(100);  // nothing is older than t=100
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto pruned = store_->events().PruneBefore(250);  // scan.queued (t=100) only
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  Commit();
  auto replay = store_->events().Replay(0, 100);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->first_seq(), 2u);
  EXPECT_EQ(replay->events(0).seq(), 2u);
  EXPECT_EQ(replay->last_seq(), 5u);
  // Everything old: the store is empty but the sequence goes on.
  Begin();
  EXPECT_EQ(*store_->events().PruneBefore(1000), 4);
  Commit();
  EXPECT_EQ(*store_->events().LastSeq(), 5u);
  EXPECT_EQ(store_->events().Replay(0, 100)->first_seq(), 0u);
  EXPECT_EQ(store_->events().Replay(0, 100)->last_seq(), 5u);
}

TEST_F(StoreTest, DeadLetteredJobKeepsItsErrorAndRetryReopensTheScan) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  for (uint64_t job_id : scan.job_ids) {
    ASSERT_TRUE(store_->RecordDispatch(DispatchJob{job_id, 3, "sast", 0}, 200).ok());
  }
  ASSERT_TRUE(store_->FinishJob(Result(scan.job_ids[0], 3, 1), JobOutcome::kSucceeded, 300).ok());
  v1::JobResult crashed = Result(scan.job_ids[1], 3, 0);
  crashed.set_error("bandit killed by signal 11");
  auto finish = store_->FinishJob(crashed, JobOutcome::kDeadLettered, 400);
  ASSERT_TRUE(finish.ok());
  ASSERT_EQ(finish->events.size(), 2u);
  EXPECT_EQ(finish->events[0].topic(), "job.dead_lettered");
  EXPECT_EQ(finish->events[0].job().error(), "bandit killed by signal 11");
  EXPECT_EQ(finish->events[1].topic(), "scan.failed");
  Commit();
  EXPECT_EQ(store_->GetScan(scan.scan_id)->jobs(1).state(), "dead");

  Begin();
  auto retried = store_->RetryDeadJobs(scan.scan_id, 0, 500);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  ASSERT_EQ(retried->jobs.size(), 1u);
  EXPECT_EQ(retried->jobs[0].job_id, scan.job_ids[1]);
  EXPECT_EQ(retried->jobs[0].attempt, 3u) << "attempt numbers keep counting";
  EXPECT_EQ(retried->jobs[0].failures, 0u);
  Commit();
  auto status = store_->GetScan(scan.scan_id);
  EXPECT_EQ(status->state(), v1::SCAN_RUNNING);
  EXPECT_EQ(status->jobs_done(), 1u);
  EXPECT_EQ(status->jobs_failed(), 0u);
  auto unfinished = store_->LoadUnfinishedJobs();
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].state, "queued");
  // Nothing dead is left to retry.
  Begin();
  EXPECT_TRUE(store_->RetryDeadJobs(scan.scan_id, 0, 600)->jobs.empty());
  Commit();
}

TEST_F(StoreTest, CancelEndsUnfinishedJobsAndTheScanOnce) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  ASSERT_TRUE(store_->RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
  auto cancelled = store_->CancelScan(scan.scan_id, "wrong branch", 300);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->job_ids, scan.job_ids);
  EXPECT_EQ(cancelled->event.topic(), "scan.cancelled");
  // A late result of the cancelled attempt applies nothing.
  EXPECT_FALSE(
      store_->FinishJob(Result(scan.job_ids[0], 1, 3), JobOutcome::kSucceeded, 310)->applied);
  auto again = store_->CancelScan(scan.scan_id, "twice", 320);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->CancelScan(9999, "none", 320).status().code(), StatusCode::kNotFound);
  Commit();
  auto status = store_->GetScan(scan.scan_id);
  EXPECT_EQ(status->state(), v1::SCAN_CANCELLED);
  EXPECT_EQ(status->findings(), 0u);
  EXPECT_TRUE(store_->LoadUnfinishedJobs()->empty());
}

TEST_F(StoreTest, SubmissionIsFoundByItsIdempotencyKey) {
  NewScan scan;
  scan.target.set_repo("/srv/repo");
  scan.target.set_ref("main");
  scan.profile = "default";
  scan.jobs = {SastJob("flawfinder"), SastJob("bandit")};
  scan.idempotency_key = "push-42";
  Begin();
  EXPECT_FALSE(store_->FindSubmission("push-42")->has_value());
  auto created = store_->CreateScan(scan, 100);
  ASSERT_TRUE(created.ok());
  auto found = store_->FindSubmission("push-42");
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->scan_id(), created->scan_id);
  EXPECT_TRUE((*found)->duplicate());
  EXPECT_EQ((*found)->scanners_size(), 2);
  // The key is unique: a second scan with it cannot be stored.
  EXPECT_FALSE(store_->CreateScan(scan, 101).ok());
  Commit();
}

TEST_F(StoreTest, SecretNamesTravelWithTheScanAndItsJobs) {
  NewScan scan;
  scan.target.set_repo("https://git.example.invalid/org/private.git");
  scan.target.set_ref("main");
  scan.target.add_secret_names("dast-login");
  scan.target.add_secret_names("api.key");
  scan.target.set_repo_token_secret("repo-token");
  scan.profile = "default";
  scan.jobs = {SastJob("bandit")};
  Begin();
  auto created = store_->CreateScan(scan, 100);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Commit();
  Reopen();
  auto assignment = store_->BuildAssignment(created->job_ids[0], 1);
  ASSERT_TRUE(assignment.ok()) << assignment.status().ToString();
  ASSERT_EQ(assignment->target().secret_names_size(), 2);
  EXPECT_EQ(assignment->target().secret_names(0), "dast-login");
  EXPECT_EQ(assignment->target().secret_names(1), "api.key");
  EXPECT_EQ(assignment->target().repo_token_secret(), "repo-token");
  auto status = store_->GetScan(created->scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->target().secret_names_size(), 2);
  EXPECT_EQ(status->target().repo_token_secret(), "repo-token");
  auto plain = CreateTwoJobScan();
  auto plain_assignment = store_->BuildAssignment(plain.job_ids[0], 1);
  ASSERT_TRUE(plain_assignment.ok());
  EXPECT_EQ(plain_assignment->target().secret_names_size(), 0);
}

}  // namespace
}  // namespace scanfleet
