#include "common/store/database.h"

#include <sqlite3.h>

#include <utility>

namespace scanfleet {

namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errmsg(db) != nullptr)
    msg += std::string(" (") + sqlite3_errmsg(db) + ")";
  // Extended result codes are on (SQLITE_CONSTRAINT_UNIQUE...): the primary
  // code is the low byte.
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Unavailable(msg);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status::AlreadyExists(msg);
  }
  if (primary == SQLITE_CONSTRAINT) return Status::FailedPrecondition(msg);  // NOT NULL, FK...
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::DataLoss(msg);
  if (primary == SQLITE_FULL || primary == SQLITE_NOMEM) return Status::ResourceExhausted(msg);
  return Status::Internal(msg);
}

}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteError(nullptr, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteError(nullptr, rc, "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteError(nullptr, rc, "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = SqliteError(nullptr, rc, "bind");
  return *this;
}

StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), rc, "step");
}

Status Statement::Run() {
  auto stepped = Step();
  Reset();
  if (!stepped.ok()) return stepped.status();
  return Status::Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = Status::Ok();
}

int64_t Statement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, index));
}

std::string Statement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob), sqlite3_column_bytes(stmt_, index));
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, const Options& options,
                                                   const std::vector<std::string>& migrations) {
  sqlite3* raw = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(raw, rc, "opening database " + path);
    sqlite3_close(raw);
    return status;
  }
  std::unique_ptr<Database> db(new Database(raw));
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  if (options.read_only) {
    RETURN_IF_ERROR(db->CheckSchema(migrations));
    return db;
  }
  RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(
      db->Exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  RETURN_IF_ERROR(db->Migrate(migrations));
  return db;
}

Database::~Database() {
  if (in_transaction_) (void)Rollback();
  statements_.clear();
  sqlite3_close(db_);
}

Status Database::Exec(std::string_view sql) {
  RETURN_IF_ERROR(EnsureBegun());
  return RawExec(sql);
}

Status Database::EnsureBegun() {
  if (!in_transaction_ || begun_) return Status::Ok();
  RETURN_IF_ERROR(RawExec("BEGIN IMMEDIATE"));
  begun_ = true;
  return Status::Ok();
}

Status Database::RawExec(std::string_view sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string msg = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return SqliteError(nullptr, rc, "exec: " + msg);
  }
  return Status::Ok();
}

StatusOr<Statement*> Database::Prepare(const std::string& sql) {
  RETURN_IF_ERROR(EnsureBegun());
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
  auto owned = std::make_unique<Statement>(stmt);
  Statement* result = owned.get();
  statements_.emplace(sql, std::move(owned));
  return result;
}

Status Database::Begin() {
  if (in_transaction_) return Status::FailedPrecondition("a transaction is already open");
  in_transaction_ = true;  // BEGIN IMMEDIATE comes with the first statement
  begun_ = false;
  return Status::Ok();
}

Status Database::Commit() {
  SF_CHECK(in_transaction_);
  SF_CHECK(open_savepoints_ == 0);
  in_transaction_ = false;
  if (!std::exchange(begun_, false)) return Status::Ok();  // nothing ran: nothing to commit
  return RawExec("COMMIT");
}

Status Database::Rollback() {
  in_transaction_ = false;
  ++rollbacks_;
  bool begun = std::exchange(begun_, false);
  // A COMMIT that failed may leave SQLite's transaction open: end it too.
  if (!begun && sqlite3_get_autocommit(db_)) return Status::Ok();
  return RawExec("ROLLBACK");
}

StatusOr<Transaction> Transaction::Begin(Database& db) {
  RETURN_IF_ERROR(db.Begin());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)Rollback();
}

Status Transaction::Commit() {
  SF_CHECK(db_ != nullptr);
  Database* db = std::exchange(db_, nullptr);
  Status committed = db->Commit();
  // SQLite may keep a transaction whose COMMIT failed (SQLITE_BUSY) open:
  // end it, so the connection can begin the next one.
  if (!committed.ok() && !sqlite3_get_autocommit(db->db_)) (void)db->Rollback();
  return committed;
}

Status Transaction::Rollback() {
  SF_CHECK(db_ != nullptr);
  return std::exchange(db_, nullptr)->Rollback();
}

StatusOr<Savepoint> Savepoint::Open(Database& db, std::string name) {
  SF_CHECK(!name.empty() &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos);
  if (!db.in_transaction_) {
    return Status::FailedPrecondition("savepoint " + name + " needs an open transaction");
  }
  RETURN_IF_ERROR(db.Exec("SAVEPOINT " + name));
  ++db.open_savepoints_;
  return Savepoint(&db, std::move(name));
}

Savepoint::~Savepoint() {
  if (db_ != nullptr) (void)Rollback();
}

void Savepoint::Close() {
  --db_->open_savepoints_;
  db_ = nullptr;
}

Status Savepoint::Release() {
  SF_CHECK(db_ != nullptr);
  Status released = db_->Exec("RELEASE " + name_);
  Close();
  return released;
}

Status Savepoint::Rollback() {
  SF_CHECK(db_ != nullptr);
  // ROLLBACK TO keeps the savepoint open; RELEASE then closes it.
  Status rolled_back = db_->Exec("ROLLBACK TO " + name_);
  ++db_->rollbacks_;
  Status released = db_->Exec("RELEASE " + name_);
  Close();
  return rolled_back.ok() ? released : rolled_back;
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }
int64_t Database::total_changes() const { return sqlite3_total_changes64(db_); }

Status Database::CheckSchema(const std::vector<std::string>& migrations) {
  ASSIGN_OR_RETURN(Statement * version_stmt, Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool has_row, version_stmt->Step());
  int version = has_row ? static_cast<int>(version_stmt->ColumnInt(0)) : 0;
  version_stmt->Reset();
  if (version != static_cast<int>(migrations.size())) {
    return Status::FailedPrecondition("database schema version " + std::to_string(version) +
                                      ", this build reads version " +
                                      std::to_string(migrations.size()) +
                                      (version < static_cast<int>(migrations.size())
                                           ? " (start the controller once to migrate it)"
                                           : " (the database is newer than this build)"));
  }
  schema_version_ = version;
  return Status::Ok();
}

Status Database::Migrate(const std::vector<std::string>& migrations) {
  ASSIGN_OR_RETURN(Statement * version_stmt, Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool has_row, version_stmt->Step());
  int version = has_row ? static_cast<int>(version_stmt->ColumnInt(0)) : 0;
  version_stmt->Reset();
  if (version > static_cast<int>(migrations.size())) {
    return Status::FailedPrecondition("database schema version " + std::to_string(version) +
                                      " is newer than this build knows (" +
                                      std::to_string(migrations.size()) + ")");
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    ASSIGN_OR_RETURN(Transaction migration, Transaction::Begin(*this));
    Status applied = Exec(migrations[i]);
    if (applied.ok()) applied = Exec("PRAGMA user_version=" + std::to_string(i + 1));
    if (!applied.ok()) return applied.WithContext("schema migration " + std::to_string(i + 1));
    RETURN_IF_ERROR(migration.Commit());
  }
  schema_version_ = static_cast<int>(migrations.size());
  return Status::Ok();
}

}  // namespace scanfleet
