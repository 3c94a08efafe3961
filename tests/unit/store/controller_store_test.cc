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
  auto replay = store_->events().Replay(0, 100);
  ASSERT_TRUE(replay.ok());
  ASSERT_EQ(replay->events_size(), 1) << "the undone scan's event is gone too";
  EXPECT_EQ(replay->events(0).scan_id(), kept->scan_id);
}

}  // namespace
}  // namespace scanfleet
