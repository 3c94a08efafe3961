// Carry-forward by reference, on real SQLite: an incremental job records what
// it carries once (carried_sets) and every read resolves it, so a scan reads
// exactly as a full scan of the same commit would: its findings (all fields,
// any severity filter), counts, status and diff input; through a chain of
// incrementals, and past the depth bound where the set is copied into rows; a
// re-parse of the incremental job or of its base changes nothing that was
// carried; reads of some fields or some files agree with the whole read; a
// corrupt record is DATA_LOSS, never a crash. (A database written
// before schema 11, with copied rows: copied_carried_rows_test.cc.)
#include "tests/unit/store/carried_fixture.h"

namespace scanfleet {
namespace {

TEST_F(CarriedFindingsTest, AnIncrementalScanReadsExactlyAsAFullScanWithoutCopyingRows) {
  Scanned base = Run(BaseCommitTree());
  Revision next = NextRevision(BaseCommitTree());
  Scanned inc = Run(next.tree, base.scan_id, next.changes);

  ExpectReadsLikeAFullScan(inc.scan_id, next.tree);
  // keep.c x2, low.c, dir/moved.c x2, info.c: carried; 4 scanned.
  auto status = store_->views().GetScan(inc.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->jobs(0).carried_findings(), 6u);
  EXPECT_EQ(status->jobs(0).findings(), 10u);
  // Only the scanned findings are rows; the carried ones are one record.
  EXPECT_EQ(Count("SELECT count(*) FROM findings WHERE scan_id=?", inc.scan_id), 4);
  std::optional<CarriedSet> set = SetOf(inc.job_id);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->base_scan_id, base.scan_id);
  EXPECT_EQ(set->base_job_ids, std::vector<uint64_t>{base.job_id});
  EXPECT_EQ(set->depth, 1u);
  EXPECT_EQ(set->changes.changed, next.changes.changed);
  EXPECT_EQ(set->changes.deleted, next.changes.deleted);
  EXPECT_EQ(set->changes.renames, next.changes.renames);
  EXPECT_EQ(set->by_severity, (std::vector<uint64_t>{1, 1, 0, 4, 0}));

  // One event for the scanned findings each, one for the carried set.
  std::vector<std::string> topics;
  for (const v1::Event& event : inc.events) topics.push_back(event.topic());
  EXPECT_EQ(std::count(topics.begin(), topics.end(), "scan.carried"), 1);
  EXPECT_EQ(topics.size(), 4u + 1u + 1u) << "4 findings, scan.carried, scan.succeeded";
  const v1::Event& carried = inc.events[4];
  ASSERT_EQ(carried.topic(), "scan.carried");
  EXPECT_EQ(carried.scan_id(), inc.scan_id);
  EXPECT_EQ(carried.job_id(), inc.job_id);
  EXPECT_EQ(carried.carried().base_scan_id(), base.scan_id);
  EXPECT_EQ(carried.carried().scanner(), "flawfinder");
  EXPECT_EQ(carried.carried().count(), 6u);
  EXPECT_EQ(carried.carried().count_by_severity(v1::SEVERITY_HIGH), 4u);
  EXPECT_EQ(carried.carried().base_job_ids(0), base.job_id);
  EXPECT_GT(carried.seq(), 0u) << "stored in the event log like any event";
}

TEST_F(CarriedFindingsTest, AChainOfIncrementalsResolvesThroughEachBase) {
  Scanned base = Run(BaseCommitTree());
  Revision second = NextRevision(BaseCommitTree());
  Scanned first_inc = Run(second.tree, base.scan_id, second.changes);
  // The next commit changes a file, deletes one the previous added and moves
  // one whose findings the previous scan carried from the base.
  Revision third;
  third.tree = second.tree;
  third.tree["low.c"] = {{"FF2", 2, "gets(z);", Severity::kLow}};
  third.tree.erase("new.c");
  third.tree["src/keep.c"] = third.tree["keep.c"];
  third.tree.erase("keep.c");
  third.changes.changed = {"low.c"};
  third.changes.deleted = {"new.c"};
  third.changes.renames = {{"keep.c", "src/keep.c", 100}};
  Scanned second_inc = Run(third.tree, first_inc.scan_id, third.changes);

  ExpectReadsLikeAFullScan(second_inc.scan_id, third.tree);
  ExpectReadsLikeAFullScan(first_inc.scan_id, second.tree);
  std::optional<CarriedSet> set = SetOf(second_inc.job_id);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->base_scan_id, first_inc.scan_id);
  EXPECT_EQ(set->depth, 2u) << "its base's carried findings are by reference too";
  EXPECT_EQ(Count("SELECT count(*) FROM findings WHERE scan_id=?", second_inc.scan_id), 1);
}

