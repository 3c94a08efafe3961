// The store's side of incremental and sharded scans, on a real SQLite file:
// a base is usable only when its jobs of the scanner all succeeded on one
// commit of the same repository; an incremental result carries the base's
// findings of unchanged files (a shard only its own), by reference, counted; a
// result that says it scanned everything carries nothing and notes why.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "common/incremental/shard.h"
#include "controller/store/controller_store.h"
#include "controller/store/schema.h"

namespace scanfleet {
namespace {

const std::string kCommitA(40, 'a');
const std::string kCommitB(40, 'b');

class IncrementalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sf-incstore-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = ControllerStore::Open((dir_ / "test.db").string(), Database::Options{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto batch = store_->BeginTransaction();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    batch_.emplace(std::move(batch).value());
  }
  void TearDown() override {
    batch_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  CreatedScan Create(std::vector<NewJob> jobs, const std::string& repo = "/srv/repo") {
    NewScan scan;
    scan.target.set_repo(repo);
    scan.target.set_ref("main");
    scan.profile = "default";
    scan.jobs = std::move(jobs);
    auto created = store_->lifecycle().CreateScan(scan, 100);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.value();
  }
  static NewJob Job(const std::string& scanner, uint64_t base = 0, uint32_t shard = 0,
                    uint32_t shards = 0) {
    NewJob job;
    job.scanner = scanner;
    job.pool = "sast";
    job.timeout_ms = 1000;
    job.base_scan_id = base;
    job.base_commit = base ? kCommitA : "";
    job.shard_index = shard;
    job.shard_count = shards;
    return job;
  }
  static v1::Finding* Add(v1::JobResult& result, const std::string& path, int line) {
    v1::Finding* f = result.add_findings();
    f->set_tool("flawfinder");
    f->set_rule_id("FF1001");
    f->set_path(path);
    f->set_line(line);
    f->set_snippet("strcpy(a, b);");
    f->set_fingerprint("fp-" + path + "-" + std::to_string(line));
    return f;
  }
  void Finish(const v1::JobResult& result) {
    auto finish = store_->lifecycle().FinishJob(result, JobOutcome::kSucceeded, 200);
    ASSERT_TRUE(finish.ok()) << finish.status().ToString();
    ASSERT_TRUE(finish->applied);
  }
  v1::JobResult Result(uint64_t job_id, const std::string& commit) {
    v1::JobResult result;
    result.mutable_job()->set_job_id(job_id);
    result.set_resolved_commit(commit);
    return result;
  }
  // A finished base scan with one flawfinder job on kCommitA.
  uint64_t BaseScan() {
    CreatedScan base = Create({Job("flawfinder")});
    v1::JobResult result = Result(base.job_ids[0], kCommitA);
    for (const char* path : {"keep.c", "changed.c", "gone.c", "moved.c", "edited.c"}) {
      Add(result, path, 3);
    }
    Add(result, "keep.c", 9);
    Finish(result);
    return base.scan_id;
  }
  std::multiset<std::string> PathsOf(uint64_t scan_id) {
    auto findings = store_->findings().List(scan_id, v1::SEVERITY_INFO);
    EXPECT_TRUE(findings.ok());
    std::multiset<std::string> paths;
    for (const auto& f : *findings) paths.insert(f.path() + ":" + std::to_string(f.line()));
    return paths;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ControllerStore> store_;
  std::optional<Transaction> batch_;  // every test runs in one transaction
};

TEST_F(IncrementalStoreTest, ResolvesABaseOnlyWhenItsJobsSucceededOnOneCommit) {
  uint64_t base = BaseScan();
  auto resolved = store_->views().ResolveIncrementalBase(base, "flawfinder", "/srv/repo");
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->commit, kCommitA);
  EXPECT_TRUE(resolved->reason.empty());

  resolved = store_->views().ResolveIncrementalBase(base, "bandit", "/srv/repo");
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->commit.empty());
  EXPECT_NE(resolved->reason.find("did not run bandit"), std::string::npos);

  resolved = store_->views().ResolveIncrementalBase(base, "flawfinder", "/srv/other");
  ASSERT_TRUE(resolved.ok());
  EXPECT_NE(resolved->reason.find("another repository"), std::string::npos);

  EXPECT_EQ(store_->views().ResolveIncrementalBase(999, "flawfinder", "/srv/repo").status().code(),
            StatusCode::kNotFound);

  // A sharded base with one shard still running is not complete.
  CreatedScan sharded = Create({Job("flawfinder", 0, 0, 2), Job("flawfinder", 0, 1, 2)});
  Finish(Result(sharded.job_ids[0], kCommitA));
  resolved = store_->views().ResolveIncrementalBase(sharded.scan_id, "flawfinder", "/srv/repo");
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->commit.empty());
  EXPECT_NE(resolved->reason.find("did not succeed (queued)"), std::string::npos);
}

TEST_F(IncrementalStoreTest, CarriesUnchangedFilesForwardAndCountsThem) {
  uint64_t base = BaseScan();
  CreatedScan scan = Create({Job("flawfinder", base)});
  v1::JobResult result = Result(scan.job_ids[0], kCommitB);
  result.set_incremental(true);
  result.set_files_scanned(2);
  Add(result, "changed.c", 4);
  Add(result, "edited2.c", 5);
  result.add_changed_paths("changed.c");
  result.add_changed_paths("edited2.c");
  result.add_deleted_paths("gone.c");
  v1::PathRename* moved = result.add_renames();
  moved->set_from("moved.c");
  moved->set_to("dir/moved.c");
  v1::PathRename* edited = result.add_renames();
  edited->set_from("edited.c");
  edited->set_to("edited2.c");
  Finish(result);

  EXPECT_EQ(PathsOf(scan.scan_id),
            (std::multiset<std::string>{"changed.c:4", "edited2.c:5", "keep.c:3", "keep.c:9",
                                        "dir/moved.c:3"}));
  auto status = store_->views().GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->findings(), 5u);
  EXPECT_EQ(status->jobs(0).findings(), 5u);
  EXPECT_EQ(status->jobs(0).carried_findings(), 3u);
  EXPECT_NE(status->jobs(0).note().find("2 files scanned, 3 findings carried forward"),
            std::string::npos)
      << status->jobs(0).note();
  // Carried findings are recorded once, by reference to their base; only the
  // scanned ones are rows (read on a second connection: no store reads them
  // back apart).
  auto carried = store_->carried_sets().OfJob(scan.job_ids[0]);
  ASSERT_TRUE(carried.ok() && carried->has_value());
  EXPECT_EQ((*carried)->base_scan_id, base);
  EXPECT_EQ((*carried)->count(), 3u);
  ASSERT_TRUE(batch_->Commit().ok());
  batch_.reset();
  auto db =
      Database::Open((dir_ / "test.db").string(), Database::Options{}, ControllerMigrations());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto rows = (*db)->Prepare("SELECT COUNT(*), COALESCE(SUM(carried_from_scan != 0), 0) FROM "
                             "findings WHERE scan_id=?");
  ASSERT_TRUE(rows.ok());
  (*rows)->Bind(1, static_cast<int64_t>(scan.scan_id));
  ASSERT_TRUE((*rows)->Step().value());
  EXPECT_EQ((*rows)->ColumnInt(0), 2) << "the two scanned findings";
  EXPECT_EQ((*rows)->ColumnInt(1), 0) << "no copy of a carried one";
  (*rows)->Reset();
}

