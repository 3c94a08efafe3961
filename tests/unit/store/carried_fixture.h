// The carry-forward tests' fixture: commits as flawfinder sees them (a tree of
// files and their hits), what a scan of some of their files reports, full and
// incremental scans of them stored through ScanLifecycle, and the reads that
// must not tell the two apart.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/finding/finding.h"
#include "common/wire/convert.h"
#include "tests/unit/store/store_fixture.h"

namespace scanfleet {

inline const std::string kCommitId(40, 'c');

struct FileHit {
  std::string rule;
  int line = 0;
  std::string snippet;
  Severity severity = Severity::kInfo;
};
// A commit's files as flawfinder sees them: path -> its hits, in the tool's order.
using CommitTree = std::map<std::string, std::vector<FileHit>>;

// What one flawfinder run over `tree` (only the files in `only`, when given)
// reports, fingerprinted as that run would be.
inline google::protobuf::RepeatedPtrField<v1::Finding> FlawfinderRun(
    const CommitTree& tree, const std::set<std::string>* only = nullptr) {
  std::vector<Finding> findings;
  for (const auto& [path, hits] : tree) {
    if (only && !only->count(path)) continue;
    for (const FileHit& hit : hits) {
      Finding f;
      f.tool = "flawfinder";
      f.tool_version = "2.0.19";
      f.rule_id = hit.rule;
      f.title = "title of " + hit.rule;
      f.message = "message about " + hit.snippet;  // a moved file keeps it
      f.severity = hit.severity;
      f.confidence = "high";
      f.cwes = {120, 20};
      f.path = path;
      f.line = hit.line;
      f.column = 3;
      f.end_line = hit.line + 1;
      f.snippet = hit.snippet;
      findings.push_back(f);
    }
  }
  AssignFingerprints(findings);
  google::protobuf::RepeatedPtrField<v1::Finding> protos;
  for (const Finding& f : findings) FindingToProto(f, protos.Add());
  return protos;
}

// Every field of each finding, in a canonical order: equal only when the
// findings are the same multiset, field by field.
inline std::vector<std::string> CanonicalFindings(const std::vector<v1::Finding>& findings) {
  std::vector<std::string> out;
  for (const v1::Finding& f : findings) out.push_back(f.SerializeAsString());
  std::sort(out.begin(), out.end());
  return out;
}

// The commit every test starts from, and the next one: a changed file, a
// deleted one, one renamed unmodified, one renamed and modified, one added.
inline CommitTree BaseCommitTree() {
  return {{"keep.c",
           {{"FF1", 3, "strcpy(a, b);", Severity::kHigh},
            {"FF1", 9, "strcpy(a, b);", Severity::kHigh}}},
          {"low.c", {{"FF2", 1, "gets(x);", Severity::kLow}}},
          {"changed.c", {{"FF3", 4, "system(cmd);", Severity::kCritical}}},
          {"gone.c", {{"FF1", 1, "strcpy(d, s);", Severity::kMedium}}},
          {"moved.c",
           {{"FF1", 7, "strcpy(a, b);", Severity::kHigh},
            {"FF1", 8, "strcpy(a, b);", Severity::kHigh}}},
          {"edited.c", {{"FF4", 2, "sprintf(s, f);", Severity::kMedium}}},
          {"info.c", {{"FF5", 5, "rand();", Severity::kInfo}}}};
}

struct Revision {
  CommitTree tree;
  CommitChanges changes;  // against the previous commit; renames as the worker reports them
};

inline Revision NextRevision(CommitTree tree) {
  Revision next;
  tree["changed.c"] = {{"FF3", 6, "system(cmd);", Severity::kCritical},
                       {"FF2", 9, "gets(y);", Severity::kLow}};
  tree.erase("gone.c");
  tree["dir/moved.c"] = tree["moved.c"];
  tree.erase("moved.c");
  tree.erase("edited.c");
  tree["edited2.c"] = {{"FF4", 3, "sprintf(s, f);", Severity::kMedium}};
  tree["new.c"] = {{"FF1", 1, "strcat(a, b);", Severity::kHigh}};
  next.tree = std::move(tree);
  next.changes.changed = {"changed.c", "edited2.c", "new.c"};
  next.changes.deleted = {"gone.c"};
  next.changes.renames = {{"moved.c", "dir/moved.c", 100}, {"edited.c", "edited2.c", 100}};
  return next;
}

class CarriedFindingsTest : public StoreTest {
 protected:
  struct Scanned {
    uint64_t scan_id = 0;
    uint64_t job_id = 0;
    std::vector<v1::Event> events;
  };

