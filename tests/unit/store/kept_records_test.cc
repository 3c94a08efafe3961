// The small stores on real SQLite: raw reports kept, listed with the finished
// jobs that have none, and pruned by age; schedule runs saved and reloaded;
// each worker's last hello.
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

using KeptRecordsTest = StoreTest;

TEST_F(KeptRecordsTest, RawReportsOfFinishedJobsAreKeptUntilPruned) {
  CreatedScan scan = CreateTwoJobScan();
  Begin();
  for (uint64_t job_id : scan.job_ids) {
    ASSERT_TRUE(store_->jobs().RecordDispatch(DispatchJob{job_id, 1, "sast", 0}, 200).ok());
  }
  v1::JobResult with_report = Result(scan.job_ids[0], 1, 0);
  with_report.set_raw_report("compressed bytes");
  with_report.set_raw_report_bytes(100);
  with_report.set_tool_version("flawfinder 2.0.19");
  ASSERT_TRUE(store_->lifecycle().FinishJob(with_report, JobOutcome::kSucceeded, 300).ok());
  ASSERT_TRUE(store_->raw_reports().Keep(with_report, 300).ok());
  v1::JobResult without = Result(scan.job_ids[1], 1, 0);
  ASSERT_TRUE(store_->raw_reports().Keep(without, 310).ok()) << "nothing to keep is no error";
  Commit();

  uint32_t without_report = 99;
  auto reports = store_->raw_reports().LoadOfScan(scan.scan_id, &without_report);
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ(without_report, 0u) << "the unfinished job is not counted";
  EXPECT_EQ((*reports)[0].job_id, scan.job_ids[0]);
  EXPECT_EQ((*reports)[0].state, v1::JOB_SUCCEEDED);
  EXPECT_EQ((*reports)[0].report, "compressed bytes");
  EXPECT_EQ((*reports)[0].tool_version, "flawfinder 2.0.19");

  Begin();
  ASSERT_TRUE(store_->lifecycle().FinishJob(without, JobOutcome::kFailed, 320).ok());
  EXPECT_EQ(*store_->raw_reports().PruneBefore(300), 0);
  EXPECT_EQ(*store_->raw_reports().PruneBefore(301), 1);
  Commit();
  reports = store_->raw_reports().LoadOfScan(scan.scan_id, &without_report);
  ASSERT_TRUE(reports.ok());
  EXPECT_TRUE(reports->empty());
  EXPECT_EQ(without_report, 2u);
}

TEST_F(KeptRecordsTest, ScheduleRunsAreSavedAndReloaded) {
  Begin();
  ASSERT_TRUE(store_->schedule_runs().Save("nightly", ScheduleRun{1000, 7, 2}).ok());
  ASSERT_TRUE(store_->schedule_runs().Save("hourly", ScheduleRun{500, 0, 0}).ok());
  ASSERT_TRUE(store_->schedule_runs().Save("nightly", ScheduleRun{2000, 8, 2}).ok());
  Commit();
  Reopen();
  auto runs = store_->schedule_runs().LoadAll();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(runs->at("nightly").last_slot_ms, 2000);
  EXPECT_EQ(runs->at("nightly").last_scan_id, 8u);
  EXPECT_EQ(runs->at("nightly").skipped, 2u);
  EXPECT_EQ(runs->at("hourly").last_slot_ms, 500);
}

TEST_F(KeptRecordsTest, EachWorkersLastHelloIsKept) {
  v1::WorkerHello first;
  first.set_hostname("host-a");
  v1::WorkerHello second;
  second.set_hostname("host-b");
  Begin();
  ASSERT_TRUE(store_->worker_hellos().Record("w2", first, 100).ok());
  ASSERT_TRUE(store_->worker_hellos().Record("w1", first, 110).ok());
  ASSERT_TRUE(store_->worker_hellos().Record("w2", second, 120).ok());
  Commit();
  Reopen();
  auto hellos = store_->worker_hellos().LoadAll();
  ASSERT_TRUE(hellos.ok());
  ASSERT_EQ(hellos->size(), 2u);
  EXPECT_EQ((*hellos)[0].first, "w1");
  EXPECT_EQ((*hellos)[1].first, "w2");
  EXPECT_EQ((*hellos)[1].second.hostname(), "host-b");
}

}  // namespace
}  // namespace scanfleet
