// EventLog on real SQLite: replay in seq order after a given seq, and
// retention deleting an old prefix while the sequence goes on.
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

class EventLogTest : public StoreTest {
 protected:
  // A two-job scan queued at t=100 whose first job finished at t=300 with 4
  // findings: events 1 (scan.queued) to 5.
  void FinishOneJobWithFourFindings() {
    CreatedScan scan = CreateTwoJobScan();
    Begin();
    ASSERT_TRUE(
        store_->jobs().RecordDispatch(DispatchJob{scan.job_ids[0], 1, "sast", 0}, 200).ok());
    ASSERT_TRUE(store_->lifecycle()
                    .FinishJob(Result(scan.job_ids[0], 1, 4), JobOutcome::kSucceeded, 300)
                    .ok());
    Commit();
  }
};

TEST_F(EventLogTest, EventsReplayInOrderAfterASequenceNumber) {
  ASSERT_NO_FATAL_FAILURE(FinishOneJobWithFourFindings());
  auto all = store_->events().Replay(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->events_size(), 5);  // scan.queued + 4 findings
  for (int i = 0; i < all->events_size(); ++i) EXPECT_EQ(all->events(i).seq(), uint64_t(i + 1));
  EXPECT_EQ(all->last_seq(), 5u);
  auto tail = store_->events().Replay(3, 1);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->events_size(), 1);
  EXPECT_EQ(tail->events(0).seq(), 4u);
  EXPECT_TRUE(tail->events(0).has_finding());
}

TEST_F(EventLogTest, RetentionDeletesTheOldPrefixAndReplaySaysWhereTheStoreBegins) {
  ASSERT_NO_FATAL_FAILURE(FinishOneJobWithFourFindings());
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
  Begin();
  v1::Event next;
  next.set_topic("scan.queued");
  ASSERT_TRUE(store_->events().Append(&next).ok());
  Commit();
  EXPECT_EQ(next.seq(), 6u) << "a seq is never reused";
}

}  // namespace
}  // namespace scanfleet
