// The store tests' fixture: a ControllerStore on a real SQLite file in a
// fresh temporary directory, the loop's unit of work (one transaction,
// committed explicitly) and the scans and results the tests share.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "controller/store/controller_store.h"
#include "controller/store/schema.h"

namespace scanfleet {

inline NewJob SastJob(const std::string& scanner) {
  NewJob job;
  job.scanner = scanner;
  job.pool = "sast";
  job.timeout_ms = 1000;
  return job;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sf-store-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    batch_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path() const { return (dir_ / "test.db").string(); }
  void Reopen() {
    batch_.reset();
    store_.reset();
    auto store = ControllerStore::Open(path(), Database::Options{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void Begin() {
    auto batch = store_->BeginTransaction();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    batch_.emplace(std::move(batch).value());
  }
  void Commit() {
    ASSERT_TRUE(batch_.has_value());
    EXPECT_TRUE(batch_->Commit().ok());
    batch_.reset();
  }
  // A second connection, for what no store reads back; sees committed rows.
  std::unique_ptr<Database> Inspect() {
    auto db = Database::Open(path(), Database::Options{}, ControllerMigrations());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(db).value();
  }
  CreatedScan CreateTwoJobScan() {
    NewScan scan;
    scan.target.set_repo("/srv/repo");
    scan.target.set_ref("main");
    scan.profile = "default";
    scan.jobs = {SastJob("flawfinder"), SastJob("bandit")};
    Begin();
    auto created = store_->lifecycle().CreateScan(scan, 100);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    Commit();
    return created.value();
  }
  static v1::JobResult Result(uint64_t job_id, uint32_t attempt, int findings) {
    v1::JobResult result;
    result.mutable_job()->set_job_id(job_id);
    result.mutable_job()->set_attempt(attempt);
    for (int i = 0; i < findings; ++i) {
      v1::Finding* f = result.add_findings();
      f->set_tool("flawfinder");
      f->set_rule_id("FF1001");
      f->set_path("src/a.c");
      f->set_line(i + 1);
      f->set_severity(i == 0 ? v1::SEVERITY_HIGH : v1::SEVERITY_LOW);
      f->add_cwes(120);
      f->add_cwes(20);
      f->set_fingerprint("fp" + std::to_string(i));
    }
    return result;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ControllerStore> store_;
  std::optional<Transaction> batch_;
};

}  // namespace scanfleet
