// ScanRecords on real SQLite: a submit's idempotency key finds its scan and
// cannot be stored twice.
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

using ScanRecordsTest = StoreTest;

TEST_F(ScanRecordsTest, SubmissionIsFoundByItsIdempotencyKey) {
  NewScan scan;
  scan.target.set_repo("/srv/repo");
  scan.target.set_ref("main");
  scan.profile = "default";
  scan.jobs = {SastJob("flawfinder"), SastJob("bandit")};
  scan.idempotency_key = "push-42";
  Begin();
  EXPECT_FALSE(store_->scans().FindSubmission("push-42")->has_value());
  EXPECT_FALSE(store_->scans().FindSubmission("")->has_value());
  auto created = store_->lifecycle().CreateScan(scan, 100);
  ASSERT_TRUE(created.ok());
  auto found = store_->scans().FindSubmission("push-42");
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->scan_id(), created->scan_id);
  EXPECT_TRUE((*found)->duplicate());
  EXPECT_EQ((*found)->scanners_size(), 2);
  // The key is unique: a second scan with it cannot be stored.
  EXPECT_FALSE(store_->lifecycle().CreateScan(scan, 101).ok());
  Commit();
}

}  // namespace
}  // namespace scanfleet
