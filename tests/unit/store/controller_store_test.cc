// ControllerStore: migrations on open, a database from a newer build refused,
// and the unit of work it hands out (a transaction, savepoints inside it).
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {
namespace {

using ControllerStoreTest = StoreTest;

TEST_F(ControllerStoreTest, MigratesAFreshDatabaseAndReopens) {
  const int latest = static_cast<int>(ControllerMigrations().size());
  EXPECT_EQ(store_->schema_version(), latest);
  Reopen();
  EXPECT_EQ(store_->schema_version(), latest);
}

TEST_F(ControllerStoreTest, RefusesADatabaseFromANewerBuild) {
  store_.reset();
  ASSERT_TRUE(Inspect()->Exec("PRAGMA user_version=99").ok());
  auto store = ControllerStore::Open(path(), Database::Options{});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ControllerStoreTest, ASavepointUndoesOneRequestAndKeepsTheBatch) {
  NewScan scan;
  scan.target.set_repo("/srv/repo");
  scan.target.set_ref("main");
  scan.profile = "default";
  scan.jobs = {SastJob("flawfinder")};
  EXPECT_EQ(store_->OpenSavepoint("api_request").status().code(), StatusCode::kFailedPrecondition);
  Begin();
  EXPECT_EQ(store_->BeginTransaction().status().code(), StatusCode::kFailedPrecondition);
  auto kept = store_->lifecycle().CreateScan(scan, 100);
  ASSERT_TRUE(kept.ok());
  uint64_t undone_id = 0;
  {
    auto request = store_->OpenSavepoint("api_request");
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    auto undone = store_->lifecycle().CreateScan(scan, 101);
    ASSERT_TRUE(undone.ok());
    undone_id = undone->scan_id;
    ASSERT_TRUE(request->Rollback().ok());
  }
  Commit();
  EXPECT_TRUE(store_->views().GetScan(kept->scan_id).ok());
  EXPECT_EQ(store_->views().GetScan(undone_id).status().code(), StatusCode::kNotFound);
  auto page = store_->events().pages().Read(0, 100, 1 << 20);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u) << "the undone scan's event is gone too";
  v1::Event event;
  ASSERT_TRUE(event.ParseFromString(page->events[0]));
  EXPECT_EQ(event.scan_id(), kept->scan_id);
  // The log's head went back with the rollback: the next event takes seq 2
  // and chains onto event 1.
  Begin();
  auto next = store_->lifecycle().CreateScan(scan, 102);
  ASSERT_TRUE(next.ok());
  Commit();
  EXPECT_EQ(next->event.seq(), 2u);
  auto after = store_->events().pages().Read(1, 100, 1 << 20);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->first_seq, 2u);
  EXPECT_EQ(after->prev_chain, page->last_chain);
}

}  // namespace
}  // namespace scanfleet
