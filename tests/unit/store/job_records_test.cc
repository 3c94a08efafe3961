// JobRecords on real SQLite: a stale attempt never overwrites the live one,
// job states are stored as their names and read back as enums (a word the
// store never writes is data loss), and an assignment carries what the scan
// stored (secret names, token secret).
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

using JobRecordsTest = StoreTest;

TEST_F(JobRecordsTest, StaleAttemptNeverOverwritesTheLiveOne) {
  CreatedScan scan = CreateTwoJobScan();
  uint64_t job = scan.job_ids[0];
  JobRecords& jobs = store_->jobs();
  Begin();
  ASSERT_TRUE(jobs.RecordDispatch(DispatchJob{job, 1, "sast", 0}, 200).ok());
  ASSERT_TRUE(jobs.RecordRequeue(RequeueJob{job, 1, 0, 0, "lease expired"}, 250).ok());
  ASSERT_TRUE(jobs.RecordDispatch(DispatchJob{job, 2, "sast", 0}, 260).ok());
  v1::JobResult live = Result(job, 2, 2);
  ASSERT_TRUE(jobs.RecordAttempt(live, "w2", v1::ATTEMPT_SUCCEEDED, 300).ok());
  ASSERT_TRUE(store_->lifecycle().FinishJob(live, JobOutcome::kSucceeded, 300)->applied);
  // The old attempt's result arrives late: recorded as stale, job untouched.
  v1::JobResult late = Result(job, 1, 5);
  ASSERT_TRUE(jobs.RecordAttempt(late, "w1", v1::ATTEMPT_STALE, 310).ok());
  EXPECT_FALSE(jobs.Finish(late, JobOutcome::kSucceeded, 310).value());
  // A duplicate of the live result cannot rewrite its outcome either.
  ASSERT_TRUE(jobs.RecordAttempt(live, "w2", v1::ATTEMPT_STALE, 320).ok());
  Commit();
  std::unique_ptr<Database> db = Inspect();
  auto outcomes =
      db->Prepare("SELECT attempt, outcome FROM attempts WHERE job_id=? ORDER BY attempt");
  ASSERT_TRUE(outcomes.ok());
  (*outcomes)->Bind(1, static_cast<int64_t>(job));
  std::vector<std::string> seen;
  while (*(*outcomes)->Step()) seen.push_back((*outcomes)->ColumnText(1));
  (*outcomes)->Reset();
  EXPECT_EQ(seen, (std::vector<std::string>{"stale", "succeeded"}));
  EXPECT_EQ(store_->views().GetScan(scan.scan_id)->findings(), 2u);
}

TEST_F(JobRecordsTest, StatesAreStoredAsTheirNames) {
  CreatedScan scan = CreateTwoJobScan();
  uint64_t job = scan.job_ids[1];
  Begin();
  ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{job, 1, "sast", 0}, 200).ok());
  ASSERT_TRUE(
      store_->lifecycle().FinishJob(Result(job, 1, 0), JobOutcome::kDeadLettered, 300).ok());
  Commit();
  EXPECT_EQ(*store_->jobs().State(job), v1::JOB_DEAD_LETTERED);
  EXPECT_EQ(*store_->jobs().State(scan.job_ids[0]), v1::JOB_QUEUED);
  EXPECT_EQ(*store_->jobs().State(9999), v1::JOB_STATE_UNSPECIFIED);
  auto status = store_->views().GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->jobs(1).job_state(), v1::JOB_DEAD_LETTERED);
  EXPECT_EQ(status->jobs(1).state(), "dead");  // for clients that predate job_state
  std::unique_ptr<Database> db = Inspect();
  auto stored = db->Prepare("SELECT state FROM jobs WHERE id=?");
  ASSERT_TRUE(stored.ok());
  (*stored)->Bind(1, static_cast<int64_t>(job));
  ASSERT_TRUE(*(*stored)->Step());
  EXPECT_EQ((*stored)->ColumnText(0), "dead");
  (*stored)->Reset();

  ASSERT_TRUE(
      db->Exec("UPDATE jobs SET state='dead_lettered' WHERE id=" + std::to_string(job)).ok());
  EXPECT_EQ(store_->jobs().State(job).status().code(), StatusCode::kDataLoss);
  auto corrupt = store_->views().GetScan(scan.scan_id);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(corrupt.status().message().find("'dead_lettered'"), std::string::npos);
}

TEST_F(JobRecordsTest, SecretNamesTravelWithTheScanAndItsJobs) {
  NewScan scan;
  scan.target.set_repo("https://git.example.invalid/org/private.git");
  scan.target.set_ref("main");
  scan.target.add_secret_names("dast-login");
  scan.target.add_secret_names("api.key");
  scan.target.set_repo_token_secret("repo-token");
  scan.profile = "default";
  scan.jobs = {SastJob("bandit")};
  Begin();
  auto created = store_->lifecycle().CreateScan(scan, 100);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Commit();
  Reopen();
  auto assignment = store_->jobs().BuildAssignment(created->job_ids[0], 1);
  ASSERT_TRUE(assignment.ok()) << assignment.status().ToString();
  ASSERT_EQ(assignment->target().secret_names_size(), 2);
  EXPECT_EQ(assignment->target().secret_names(0), "dast-login");
  EXPECT_EQ(assignment->target().secret_names(1), "api.key");
  EXPECT_EQ(assignment->target().repo_token_secret(), "repo-token");
  auto status = store_->views().GetScan(created->scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->target().secret_names_size(), 2);
  EXPECT_EQ(status->target().repo_token_secret(), "repo-token");
  auto plain = CreateTwoJobScan();
  auto plain_assignment = store_->jobs().BuildAssignment(plain.job_ids[0], 1);
  ASSERT_TRUE(plain_assignment.ok());
  EXPECT_EQ(plain_assignment->target().secret_names_size(), 0);
  EXPECT_EQ(store_->jobs().BuildAssignment(9999, 1).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace scanfleet
