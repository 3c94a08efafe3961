// ScanLifecycle on real SQLite: a scan's life from submit to its last job,
// idempotent terminal transitions, dead-letter and retry, cancel, and a
// re-parse replacing a job's findings.
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

using ScanLifecycleTest = StoreTest;

TEST_F(ScanLifecycleTest, ScanLifecycleIsStoredAndSurvivesReopen) {
  CreatedScan scan = CreateTwoJobScan();
  ASSERT_EQ(scan.job_ids.size(), 2u);
  EXPECT_EQ(scan.event.seq(), 1u);
  Begin();
  ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
  auto started = store_->lifecycle().RecordAccepted(scan.job_ids[0], 1, "w1", 210);
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(started->has_value()) << "first accepted job starts the scan";
  EXPECT_EQ((*started)->topic(), "scan.running");
  Commit();

  Reopen();
  auto unfinished = store_->jobs().LoadUnfinished();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 2u);
  EXPECT_EQ((*unfinished)[0].state, v1::JOB_RUNNING);
  EXPECT_EQ((*unfinished)[0].worker_id, "w1");
  EXPECT_EQ((*unfinished)[0].descriptor.attempt, 1u);
  EXPECT_EQ((*unfinished)[1].state, v1::JOB_QUEUED);

  Begin();
  v1::JobResult result = Result(scan.job_ids[0], 1, 3);
  result.set_skipped_records(2);
  ASSERT_TRUE(store_->jobs().RecordAttempt(result, "w1", v1::ATTEMPT_SUCCEEDED, 300).ok());
  auto finish = store_->lifecycle().FinishJob(result, JobOutcome::kSucceeded, 300);
  ASSERT_TRUE(finish.ok()) << finish.status().ToString();
  EXPECT_TRUE(finish->applied);
  EXPECT_EQ(finish->events.size(), 3u);
  EXPECT_EQ(finish->events[0].topic(), "finding.high.flawfinder");
  // The same result again (a re-delivery) changes nothing.
  auto again = store_->lifecycle().FinishJob(result, JobOutcome::kSucceeded, 301);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->applied);
  Commit();

  auto status = store_->views().GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state(), v1::SCAN_RUNNING);
  EXPECT_EQ(status->jobs_done(), 1u);
  EXPECT_EQ(status->findings(), 3u);
  EXPECT_EQ(status->findings_by_severity(v1::SEVERITY_HIGH), 1u);
  EXPECT_EQ(status->findings_by_severity(v1::SEVERITY_LOW), 2u);
  EXPECT_EQ(status->jobs(0).skipped_records(), 2u) << "skipped output is reported, not hidden";

  auto findings = store_->findings().List(scan.scan_id, v1::SEVERITY_INFO);
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->size(), 3u);
  EXPECT_EQ((*findings)[0].cwes_size(), 2);
  EXPECT_EQ((*findings)[0].cwes(1), 20);
  auto high = store_->findings().List(scan.scan_id, v1::SEVERITY_HIGH);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->size(), 1u);
}

TEST_F(ScanLifecycleTest, LastJobFailingEndsTheScanFailedWithAnEvent) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  for (uint64_t job_id : scan.job_ids) {
    ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{job_id, 1, "sast", 0}, 200).ok());
  }
  ASSERT_TRUE(store_->lifecycle()
                  .FinishJob(Result(scan.job_ids[0], 1, 0), JobOutcome::kSucceeded, 300)
                  .ok());
  v1::JobResult failed = Result(scan.job_ids[1], 1, 0);
  failed.set_error("scanner exited with code 2");
  auto finish = store_->lifecycle().FinishJob(failed, JobOutcome::kFailed, 400);
  ASSERT_TRUE(finish.ok());
  ASSERT_EQ(finish->events.size(), 1u);
  EXPECT_EQ(finish->events[0].topic(), "scan.failed");
  EXPECT_EQ(finish->events[0].scan().jobs_done(), 2u);
  EXPECT_EQ(finish->events[0].scan().finished_ms(), 400);
  Commit();
  auto status = store_->views().GetScan(scan.scan_id);
  EXPECT_EQ(status->state(), v1::SCAN_FAILED);
  EXPECT_EQ(status->jobs_failed(), 1u);
  EXPECT_EQ(status->finished_ms(), 400);
  EXPECT_EQ(status->jobs(1).error(), "scanner exited with code 2");
}

