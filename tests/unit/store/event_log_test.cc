// EventLog and EventPages on real SQLite: pages of the stored bytes in seq
// order with the chain hash before them, retention keeping an anchor while the
// sequence and the chain go on, a log stored before the chain existed being
// chained, and the read-only reader beside the writer.
#include "common/eventlog/chain.h"
#include "common/eventlog/log_auditor.h"
#include "common/security/checkpoint_signing.h"
#include "controller/store/event_log_reader.h"
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

constexpr size_t kAnyBytes = 1 << 20;

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
  // The whole stored log through the auditor (no checkpoints: the chain only).
  LogAudit AuditStoredLog() {
    LogAuditor auditor([](const v1::LogCheckpoint&) { return Status::Ok(); });
    auto anchor = store_->events().pages().Anchor();
    EXPECT_TRUE(anchor.ok());
    if (*anchor) auditor.StartAfter((*anchor)->seq(), (*anchor)->chain_hash());
    auto page = store_->events().pages().Read(0, 100000, kAnyBytes);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::string chain = page->prev_chain;
    for (size_t i = 0; i < page->events.size(); ++i) {
      uint64_t seq = page->first_seq + i;
      LogRecord record{seq, page->events[i], std::nullopt, chain, "row " + std::to_string(seq), "", std::nullopt};
      chain = NextChainHash(chain, seq, page->events[i]);
      record.chain = chain;
      auditor.Add(record);
    }
    return auditor.Finish();
  }
};

TEST_F(EventLogTest, PagesCarryTheStoredBytesInOrderWithTheChainBeforeThem) {
  ASSERT_NO_FATAL_FAILURE(FinishOneJobWithFourFindings());
  auto all = store_->events().pages().Read(0, 100, kAnyBytes);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->events.size(), 5u);  // scan.queued + 4 findings
  EXPECT_EQ(all->first_seq, 1u);
  EXPECT_EQ(all->prev_chain, GenesisChainHash());
  EXPECT_EQ(all->head_seq, 5u);
  std::string chain = GenesisChainHash();
  for (size_t i = 0; i < all->events.size(); ++i) {
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(all->events[i]));
    EXPECT_EQ(event.seq(), i + 1);
    EXPECT_EQ(CanonicalEventBytes(event), all->events[i]) << "stored bytes are canonical";
    chain = NextChainHash(chain, i + 1, all->events[i]);
  }
  EXPECT_EQ(all->last_chain, chain);
  EXPECT_EQ(store_->events().Head()->chain, chain);

  auto tail = store_->events().pages().Read(3, 1, kAnyBytes);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->events.size(), 1u);
  EXPECT_EQ(tail->first_seq, 4u);
  std::string third = GenesisChainHash();
  for (uint64_t seq = 1; seq <= 3; ++seq) third = NextChainHash(third, seq, all->events[seq - 1]);
  EXPECT_EQ(tail->prev_chain, third);
  // The byte bound still yields one event per page.
  EXPECT_EQ(store_->events().pages().Read(0, 100, 1)->events.size(), 1u);
  EXPECT_TRUE(store_->events().pages().Read(5, 100, kAnyBytes)->events.empty());
  EXPECT_TRUE(AuditStoredLog().ok());
}

TEST_F(EventLogTest, RetentionKeepsAnAnchorAndTheSequenceAndChainGoOn) {
  ASSERT_NO_FATAL_FAILURE(FinishOneJobWithFourFindings());
  auto before = store_->events().pages().Read(0, 100, kAnyBytes);
  ASSERT_TRUE(before.ok());
  Begin();
  auto none = store_->events().PruneBefore(100);  // nothing is older than t=100
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto pruned = store_->events().PruneBefore(250);  // scan.queued (t=100) only
  ASSERT_TRUE(pruned.ok());
  ASSERT_TRUE(pruned->has_value());
  EXPECT_EQ((*pruned)->seq, 1u);
  EXPECT_EQ((*pruned)->chain, NextChainHash(GenesisChainHash(), 1, before->events[0]));
  ASSERT_TRUE(
      store_->events().SetAnchor(UnsignedCheckpoint((*pruned)->seq, (*pruned)->chain, 250)).ok());
  Commit();
  auto page = store_->events().pages().Read(0, 100, kAnyBytes);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->first_stored_seq, 2u);
  EXPECT_EQ(page->first_seq, 2u);
  ASSERT_TRUE(page->anchor.has_value());
  EXPECT_EQ(page->prev_chain, (*pruned)->chain);
  EXPECT_TRUE(AuditStoredLog().ok());
  // Everything old: the store is empty but the sequence and the chain go on.
  Begin();
  auto rest = store_->events().PruneBefore(1000);
  ASSERT_TRUE(rest.ok() && rest->has_value());
  EXPECT_EQ((*rest)->seq, 5u);
  ASSERT_TRUE(store_->events().SetAnchor(UnsignedCheckpoint(5, (*rest)->chain, 1000)).ok());
  Commit();
  EXPECT_EQ(*store_->events().LastSeq(), 5u);
  EXPECT_EQ(store_->events().pages().Read(0, 100, kAnyBytes)->first_stored_seq, 0u);
  Reopen();  // the head comes back from the anchor
  Begin();
  v1::Event next;
  next.set_topic("scan.queued");
  ASSERT_TRUE(store_->events().Append(&next).ok());
  Commit();
  EXPECT_EQ(next.seq(), 6u) << "a seq is never reused";
  auto after = store_->events().pages().Read(5, 100, kAnyBytes);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->prev_chain, (*rest)->chain);
  EXPECT_TRUE(AuditStoredLog().ok());
}

