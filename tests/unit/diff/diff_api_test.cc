// The DiffScan request on a real store: a new-only diff (what `submit --wait`
// and `diff --new-only` fetch; classified on the findings' identity fields,
// only the new ones read in full) counts exactly what the full diff counts and
// lists exactly its new findings, field by field; for an incremental scan
// against its base (renames included) and for one whose baseline is itself
// incremental, carried by reference.
#include "controller/api/api_handler.h"
#include "tests/unit/store/carried_fixture.h"

namespace scanfleet {
namespace {

class DiffApiTest : public CarriedFindingsTest {
 protected:
  v1::DiffScanResponse Diff(uint64_t scan_id, uint64_t baseline_scan_id, bool new_only) {
    Scheduler scheduler(config_.scheduler, [] { return 0.5; });
    ApiHandler handler(*store_, scheduler, config_, hellos_, v1::GetEndpointsResponse{});
    v1::ApiRequest request;
    request.mutable_diff_scan()->set_scan_id(scan_id);
    request.mutable_diff_scan()->set_baseline_scan_id(baseline_scan_id);
    request.mutable_diff_scan()->set_new_only(new_only);
    ApiEffects effects;
    Begin();
    v1::ApiResponse response = handler.Handle(request, 1'700'000'000'000, effects);
    Commit();
    EXPECT_EQ(response.error(), "");
    return response.diff();
  }
  // The new-only diff against the full one.
  void ExpectNewOnlyMatchesFull(uint64_t scan_id, uint64_t baseline_scan_id) {
    v1::DiffScanResponse full = Diff(scan_id, baseline_scan_id, false);
    v1::DiffScanResponse summary = Diff(scan_id, baseline_scan_id, true);
    EXPECT_EQ(summary.new_count(), full.new_count());
    EXPECT_EQ(summary.unchanged_count(), full.unchanged_count());
    EXPECT_EQ(summary.fixed_count(), full.fixed_count());
    EXPECT_EQ(summary.not_rechecked_count(), full.not_rechecked_count());
    EXPECT_EQ(summary.suppressed_count(), full.suppressed_count());
    EXPECT_EQ(std::vector<uint32_t>(summary.new_unsuppressed_by_severity().begin(),
                                    summary.new_unsuppressed_by_severity().end()),
              std::vector<uint32_t>(full.new_unsuppressed_by_severity().begin(),
                                    full.new_unsuppressed_by_severity().end()));
    ASSERT_EQ(summary.counts_by_class_and_severity_size(), 25);
    EXPECT_EQ(std::vector<uint32_t>(summary.counts_by_class_and_severity().begin(),
                                    summary.counts_by_class_and_severity().end()),
              std::vector<uint32_t>(full.counts_by_class_and_severity().begin(),
                                    full.counts_by_class_and_severity().end()));
    std::vector<std::string> full_new, listed;
    for (const auto& item : full.findings()) {
      if (item.diff_class() == v1::DIFF_NEW) full_new.push_back(item.SerializeAsString());
    }
    for (const auto& item : summary.findings()) listed.push_back(item.SerializeAsString());
    EXPECT_EQ(listed, full_new) << "the new findings, every field, in the same order";
    EXPECT_GT(full.findings_size(), summary.findings_size());
  }

  ControllerConfig config_;
  std::map<std::string, v1::WorkerHello> hellos_;
};

TEST_F(DiffApiTest, ANewOnlyDiffCountsWhatTheFullDiffCountsAndListsItsNewFindings) {
  Scanned base = Run(BaseCommitTree());
  Revision next = NextRevision(BaseCommitTree());
  Scanned inc = Run(next.tree, base.scan_id, next.changes);
  v1::DiffScanResponse full = Diff(inc.scan_id, base.scan_id, false);
  // gets(y) and strcat are new, gone.c's finding fixed; a moved or renamed
  // file's findings keep their identity.
  EXPECT_EQ(full.new_count(), 2u);
  EXPECT_EQ(full.fixed_count(), 1u);
  EXPECT_EQ(full.unchanged_count(), 8u);
  EXPECT_EQ(full.counts_by_class_and_severity(v1::DIFF_UNCHANGED * 5 + v1::SEVERITY_HIGH), 4u);
  ExpectNewOnlyMatchesFull(inc.scan_id, base.scan_id);

  // Against a baseline that carries its findings by reference too.
  Revision third;
  third.tree = next.tree;
  third.tree["new.c"] = {{"FF1", 1, "strcat(a, b);", Severity::kHigh},
                         {"FF7", 4, "strncpy(a, b, n);", Severity::kLow}};
  third.tree["src/info.c"] = third.tree["info.c"];
  third.tree.erase("info.c");
  third.tree.erase("low.c");
  third.changes.changed = {"new.c"};
  third.changes.deleted = {"low.c"};
  third.changes.renames = {{"info.c", "src/info.c", 100}};
  Scanned on_inc = Run(third.tree, inc.scan_id, third.changes);
  v1::DiffScanResponse chained = Diff(on_inc.scan_id, inc.scan_id, false);
  EXPECT_EQ(chained.new_count(), 1u);
  EXPECT_EQ(chained.fixed_count(), 1u);
  ExpectNewOnlyMatchesFull(on_inc.scan_id, inc.scan_id);
}

}  // namespace
}  // namespace scanfleet