  // A scan of `tree` with one flawfinder job; incremental on `base` (with the
  // worker's report of `changes`) when `base` != 0, else a full scan.
  Scanned Run(const CommitTree& tree, uint64_t base = 0, const CommitChanges& changes = {}) {
    NewScan scan;
    scan.target.set_repo("/srv/repo");
    scan.target.set_ref("main");
    scan.profile = "default";
    NewJob job = SastJob("flawfinder");
    job.base_scan_id = base;
    job.base_commit = base ? kCommitId : "";
    scan.jobs = {job};
    Begin();
    auto created = store_->lifecycle().CreateScan(scan, 100);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    v1::JobResult result;
    result.mutable_job()->set_job_id(created->job_ids[0]);
    result.set_resolved_commit(kCommitId);
    if (base == 0) {
      *result.mutable_findings() = FlawfinderRun(tree);
    } else {
      std::set<std::string> scanned(changes.changed.begin(), changes.changed.end());
      *result.mutable_findings() = FlawfinderRun(tree, &scanned);
      result.set_incremental(true);
      result.set_files_scanned(static_cast<uint32_t>(scanned.size()));
      for (const std::string& path : changes.changed) result.add_changed_paths(path);
      for (const std::string& path : changes.deleted) result.add_deleted_paths(path);
      for (const FileRename& rename : changes.renames) {
        v1::PathRename* moved = result.add_renames();
        moved->set_from(rename.from);
        moved->set_to(rename.to);
      }
    }
    auto finish = store_->lifecycle().FinishJob(result, JobOutcome::kSucceeded, 200);
    EXPECT_TRUE(finish.ok()) << finish.status().ToString();
    Commit();
    return {created->scan_id, created->job_ids[0],
            finish.ok() ? finish->events : std::vector<v1::Event>{}};
  }
  std::vector<v1::Finding> List(uint64_t scan_id, v1::Severity min = v1::SEVERITY_INFO) {
    auto findings = store_->findings().List(scan_id, min);
    EXPECT_TRUE(findings.ok()) << findings.status().ToString();
    return findings.ok() ? *findings : std::vector<v1::Finding>{};
  }
  std::vector<uint64_t> Counts(uint64_t scan_id) {
    auto status = store_->views().GetScan(scan_id);
    EXPECT_TRUE(status.ok()) << status.status().ToString();
    EXPECT_EQ(status->findings_by_severity_size(), 5);
    std::vector<uint64_t> counts(status->findings_by_severity().begin(),
                                 status->findings_by_severity().end());
    counts.push_back(status->findings());  // last: the scan's total
    return counts;
  }
  // What a diff reads of the scan: (scanner, fingerprint) of each finding.
  std::multiset<std::pair<std::string, std::string>> DiffInput(uint64_t scan_id) {
    auto data = store_->views().LoadDiffData(scan_id);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    std::multiset<std::pair<std::string, std::string>> side;
    for (const auto& [scanner, f] : data->side.findings) side.insert({scanner, f.fingerprint()});
    return side;
  }
  // A count from a second connection (what no store reads back).
  int64_t Count(const std::string& sql, int64_t id) {
    auto db = Inspect();
    auto query = db->Prepare(sql);
    EXPECT_TRUE(query.ok());
    (*query)->Bind(1, id);
    EXPECT_TRUE((*query)->Step().value());
    int64_t count = (*query)->ColumnInt(0);
    (*query)->Reset();
    return count;
  }
  std::optional<CarriedSet> SetOf(uint64_t job_id) {
    auto set = store_->carried_sets().OfJob(job_id);
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return set.ok() ? *set : std::nullopt;
  }
  // Each read of `scan_id` equals the same read of a full scan of `tree`.
  void ExpectReadsLikeAFullScan(uint64_t scan_id, const CommitTree& tree) {
    Scanned full = Run(tree);
    EXPECT_EQ(CanonicalFindings(List(scan_id)), CanonicalFindings(List(full.scan_id)));
    EXPECT_EQ(CanonicalFindings(List(scan_id, v1::SEVERITY_HIGH)),
              CanonicalFindings(List(full.scan_id, v1::SEVERITY_HIGH)));
    EXPECT_EQ(Counts(scan_id), Counts(full.scan_id));
    EXPECT_EQ(DiffInput(scan_id), DiffInput(full.scan_id));
  }
};

}  // namespace scanfleet
