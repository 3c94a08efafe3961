// A database written before schema 11 stored an incremental job's carried
// findings as copied rows (findings.carried_from_scan = the base). Opened by
// this build it is migrated and still reads exactly as it did; a new
// incremental scan can build on it by reference; and a re-parse of the old
// incremental job keeps its copied rows and what was carried from it.
#include "common/incremental/carry_forward.h"
#include "tests/unit/store/carried_fixture.h"

namespace scanfleet {
namespace {

class CopiedCarriedRowsTest : public CarriedFindingsTest {
 protected:
  // Writes, with schema 10 and the SQL the store wrote then, scan 1 (a full
  // scan of BaseCommitTree()) and scan 2 (an incremental scan of NextRevision() on
  // scan 1, with copies of the carried findings), each with one flawfinder
  // job of the same id.
  void WriteSchema10Database(const Revision& next) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path() + suffix);
    std::vector<std::string> v10(ControllerMigrations().begin(),
                                 ControllerMigrations().begin() + 10);
    auto db = Database::Open(path(), Database::Options{}, v10);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_EQ((*db)->schema_version(), 10);
    std::set<std::string> changed(next.changes.changed.begin(), next.changes.changed.end());
    auto scanned = FlawfinderRun(next.tree, &changed);
    std::vector<Finding> base;
    for (const v1::Finding& f : FlawfinderRun(BaseCommitTree()))
      base.push_back(FindingFromProto(f));
    std::vector<Finding> carried = CarryForward(base, next.changes, 0, 0);
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO scans(id, kind, repo, ref, profile, state, created_ms, "
                           "jobs_total, jobs_done, findings) VALUES "
                           "(1, 'sast', '/srv/repo', 'main', 'default', 3, 100, 1, 1, 9), "
                           "(2, 'sast', '/srv/repo', 'main', 'default', 3, 100, 1, 1, 10);"
                           "INSERT INTO jobs(id, scan_id, scanner, pool, state, timeout_ms, "
                           "created_ms, findings, resolved_commit, base_scan_id, base_commit, "
                           "files_scanned, carried_findings) VALUES "
                           "(1, 1, 'flawfinder', 'sast', 'succeeded', 1000, 100, 9, '" +
                           kCommitId +
                           "', 0, '', -1, 0), (2, 2, 'flawfinder', 'sast', "
                           "'succeeded', 1000, 100, 10, '" +
                           kCommitId + "', 1, '" + kCommitId + "', 3, 6);")
                    .ok());
    auto insert = (*db)->Prepare(
        "INSERT INTO findings(scan_id, job_id, ordinal, tool, tool_version, rule_id, title, "
        "message, severity, confidence, cwes, path, line, col, end_line, snippet, fingerprint, "
        "carried_from_scan) VALUES(?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '120,20', ?10, ?11, "
        "?12, ?13, ?14, ?15, ?16)");
    ASSERT_TRUE(insert.ok());
    auto row = [&](int64_t scan, int64_t ordinal, const Finding& f, int64_t carried_from) {
      (*insert)
          ->Bind(1, scan)
          .Bind(2, ordinal)
          .Bind(3, f.tool)
          .Bind(4, f.tool_version)
          .Bind(5, f.rule_id)
          .Bind(6, f.title)
          .Bind(7, f.message)
          .Bind(8, static_cast<int64_t>(f.severity))
          .Bind(9, f.confidence)
          .Bind(10, f.path)
          .Bind(11, f.line)
          .Bind(12, f.column)
          .Bind(13, f.end_line)
          .Bind(14, f.snippet)
          .Bind(15, f.fingerprint)
          .Bind(16, carried_from);
      EXPECT_TRUE((*insert)->Run().ok());
    };
    int64_t ordinal = 0;
    for (const Finding& f : base) row(1, ordinal++, f, 0);
    ordinal = 0;
    for (const v1::Finding& f : scanned) row(2, ordinal++, FindingFromProto(f), 0);
    for (const Finding& f : carried) row(2, ordinal++, f, 1);
  }
};

TEST_F(CopiedCarriedRowsTest, ASchema10DatabaseWithCopiedRowsReadsAsItDid) {
  Revision next = NextRevision(BaseCommitTree());
  store_.reset();
  WriteSchema10Database(next);
  Reopen();
  EXPECT_EQ(store_->schema_version(), static_cast<int>(ControllerMigrations().size()));

  ExpectReadsLikeAFullScan(2, next.tree);
  auto status = store_->views().GetScan(2);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->jobs(0).carried_findings(), 6u);
  EXPECT_NE(status->jobs(0).note().find("3 files scanned, 6 findings carried forward"),
            std::string::npos)
      << status->jobs(0).note();
  EXPECT_FALSE(SetOf(2).has_value());
}

TEST_F(CopiedCarriedRowsTest, IncrementalsBuildOnCopiedRowsAndAReparseKeepsThem) {
  Revision next = NextRevision(BaseCommitTree());
  store_.reset();
  WriteSchema10Database(next);
  Reopen();
  Revision third;
  third.tree = next.tree;
  third.tree["info.c"] = {{"FF5", 6, "rand();", Severity::kInfo},
                          {"FF5", 7, "srand(1);", Severity::kInfo}};
  third.tree["src/low.c"] = third.tree["low.c"];
  third.tree.erase("low.c");
  third.changes.changed = {"info.c"};
  third.changes.renames = {{"low.c", "src/low.c", 100}};
  Scanned on_old = Run(third.tree, 2, third.changes);
  std::optional<CarriedSet> set = SetOf(on_old.job_id);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->base_job_ids, std::vector<uint64_t>{2});
  EXPECT_EQ(set->depth, 1u) << "the old scan's findings are all rows";
  ExpectReadsLikeAFullScan(on_old.scan_id, third.tree);

  // Re-parsing the old incremental job replaces its scanned rows only.
  std::set<std::string> changed(next.changes.changed.begin(), next.changes.changed.end());
  v1::JobResult result;
  result.mutable_job()->set_job_id(2);
  *result.mutable_findings() = FlawfinderRun(next.tree, &changed);
  Begin();
  ASSERT_TRUE(store_->lifecycle().ReplaceFindings(2, result, 300).ok());
  Commit();
  ExpectReadsLikeAFullScan(2, next.tree);
  ExpectReadsLikeAFullScan(on_old.scan_id, third.tree);
  EXPECT_FALSE(SetOf(on_old.job_id).has_value()) << "copied before its base changed";
}

}  // namespace
}  // namespace scanfleet
