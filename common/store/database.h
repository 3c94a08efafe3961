// Database: a small RAII wrapper over one SQLite connection; the only file that
// includes sqlite3.h.
//
// Opens in WAL mode with synchronous=FULL (a commit is durable when Commit()
// returns), applies schema migrations in order (tracked with PRAGMA
// user_version) and caches prepared statements by their SQL text. SQLite
// result codes are converted to Status here and nowhere else.
// Thread-safety: a Database and its Statements belong to one thread.
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
  };

  // Opens (creating if missing) and applies `migrations`: migrations[i] brings
  // the schema from version i to i+1. A database newer than the migrations
  // known here is refused.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path, const Options& options,
                                                  const std::vector<std::string>& migrations);
  ~Database();

  Status Exec(std::string_view sql);
  // Returns a cached, reset statement; valid until the Database is destroyed.
  StatusOr<Statement*> Prepare(const std::string& sql);

  Status Begin();
  Status Commit();
  Status Rollback();
  bool in_transaction() const { return in_transaction_; }

  int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement
  int schema_version() const { return schema_version_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  Status Migrate(const std::vector<std::string>& migrations);
  sqlite3* db_;
  bool in_transaction_ = false;
  int schema_version_ = 0;
  std::map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace scanfleet
