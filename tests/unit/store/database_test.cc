// Transaction and Savepoint on a real SQLite file: what commits, what a scope
// exit rolls back, that a nested savepoint's rollback keeps the writes of
// the savepoints and the transaction around it, and that a transaction takes
// the write lock only with its first statement.
#include "common/store/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace scanfleet {
namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE t(v INTEGER NOT NULL);"
    "CREATE TABLE unique_values(v INTEGER UNIQUE);"
    "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
    // Checked at COMMIT, so a commit can fail after every write succeeded.
    "CREATE TABLE child(p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"};

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sf-database-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    db_.reset();
    auto db = Database::Open((dir_ / "test.db").string(), Database::Options{}, kMigrations);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void Insert(int64_t v) {
    auto insert = db_->Prepare("INSERT INTO t(v) VALUES(?)");
    ASSERT_TRUE(insert.ok());
    (*insert)->Bind(1, v);
    ASSERT_TRUE((*insert)->Run().ok());
  }
  // The stored values, in insertion order.
  std::vector<int64_t> Values() {
    auto query = db_->Prepare("SELECT v FROM t ORDER BY rowid");
    EXPECT_TRUE(query.ok());
    std::vector<int64_t> values;
    while ((*query)->Step().value()) values.push_back((*query)->ColumnInt(0));
    (*query)->Reset();
    return values;
  }
  Transaction Begin() {
    auto transaction = Transaction::Begin(*db_);
    EXPECT_TRUE(transaction.ok()) << transaction.status().ToString();
    return std::move(transaction).value();
  }
  Savepoint Open(const std::string& name) {
    auto savepoint = Savepoint::Open(*db_, name);
    EXPECT_TRUE(savepoint.ok()) << savepoint.status().ToString();
    return std::move(savepoint).value();
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, ErrorsAreClassifiedByTheirPrimaryCode) {
  // Extended result codes are on: a UNIQUE violation is SQLITE_CONSTRAINT_UNIQUE.
  auto insert = db_->Prepare("INSERT INTO unique_values(v) VALUES(1)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE((*insert)->Run().ok());
  Status again = (*insert)->Run();
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
  Status not_null = db_->Exec("INSERT INTO t(v) VALUES(NULL)");
  EXPECT_EQ(not_null.code(), StatusCode::kFailedPrecondition) << not_null.ToString();
}

TEST_F(DatabaseTest, ACommittedTransactionSurvivesReopening) {
  Transaction transaction = Begin();
  EXPECT_TRUE(db_->in_transaction());
  Insert(1);
  Insert(2);
  ASSERT_TRUE(transaction.Commit().ok());
  EXPECT_FALSE(transaction.open());
  EXPECT_FALSE(db_->in_transaction());
  Reopen();
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 2}));
}

TEST_F(DatabaseTest, LeavingTheScopeWithoutCommitRollsBack) {
  {
    Transaction committed = Begin();
    Insert(1);
    ASSERT_TRUE(committed.Commit().ok());
  }
  {
    Transaction abandoned = Begin();
    Insert(2);
    EXPECT_EQ(Values(), (std::vector<int64_t>{1, 2}));
  }
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_EQ(Values(), std::vector<int64_t>{1});
  // The connection is free for the next unit of work.
  Transaction next = Begin();
  Insert(3);
  ASSERT_TRUE(next.Commit().ok());
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 3}));
}

TEST_F(DatabaseTest, AnExplicitRollbackDiscardsAndAMovedFromTransactionDoesNothing) {
  Transaction first = Begin();
  Insert(1);
  Transaction moved = std::move(first);
  EXPECT_FALSE(first.open());  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_TRUE(moved.open());
  ASSERT_TRUE(moved.Rollback().ok());
  EXPECT_FALSE(moved.open());
  EXPECT_TRUE(Values().empty());
}

TEST_F(DatabaseTest, TransactionsDoNotNest) {
  Transaction outer = Begin();
  auto inner = Transaction::Begin(*db_);
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.status().code(), StatusCode::kFailedPrecondition);
  Insert(1);
  ASSERT_TRUE(outer.Commit().ok()) << "the refused inner begin left the outer one intact";
  EXPECT_EQ(Values(), std::vector<int64_t>{1});
}