TEST_F(IncrementalStoreTest, ShardsCarryOnlyTheirOwnFiles) {
  uint64_t base = BaseScan();
  CreatedScan scan = Create({Job("flawfinder", base, 0, 2), Job("flawfinder", base, 1, 2)});
  for (int shard = 0; shard < 2; ++shard) {
    v1::JobResult result = Result(scan.job_ids[shard], kCommitB);
    result.set_incremental(true);  // nothing changed
    Finish(result);
  }
  EXPECT_EQ(PathsOf(scan.scan_id), PathsOf(base));
  auto status = store_->views().GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok());
  for (const auto& job : status->jobs()) {
    auto findings = 0u;
    for (const char* path : {"keep.c", "keep.c", "changed.c", "gone.c", "moved.c", "edited.c"}) {
      findings += ShardOfPath(path, 2) == job.shard_index();
    }
    EXPECT_EQ(job.carried_findings(), findings);
  }
}

TEST_F(IncrementalStoreTest, AFullScanFallbackCarriesNothingAndSaysWhy) {
  uint64_t base = BaseScan();
  CreatedScan scan = Create({Job("flawfinder", base)});
  v1::JobResult result = Result(scan.job_ids[0], kCommitB);
  result.set_incremental(false);
  result.set_incremental_note("cannot diff against base commit: gone");
  Add(result, "keep.c", 3);
  Finish(result);
  EXPECT_EQ(PathsOf(scan.scan_id), std::multiset<std::string>{"keep.c:3"});
  auto status = store_->views().GetScan(scan.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->jobs(0).note(), "full scan: cannot diff against base commit: gone");
  EXPECT_EQ(status->jobs(0).carried_findings(), 0u);
}

}  // namespace
}  // namespace scanfleet