TEST_F(EventLogTest, AnEditedRowIsCaughtByTheChain) {
  ASSERT_NO_FATAL_FAILURE(FinishOneJobWithFourFindings());
  auto db = Inspect();
  v1::Event forged;
  forged.set_seq(3);
  forged.set_topic("finding.info.flawfinder");  // was high or low
  ASSERT_TRUE(db->Prepare("UPDATE events SET payload=? WHERE seq=3")
                  .value()
                  ->BindBlob(1, CanonicalEventBytes(forged))
                  .Run()
                  .ok());
  db.reset();
  // Pages serve the stored bytes as they are; the stored chain no longer fits.
  auto page = store_->events().pages().Read(0, 100, kAnyBytes);
  ASSERT_TRUE(page.ok());
  LogAuditor auditor([](const v1::LogCheckpoint&) { return Status::Ok(); });
  auto chains = Inspect();
  for (size_t i = 0; i < page->events.size(); ++i) {
    uint64_t seq = page->first_seq + i;
    Statement* chain = chains->Prepare("SELECT chain FROM events WHERE seq=?").value();
    chain->Bind(1, static_cast<int64_t>(seq));
    ASSERT_TRUE(chain->Step().value());
    LogRecord record{seq, page->events[i], chain->ColumnBlob(0), std::nullopt, "row", "", std::nullopt};
    chain->Reset();
    auditor.Add(record);
  }
  LogAudit audit = auditor.Finish();
  ASSERT_FALSE(audit.ok());
  EXPECT_EQ(audit.problem->kind, LogProblem::kAltered);
  EXPECT_EQ(audit.problem->seq, 3u);
}

TEST_F(EventLogTest, ALogStoredBeforeTheChainIsChainedOnce) {
  // Schema 10: payloads without their seq, no chain column.
  std::filesystem::remove(path());
  {
    std::vector<std::string> ten(ControllerMigrations().begin(),
                                 ControllerMigrations().begin() + 10);
    auto old = Database::Open(path(), Database::Options{}, ten);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    for (int seq = 3; seq <= 5; ++seq) {  // 1 and 2 were deleted by retention
      v1::Event event;
      event.set_topic("scan.queued");
      event.set_scan_id(static_cast<uint64_t>(seq));
      Statement* insert = (*old)
                              ->Prepare(
                                  "INSERT INTO events(seq, topic, created_ms, scan_id, "
                                  "job_id, payload) VALUES(?, 'scan.queued', 1, ?, 0, ?)")
                              .value();
      insert->Bind(1, int64_t{seq}).Bind(2, int64_t{seq}).BindBlob(3, event.SerializeAsString());
      ASSERT_TRUE(insert->Run().ok());
    }
  }
  Reopen();
  Begin();
  std::optional<LogHead> needs_anchor;
  auto chained = store_->events().ChainOlderEvents(&needs_anchor);
  ASSERT_TRUE(chained.ok()) << chained.status().ToString();
  EXPECT_EQ(*chained, 3);
  ASSERT_TRUE(needs_anchor.has_value()) << "the oldest stored event is 3, not 1";
  EXPECT_EQ(needs_anchor->seq, 2u);
  ASSERT_TRUE(store_->events().SetAnchor(UnsignedCheckpoint(2, needs_anchor->chain, 1)).ok());
  EXPECT_EQ(*store_->events().ChainOlderEvents(&needs_anchor), 0) << "once";
  Commit();
  auto page = store_->events().pages().Read(0, 100, kAnyBytes);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->events.size(), 3u);
  v1::Event third;
  ASSERT_TRUE(third.ParseFromString(page->events[0]));
  EXPECT_EQ(third.seq(), 3u);
  EXPECT_EQ(third.scan_id(), 3u);
  EXPECT_TRUE(AuditStoredLog().ok());
}

TEST_F(EventLogTest, TheReadOnlyReaderSeesWhatIsCommitted) {
  ASSERT_NO_FATAL_FAILURE(FinishOneJobWithFourFindings());
  auto reader = EventLogReader::Open(path());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Begin();
  v1::Event pending;
  pending.set_topic("scan.queued");
  ASSERT_TRUE(store_->events().Append(&pending).ok());
  EXPECT_EQ((*reader)->pages().Read(0, 100, kAnyBytes)->events.size(), 5u) << "not yet";
  Commit();
  auto page = (*reader)->pages().Read(0, 100, kAnyBytes);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 6u);
  EXPECT_EQ(page->head_seq, 6u);
}

TEST_F(EventLogTest, TheReaderRefusesADatabaseOfAnotherSchema) {
  std::string other = (dir_ / "other.db").string();
  {
    auto old = Database::Open(other, Database::Options{}, {"CREATE TABLE t(x)"});
    ASSERT_TRUE(old.ok());
  }
  auto reader = EventLogReader::Open(other);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reader.status().message().find("migrate"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
