// Database: a small RAII wrapper over one SQLite connection; the only file that
// includes sqlite3.h.
//
// Opens in WAL mode with synchronous=FULL (a transaction is durable when
// Transaction::Commit() returns), applies schema migrations in order (tracked
// with PRAGMA user_version) and caches prepared statements by their SQL text.
// SQLite result codes are converted to Status here and nowhere else.
//
// Transactions and savepoints are scoped objects, never SQL a caller writes:
// whoever owns the unit of work (the controller loop: one Transaction per
// iteration, its group commit) opens a Transaction; code inside it that must
// be able to undo just its own writes (one API request) opens a Savepoint.
// Either, destroyed before it is committed or released, rolls back. A
// Transaction issues its BEGIN IMMEDIATE when the first statement inside it
// is prepared (every statement is: Prepare() is the only way to one), so a
// unit of work that reads and writes nothing costs no SQL and no lock (an
// idle controller iteration).
// Thread-safety: a Database, its Statements, Transactions and Savepoints
// belong to one thread; none of them may outlive the Database.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace scanfleet {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bind by 1-based index. Errors are remembered and returned by Step()/Run().
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // Advances one row: true when a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to completion (for statements that return no rows) and resets.
  Status Run();
  // Clears bindings and rewinds; call before reusing a cached statement.
  void Reset();

  int64_t ColumnInt(int index) const;
  std::string ColumnText(int index) const;
  std::string ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  sqlite3_stmt* stmt_;
  Status bind_status_;
};

class Database {
 public:
  struct Options {
    bool synchronous_full = true;  // FULL: durable at commit; NORMAL: faster, WAL-safe
    int busy_timeout_ms = 5000;
    // A reader beside the writer (WAL lets it read while the writer commits):
    // opened SQLITE_OPEN_READONLY, never created or migrated; a schema
    // other than the migrations' is refused (the writer migrates first).
    bool read_only = false;
  };

  // Opens (creating if missing) and applies `migrations`: migrations[i] brings
  // the schema from version i to i+1. A database newer than the migrations
  // known here is refused.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path, const Options& options,
                                                  const std::vector<std::string>& migrations);
  ~Database();

  Status Exec(std::string_view sql);
  // Returns a cached, reset statement; valid until the Database is destroyed.
  // Inside a Transaction, get it again for each use: preparing is what opens
  // the transaction in SQLite.
  StatusOr<Statement*> Prepare(const std::string& sql);

  bool in_transaction() const { return in_transaction_; }

  int64_t last_insert_rowid() const;
  int changes() const;            // rows changed by the last statement
  int64_t total_changes() const;  // rows changed since the database was opened
  int schema_version() const { return schema_version_; }
  // Counts rollbacks of transactions and savepoints: a cache of what is
  // stored (e.g. the event log's head) is still right while it is unchanged.
  uint64_t rollbacks() const { return rollbacks_; }

 private:
  friend class Transaction;
  friend class Savepoint;

  explicit Database(sqlite3* db) : db_(db) {}
  Status Migrate(const std::vector<std::string>& migrations);
  Status CheckSchema(const std::vector<std::string>& migrations);
  Status Begin();
  Status Commit();
  Status Rollback();
  // Issues the open transaction's BEGIN IMMEDIATE if it has not been yet.
  Status EnsureBegun();
  Status RawExec(std::string_view sql);

  sqlite3* db_;
  bool in_transaction_ = false;
  bool begun_ = false;  // the open transaction's BEGIN was issued
  int open_savepoints_ = 0;  // a Commit() with one open is a bug of ours
  int schema_version_ = 0;
  uint64_t rollbacks_ = 0;
  std::map<std::string, std::unique_ptr<Statement>> statements_;
};

// One BEGIN IMMEDIATE ... COMMIT (both issued only if a statement ran in
// between). Destroyed without a successful Commit(), it rolls back. Stores write inside the caller's transaction and never open one.
class Transaction {
 public:
  // FailedPrecondition when `db` already has an open transaction (they do not
  // nest; use a Savepoint inside one).
  static StatusOr<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Makes every write since Begin durable. Once called, successful or not,
  // the transaction is over: a failed commit's writes are discarded.
  Status Commit();
  // Discards every write since Begin (the destructor does it too).
  Status Rollback();
  bool open() const { return db_ != nullptr; }

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // null once committed, rolled back or moved from
};

// A named point inside an open Transaction that writes since it can be undone
// to, keeping the enclosing transaction's (and outer savepoints') writes.
// Release() keeps its writes as part of the transaction; Rollback(), or
// destruction without Release(), undoes them. Savepoints nest; close an inner
// one before an outer one, and every one before the transaction commits.
class Savepoint {
 public:
  // `name` is an SQL identifier of our own (letters, digits, '_'); a bad one
  // aborts. FailedPrecondition when `db` has no open transaction.
  static StatusOr<Savepoint> Open(Database& db, std::string name);
  Savepoint(Savepoint&& other) noexcept : db_(other.db_), name_(std::move(other.name_)) {
    other.db_ = nullptr;
  }
  Savepoint& operator=(Savepoint&&) = delete;
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  // Keeps the writes since Open; they commit or roll back with the transaction.
  Status Release();
  // Undoes the writes since Open and closes the savepoint.
  Status Rollback();

 private:
  Savepoint(Database* db, std::string name) : db_(db), name_(std::move(name)) {}
  void Close();
  Database* db_;  // null once released, rolled back or moved from
  std::string name_;
};

}  // namespace scanfleet