TEST_F(CarriedFindingsTest, AChainPastTheDepthBoundIsCopiedIntoRowsAndStartsAgain) {
  CommitTree tree = BaseCommitTree();
  uint64_t previous = Run(tree).scan_id;
  for (uint32_t step = 1; step <= kMaxCarryDepth + 2; ++step) {
    Revision next;
    tree["step.c"] = {{"FF6", static_cast<int>(step), "memcpy(a, b, n);", Severity::kMedium}};
    next.tree = tree;
    next.changes.changed = {"step.c"};
    Scanned inc = Run(tree, previous, next.changes);
    std::optional<CarriedSet> set = SetOf(inc.job_id);
    int64_t copied = Count("SELECT count(*) FROM findings WHERE scan_id=? AND carried_from_scan!=0",
                           inc.scan_id);
    if (step <= kMaxCarryDepth) {
      ASSERT_TRUE(set.has_value()) << step;
      EXPECT_EQ(set->depth, step);
      EXPECT_EQ(copied, 0);
    } else if (step == kMaxCarryDepth + 1) {
      EXPECT_FALSE(set.has_value()) << "no read follows more than kMaxCarryDepth records";
      EXPECT_EQ(copied, 9);
    } else {
      ASSERT_TRUE(set.has_value());
      EXPECT_EQ(set->depth, 1u) << "the copied rows start a new chain";
    }
    ExpectReadsLikeAFullScan(inc.scan_id, tree);
    previous = inc.scan_id;
  }
}

TEST_F(CarriedFindingsTest, AReparsedIncrementalJobKeepsWhatItCarries) {
  Scanned base = Run(BaseCommitTree());
  Revision next = NextRevision(BaseCommitTree());
  Scanned inc = Run(next.tree, base.scan_id, next.changes);
  // The parsers now read changed.c's report differently: one finding, not two.
  CommitTree reparsed = next.tree;
  reparsed["changed.c"] = {{"FF3", 6, "system(cmd);", Severity::kCritical}};
  std::set<std::string> scanned(next.changes.changed.begin(), next.changes.changed.end());
  v1::JobResult result;
  result.mutable_job()->set_job_id(inc.job_id);
  *result.mutable_findings() = FlawfinderRun(reparsed, &scanned);
  Begin();
  auto events = store_->lifecycle().ReplaceFindings(inc.scan_id, result, 300);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  Commit();
  EXPECT_EQ(events->size(), 3u) << "the re-parsed findings' events; the carried set is unchanged";

  ExpectReadsLikeAFullScan(inc.scan_id, reparsed);
  auto status = store_->views().GetScan(inc.scan_id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->findings(), 9u);
  EXPECT_EQ(status->jobs(0).carried_findings(), 6u);
  EXPECT_TRUE(SetOf(inc.job_id).has_value()) << "still by reference";
}

TEST_F(CarriedFindingsTest, AReparsedBaseLeavesWhatWasCarriedFromItAsItWas) {
  Scanned base = Run(BaseCommitTree());
  Revision next = NextRevision(BaseCommitTree());
  Scanned inc = Run(next.tree, base.scan_id, next.changes);
  Scanned on_top = Run(next.tree, inc.scan_id, CommitChanges{});
  std::vector<std::string> before = CanonicalFindings(List(inc.scan_id));
  std::vector<std::string> on_top_before = CanonicalFindings(List(on_top.scan_id));

  // The base re-parsed into fewer findings (keep.c's are gone).
  CommitTree fewer = BaseCommitTree();
  fewer.erase("keep.c");
  v1::JobResult result;
  result.mutable_job()->set_job_id(base.job_id);
  *result.mutable_findings() = FlawfinderRun(fewer);
  Begin();
  ASSERT_TRUE(store_->lifecycle().ReplaceFindings(base.scan_id, result, 300).ok());
  Commit();

  EXPECT_EQ(List(base.scan_id).size(), 7u);
  EXPECT_EQ(CanonicalFindings(List(inc.scan_id)), before)
      << "a finished scan's findings stay its own";
  EXPECT_EQ(CanonicalFindings(List(on_top.scan_id)), on_top_before);
  EXPECT_EQ(Counts(inc.scan_id), (std::vector<uint64_t>{1, 2, 1, 5, 1, 10}));
  // The dependent's set became copied rows; one built on that stays by reference.
  EXPECT_FALSE(SetOf(inc.job_id).has_value());
  EXPECT_EQ(
      Count("SELECT count(*) FROM findings WHERE scan_id=? AND carried_from_scan!=0", inc.scan_id),
      6);
  EXPECT_TRUE(SetOf(on_top.job_id).has_value());
}