TEST_F(DatabaseTest, AFailedCommitEndsTheTransactionAndDiscardsItsWrites) {
  Transaction transaction = Begin();
  Insert(1);
  ASSERT_TRUE(db_->Exec("INSERT INTO child(p) VALUES(42)").ok());  // no parent 42
  Status committed = transaction.Commit();
  EXPECT_FALSE(committed.ok());
  EXPECT_FALSE(transaction.open());
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_TRUE(Values().empty());
  Transaction next = Begin();
  Insert(2);
  ASSERT_TRUE(next.Commit().ok());
  EXPECT_EQ(Values(), std::vector<int64_t>{2});
}

TEST_F(DatabaseTest, ATransactionTakesTheWriteLockAtItsFirstStatementNotBefore) {
  Database::Options impatient;
  impatient.busy_timeout_ms = 0;
  auto other = Database::Open((dir_ / "test.db").string(), impatient, kMigrations);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto other_writes = [&](int64_t v) -> Status {
    ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(**other));
    ASSIGN_OR_RETURN(Statement * insert, (*other)->Prepare("INSERT INTO t(v) VALUES(?)"));
    RETURN_IF_ERROR(insert->Bind(1, v).Run());
    return transaction.Commit();
  };
  // A unit of work that runs no statement holds no lock and commits nothing.
  Transaction idle = Begin();
  EXPECT_TRUE(other_writes(1).ok());
  EXPECT_TRUE(idle.Commit().ok());
  // Its first statement takes the write lock (BEGIN IMMEDIATE) until the commit.
  Transaction writing = Begin();
  Insert(2);
  EXPECT_EQ(other_writes(3).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(writing.Commit().ok());
  EXPECT_TRUE(other_writes(4).ok());
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 2, 4}));
}

TEST_F(DatabaseTest, ASavepointNeedsAnOpenTransaction) {
  auto savepoint = Savepoint::Open(*db_, "orphan");
  ASSERT_FALSE(savepoint.ok());
  EXPECT_EQ(savepoint.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(db_->in_transaction());
}

TEST_F(DatabaseTest, AReleasedSavepointCommitsWithItsTransaction) {
  Transaction transaction = Begin();
  Insert(1);
  {
    Savepoint request = Open("request");
    Insert(2);
    ASSERT_TRUE(request.Release().ok());
  }
  ASSERT_TRUE(transaction.Commit().ok());
  Reopen();
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 2}));
}

TEST_F(DatabaseTest, ASavepointLeftWithoutReleaseUndoesOnlyItsOwnWrites) {
  Transaction transaction = Begin();
  Insert(1);
  {
    Savepoint request = Open("request");
    Insert(2);
  }
  EXPECT_TRUE(db_->in_transaction()) << "the transaction stays open";
  Insert(3);
  ASSERT_TRUE(transaction.Commit().ok());
  Reopen();
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 3}));
}

TEST_F(DatabaseTest, ANestedSavepointRollbackKeepsTheOuterWrites) {
  Transaction transaction = Begin();
  Insert(1);
  Savepoint outer = Open("outer");
  Insert(2);
  {
    Savepoint inner = Open("inner");
    Insert(3);
    ASSERT_TRUE(inner.Rollback().ok());
  }
  Insert(4);
  ASSERT_TRUE(outer.Release().ok());
  ASSERT_TRUE(transaction.Commit().ok());
  Reopen();
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 2, 4}));
}

TEST_F(DatabaseTest, RollingBackAnOuterSavepointUndoesTheReleasedInnerOne) {
  Transaction transaction = Begin();
  Insert(1);
  Savepoint outer = Open("outer");
  {
    Savepoint inner = Open("inner");
    Insert(2);
    ASSERT_TRUE(inner.Release().ok());
  }
  ASSERT_TRUE(outer.Rollback().ok());
  ASSERT_TRUE(transaction.Commit().ok());
  EXPECT_EQ(Values(), std::vector<int64_t>{1});
}

TEST_F(DatabaseTest, ASavepointNameCanBeReusedAfterItCloses) {
  Transaction transaction = Begin();
  for (int64_t v = 1; v <= 3; ++v) {
    Savepoint request = Open("api_request");
    Insert(v);
    if (v == 2) {
      ASSERT_TRUE(request.Rollback().ok());
    } else {
      ASSERT_TRUE(request.Release().ok());
    }
  }
  ASSERT_TRUE(transaction.Commit().ok());
  EXPECT_EQ(Values(), (std::vector<int64_t>{1, 3}));
}

}  // namespace
}  // namespace scanfleet