TEST_F(ScanLifecycleTest, DeadLetteredJobKeepsItsErrorAndRetryReopensTheScan) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  for (uint64_t job_id : scan.job_ids) {
    ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{job_id, 3, "sast", 0}, 200).ok());
  }
  ASSERT_TRUE(store_->lifecycle()
                  .FinishJob(Result(scan.job_ids[0], 3, 1), JobOutcome::kSucceeded, 300)
                  .ok());
  v1::JobResult crashed = Result(scan.job_ids[1], 3, 0);
  crashed.set_error("bandit killed by signal 11");
  auto finish = store_->lifecycle().FinishJob(crashed, JobOutcome::kDeadLettered, 400);
  ASSERT_TRUE(finish.ok());
  ASSERT_EQ(finish->events.size(), 2u);
  EXPECT_EQ(finish->events[0].topic(), "job.dead_lettered");
  EXPECT_EQ(finish->events[0].job().error(), "bandit killed by signal 11");
  EXPECT_EQ(finish->events[0].job().scanner(), "bandit");
  EXPECT_EQ(finish->events[1].topic(), "scan.failed");
  Commit();
  EXPECT_EQ(store_->views().GetScan(scan.scan_id)->jobs(1).job_state(), v1::JOB_DEAD_LETTERED);

  Begin();
  auto retried = store_->lifecycle().RetryDeadJobs(scan.scan_id, 0, 500);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  ASSERT_EQ(retried->jobs.size(), 1u);
  EXPECT_EQ(retried->jobs[0].job_id, scan.job_ids[1]);
  EXPECT_EQ(retried->jobs[0].attempt, 3u) << "attempt numbers keep counting";
  EXPECT_EQ(retried->jobs[0].failures, 0u);
  ASSERT_EQ(retried->events.size(), 1u);
  EXPECT_EQ(retried->events[0].topic(), "scan.running");
  Commit();
  auto status = store_->views().GetScan(scan.scan_id);
  EXPECT_EQ(status->state(), v1::SCAN_RUNNING);
  EXPECT_EQ(status->jobs_done(), 1u);
  EXPECT_EQ(status->jobs_failed(), 0u);
  auto unfinished = store_->jobs().LoadUnfinished();
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].state, v1::JOB_QUEUED);
  // Nothing dead is left to retry.
  Begin();
  EXPECT_TRUE(store_->lifecycle().RetryDeadJobs(scan.scan_id, 0, 600)->jobs.empty());
  Commit();
}

TEST_F(ScanLifecycleTest, CancelEndsUnfinishedJobsAndTheScanOnce) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
  auto cancelled = store_->lifecycle().CancelScan(scan.scan_id, "wrong branch", 300);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->job_ids, scan.job_ids);
  EXPECT_EQ(cancelled->event.topic(), "scan.cancelled");
  // A late result of the cancelled attempt applies nothing.
  EXPECT_FALSE(store_->lifecycle()
                   .FinishJob(Result(scan.job_ids[0], 1, 3), JobOutcome::kSucceeded, 310)
                   ->applied);
  auto again = store_->lifecycle().CancelScan(scan.scan_id, "twice", 320);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->lifecycle().CancelScan(9999, "none", 320).status().code(),
            StatusCode::kNotFound);
  Commit();
  auto status = store_->views().GetScan(scan.scan_id);
  EXPECT_EQ(status->state(), v1::SCAN_CANCELLED);
  EXPECT_EQ(status->findings(), 0u);
  EXPECT_EQ(status->jobs_done(), 2u);
  EXPECT_TRUE(store_->jobs().LoadUnfinished()->empty());
}

TEST_F(ScanLifecycleTest, AReparseReplacesTheFindingsAndCanTurnAFailedScanSucceeded) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  for (uint64_t job_id : scan.job_ids) {
    ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{job_id, 1, "sast", 0}, 200).ok());
  }
  ASSERT_TRUE(store_->lifecycle()
                  .FinishJob(Result(scan.job_ids[0], 1, 2), JobOutcome::kSucceeded, 300)
                  .ok());
  v1::JobResult unparsable = Result(scan.job_ids[1], 1, 0);
  unparsable.set_error("cannot parse the report");
  ASSERT_TRUE(store_->lifecycle().FinishJob(unparsable, JobOutcome::kFailed, 310).ok());
  // A queued job cannot be re-parsed.
  CreatedScan other;
  {
    NewScan queued;
    queued.target.set_repo("/srv/repo");
    queued.target.set_ref("main");
    queued.profile = "default";
    queued.jobs = {SastJob("bandit")};
    other = store_->lifecycle().CreateScan(queued, 320).value();
  }
  EXPECT_EQ(store_->lifecycle()
                .ReplaceFindings(other.scan_id, Result(other.job_ids[0], 1, 1), 330)
                .status()
                .code(),
            StatusCode::kFailedPrecondition);

  auto events =
      store_->lifecycle().ReplaceFindings(scan.scan_id, Result(scan.job_ids[1], 1, 3), 400);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 4u);  // three findings, then the scan's new outcome
  EXPECT_EQ(events->back().topic(), "scan.succeeded");
  Commit();
  auto status = store_->views().GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state(), v1::SCAN_SUCCEEDED);
  EXPECT_EQ(status->jobs_failed(), 0u);
  EXPECT_EQ(status->findings(), 5u);
  EXPECT_EQ(status->jobs(1).job_state(), v1::JOB_SUCCEEDED);
  EXPECT_EQ(status->jobs(1).error(), "");

  // Again: the job's findings are replaced, not added to; the scan stays.
  Begin();
  events = store_->lifecycle().ReplaceFindings(scan.scan_id, Result(scan.job_ids[1], 1, 1), 500);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  Commit();
  EXPECT_EQ(store_->views().GetScan(scan.scan_id)->findings(), 3u);
  EXPECT_EQ(store_->findings().List(scan.scan_id, v1::SEVERITY_INFO)->size(), 3u);
}

}  // namespace
}  // namespace scanfleet