TEST_F(CarriedFindingsTest, IdentityAndPathFilteredReadsAgreeWithTheFullRead) {
  Scanned base = Run(BaseCommitTree());
  Revision next = NextRevision(BaseCommitTree());
  Scanned inc = Run(next.tree, base.scan_id, next.changes);
  auto full = store_->findings().ListWithJobs(inc.scan_id);
  auto identity = store_->findings().ListWithJobs(inc.scan_id, {FindingFields::kIdentity});
  ASSERT_TRUE(full.ok() && identity.ok());
  ASSERT_EQ(identity->size(), full->size());
  for (size_t i = 0; i < full->size(); ++i) {
    const v1::Finding& f = (*full)[i].finding;
    const v1::Finding& id = (*identity)[i].finding;
    EXPECT_EQ((*identity)[i].job_id, (*full)[i].job_id);
    EXPECT_EQ(std::make_tuple(id.tool(), id.rule_id(), id.severity(), id.path(), id.snippet(),
                              id.fingerprint()),
              std::make_tuple(f.tool(), f.rule_id(), f.severity(), f.path(), f.snippet(),
                              f.fingerprint()))
        << i;
    EXPECT_TRUE(id.message().empty() && id.title().empty() && id.line() == 0);
  }
  // A moved file's findings come through the filter with the fingerprints the
  // whole read gives them, a scanned file's too, and nothing else does.
  std::set<std::string> paths = {"dir/moved.c", "new.c", "gone.c"};
  auto some = store_->findings().ListWithJobs(inc.scan_id, {FindingFields::kAll, &paths});
  ASSERT_TRUE(some.ok());
  std::vector<std::string> expected, got;
  for (const JobFinding& f : *full) {
    if (paths.count(f.finding.path())) expected.push_back(f.finding.SerializeAsString());
  }
  for (const JobFinding& f : *some) got.push_back(f.finding.SerializeAsString());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.size(), 3u);
}

TEST_F(CarriedFindingsTest, ACorruptRecordIsDataLossNeverACrash) {
  Scanned base = Run(BaseCommitTree());
  Revision next = NextRevision(BaseCommitTree());
  Scanned inc = Run(next.tree, base.scan_id, next.changes);
  auto corrupt = [&](const std::string& base_job_ids) {
    auto db = Inspect();
    auto update = db->Prepare("UPDATE carried_sets SET base_job_ids=? WHERE job_id=?");
    ASSERT_TRUE(update.ok());
    (*update)->Bind(1, base_job_ids).Bind(2, static_cast<int64_t>(inc.job_id));
    ASSERT_TRUE((*update)->Run().ok());
  };
  // A record that names its own job: a cycle no writer makes.
  corrupt(std::to_string(inc.job_id));
  auto cycle = store_->findings().List(inc.scan_id, v1::SEVERITY_INFO);
  EXPECT_EQ(cycle.status().code(), StatusCode::kDataLoss) << cycle.status().ToString();
  corrupt("12,x");
  auto garbled = store_->findings().List(inc.scan_id, v1::SEVERITY_INFO);
  EXPECT_EQ(garbled.status().code(), StatusCode::kDataLoss) << garbled.status().ToString();
  // Counts need no resolution and still answer.
  EXPECT_EQ(Counts(inc.scan_id).back(), 10u);
}

}  // namespace
}  // namespace scanfleet
