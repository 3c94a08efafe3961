#include "controller/store/finding_records.h"

#include <cstdlib>
#include <optional>

#include "common/finding/finding.h"
#include "common/incremental/carry_forward.h"
#include "common/wire/convert.h"

namespace scanfleet {

namespace {

constexpr size_t kSeverities = static_cast<size_t>(Severity::kCritical) + 1;

// The finding columns, in the order ReadFindingRow expects them.
std::string FindingColumns() {
  std::string columns;
  for (const char* name : {"tool", "tool_version", "rule_id", "title", "message", "severity",
                           "confidence", "cwes", "path", "line", "col", "end_line", "snippet",
                           "fingerprint", "url", "http_method", "parameter", "evidence"}) {
    columns += (columns.empty() ? "" : ", ") + std::string(name);
  }
  return columns;
}

// The finding in the current row, whose FindingColumns() start at `first`.
v1::Finding ReadFindingRow(Statement& query, int first = 0) {
  auto text = [&](int i) { return query.ColumnText(first + i); };
  auto number = [&](int i) { return query.ColumnInt(first + i); };
  v1::Finding f;
  f.set_tool(text(0));
  f.set_tool_version(text(1));
  f.set_rule_id(text(2));
  f.set_title(text(3));
  f.set_message(text(4));
  f.set_severity(static_cast<v1::Severity>(number(5)));
  f.set_confidence(text(6));
  std::string cwes = text(7);
  for (size_t start = 0; start < cwes.size();) {
    size_t comma = cwes.find(',', start);
    if (comma == std::string::npos) comma = cwes.size();
    f.add_cwes(std::atoi(cwes.substr(start, comma - start).c_str()));
    start = comma + 1;
  }
  f.set_path(text(8));
  f.set_line(static_cast<int32_t>(number(9)));
  f.set_column(static_cast<int32_t>(number(10)));
  f.set_end_line(static_cast<int32_t>(number(11)));
  f.set_snippet(text(12));
  f.set_fingerprint(text(13));
  f.set_url(text(14));
  f.set_http_method(text(15));
  f.set_parameter(text(16));
  f.set_evidence(text(17));
  return f;
}

// The columns a read of `fields` selects, and which of them is the path.
struct ColumnSet {
  std::string sql;
  int path = 0;
};
const ColumnSet& ColumnsOf(FindingFields fields) {
  static const ColumnSet kAll{FindingColumns(), 8};
  static const ColumnSet kIdentity{
      "path, tool, rule_id, severity, snippet, fingerprint, url, http_method, parameter", 0};
  static const ColumnSet kPathAndSeverity{"path, severity", 0};
  switch (fields) {
    case FindingFields::kIdentity:
      return kIdentity;
    case FindingFields::kPathAndSeverity:
      return kPathAndSeverity;
    case FindingFields::kAll:
      break;
  }
  return kAll;
}

// The finding in the current row, whose ColumnsOf(fields) start at `first`;
// nullopt when `only_paths` leaves its path out (nothing else is read then).
std::optional<v1::Finding> ReadRow(Statement& query, FindingFields fields,
                                   const std::set<std::string>* only_paths, int first = 0) {
  if (only_paths && !only_paths->count(query.ColumnText(first + ColumnsOf(fields).path))) {
    return std::nullopt;
  }
  if (fields == FindingFields::kAll) return ReadFindingRow(query, first);
  v1::Finding f;
  f.set_path(query.ColumnText(first));
  if (fields == FindingFields::kPathAndSeverity) {
    f.set_severity(static_cast<v1::Severity>(query.ColumnInt(first + 1)));
    return f;
  }
  f.set_tool(query.ColumnText(first + 1));
  f.set_rule_id(query.ColumnText(first + 2));
  f.set_severity(static_cast<v1::Severity>(query.ColumnInt(first + 3)));
  f.set_snippet(query.ColumnText(first + 4));
  f.set_fingerprint(query.ColumnText(first + 5));
  f.set_url(query.ColumnText(first + 6));
  f.set_http_method(query.ColumnText(first + 7));
  f.set_parameter(query.ColumnText(first + 8));
  return f;
}

// Adds each finding to its severity's count (a severity this store never
// writes is not counted).
void CountEach(const std::vector<v1::Finding>& findings, std::vector<uint64_t>& counts) {
  for (const v1::Finding& f : findings) {
    auto severity = static_cast<size_t>(f.severity());
    if (severity < counts.size()) ++counts[severity];
  }
}

// Fingerprints the findings at `moved` (moved to a renamed file's new path)
// together, in order, as a fresh scan of those paths would (carry_forward.h).
void FingerprintMoved(std::vector<v1::Finding>& carried, const std::vector<size_t>& moved) {
  std::vector<Finding> group;
  group.reserve(moved.size());
  for (size_t i : moved) group.push_back(FindingFromProto(carried[i]));
  AssignFingerprints(group);
  for (size_t k = 0; k < moved.size(); ++k) carried[moved[k]].set_fingerprint(group[k].fingerprint);
}

}  // namespace

Status FindingRecords::Insert(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                              uint64_t job_id, uint64_t scan_id, int first_ordinal,
                              uint64_t carried_from_scan) {
  ASSIGN_OR_RETURN(Statement * insert,
                   db_.Prepare("INSERT INTO findings(scan_id, job_id, ordinal, tool, "
                               "tool_version, rule_id, title, message, severity, confidence, "
                               "cwes, path, line, col, end_line, snippet, fingerprint, url, "
                               "http_method, parameter, evidence, carried_from_scan) "
                               "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  for (int i = 0; i < findings.size(); ++i) {
    const v1::Finding& f = findings.Get(i);
    std::string cwes;
    for (int cwe : f.cwes()) cwes += (cwes.empty() ? "" : ",") + std::to_string(cwe);
    insert->Bind(1, static_cast<int64_t>(scan_id))
        .Bind(2, static_cast<int64_t>(job_id))
        .Bind(3, first_ordinal + i)
        .Bind(4, f.tool())
        .Bind(5, f.tool_version())
        .Bind(6, f.rule_id())
        .Bind(7, f.title())
        .Bind(8, f.message())
        .Bind(9, static_cast<int64_t>(f.severity()))
        .Bind(10, f.confidence())
        .Bind(11, cwes)
        .Bind(12, f.path())
        .Bind(13, f.line())
        .Bind(14, f.column())
        .Bind(15, f.end_line())
        .Bind(16, f.snippet())
        .Bind(17, f.fingerprint())
        .Bind(18, f.url())
        .Bind(19, f.http_method())
        .Bind(20, f.parameter())
        .Bind(21, f.evidence())
        .Bind(22, static_cast<int64_t>(carried_from_scan));
    RETURN_IF_ERROR(insert->Run());
  }
  return Status::Ok();
}

StatusOr<int> FindingRecords::DeleteScanned(uint64_t job_id) {
  // Findings an incremental job carried forward were not parsed from its
  // report: they stay, and the re-parsed ones are numbered after them.
  ASSIGN_OR_RETURN(Statement * remove,
                   db_.Prepare("DELETE FROM findings WHERE job_id=? AND carried_from_scan=0"));
  remove->Bind(1, static_cast<int64_t>(job_id));
  RETURN_IF_ERROR(remove->Run());
  return NextOrdinal(job_id);
}

StatusOr<int> FindingRecords::NextOrdinal(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * next,
                   db_.Prepare("SELECT COALESCE(MAX(ordinal)+1, 0) FROM findings WHERE job_id=?"));
  next->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool has_row, next->Step());
  int first_ordinal = has_row ? static_cast<int>(next->ColumnInt(0)) : 0;
  next->Reset();
  return first_ordinal;
}

Status FindingRecords::Carry(CarriedSet& set, int first_ordinal) {
  ASSIGN_OR_RETURN(uint32_t below, carried_.DepthOf(set.base_job_ids));
  set.by_severity.assign(kSeverities, 0);
  if (below < kMaxCarryDepth) {
    // Paths and severities are all it takes to count what the record selects.
    set.depth = below + 1;
    ASSIGN_OR_RETURN(std::vector<v1::Finding> carried,
                     Resolve(set, {FindingFields::kPathAndSeverity}, 1));
    CountEach(carried, set.by_severity);
    return carried_.Insert(set);
  }
  // A chain this deep ends here: the next scan builds on rows.
  set.depth = 0;
  ASSIGN_OR_RETURN(std::vector<v1::Finding> carried, Resolve(set, {}, 1));
  CountEach(carried, set.by_severity);
  return InsertCopies(set, std::move(carried), first_ordinal);
}

Status FindingRecords::InsertCopies(const CarriedSet& set, std::vector<v1::Finding> carried,
                                    int first_ordinal) {
  google::protobuf::RepeatedPtrField<v1::Finding> rows;
  for (v1::Finding& f : carried) *rows.Add() = std::move(f);
  return Insert(rows, set.job_id, set.scan_id, first_ordinal, set.base_scan_id);
}

Status FindingRecords::MaterializeDependents(uint64_t base_job_id) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> dependents, carried_.DependentsOf(base_job_id));
  for (uint64_t job_id : dependents) {
    ASSIGN_OR_RETURN(std::optional<CarriedSet> set, carried_.OfJob(job_id));
    if (!set) continue;
    ASSIGN_OR_RETURN(std::vector<v1::Finding> carried, Resolve(*set, {}, 1));
    ASSIGN_OR_RETURN(int first_ordinal, NextOrdinal(job_id));
    RETURN_IF_ERROR(InsertCopies(*set, std::move(carried), first_ordinal));
    RETURN_IF_ERROR(carried_.Erase(job_id));
  }
  return Status::Ok();
}

StatusOr<std::vector<v1::Finding>> FindingRecords::Resolve(const CarriedSet& set,
                                                           const FindingRead& read,
                                                           uint32_t depth) {
  if (depth > kMaxResolveDepth) {
    return Status::DataLoss("the findings job " + std::to_string(set.job_id) +
                            " carries nest deeper than " + std::to_string(kMaxResolveDepth) +
                            " records");
  }
  CarryRules rules(set.changes, set.shard_index, set.shard_count);
  // Only some files now: only the base files that can be carried to them.
  std::set<std::string> base_paths;
  FindingRead base_read{read.fields, nullptr};
  if (read.only_paths) {
    base_paths = rules.BasePathsOf(*read.only_paths);
    base_read.only_paths = &base_paths;
  }
  std::vector<v1::Finding> base;
  for (uint64_t base_job_id : set.base_job_ids) {
    ASSIGN_OR_RETURN(std::vector<v1::Finding> of_job, OfJob(base_job_id, base_read, depth));
    base.insert(base.end(), std::make_move_iterator(of_job.begin()),
                std::make_move_iterator(of_job.end()));
  }
  std::vector<v1::Finding> carried;
  std::vector<size_t> moved;  // indexes into carried
  for (v1::Finding& f : base) {
    const std::string* now = rules.CarriedPath(f.path());
    if (now == nullptr || (read.only_paths && !read.only_paths->count(*now))) continue;
    if (*now != f.path()) {
      moved.push_back(carried.size());
      f.set_path(*now);  // `now` points into `rules` here
    }
    carried.push_back(std::move(f));
  }
  // Counting needs no fingerprint (kPathAndSeverity reads none). A moved
  // file's findings are all here or none is (`only_paths` holds whole files),
  // so their occurrences are counted as without the filter.
  if (read.fields != FindingFields::kPathAndSeverity) FingerprintMoved(carried, moved);
  return carried;
}

StatusOr<std::vector<v1::Finding>> FindingRecords::OfJob(uint64_t job_id, const FindingRead& read,
                                                         uint32_t depth) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT " + ColumnsOf(read.fields).sql +
                               " FROM findings WHERE job_id=? ORDER BY ordinal"));
  query->Bind(1, static_cast<int64_t>(job_id));
  std::vector<v1::Finding> findings;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    std::optional<v1::Finding> f = ReadRow(*query, read.fields, read.only_paths);
    if (f) findings.push_back(std::move(*f));
  }
  // Reset before resolving: the same statement reads the base jobs' rows.
  query->Reset();
  ASSIGN_OR_RETURN(std::optional<CarriedSet> set, carried_.OfJob(job_id));
  if (!set) return findings;
  ASSIGN_OR_RETURN(std::vector<v1::Finding> carried, Resolve(*set, read, depth + 1));
  findings.insert(findings.end(), std::make_move_iterator(carried.begin()),
                  std::make_move_iterator(carried.end()));
  return findings;
}

StatusOr<std::vector<JobFinding>> FindingRecords::OfScan(uint64_t scan_id,
                                                         v1::Severity min_severity,
                                                         const FindingRead& read) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT job_id, " + ColumnsOf(read.fields).sql +
                               " FROM findings WHERE scan_id=? AND severity>=? "
                               "ORDER BY job_id, ordinal"));
  query->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, static_cast<int64_t>(min_severity));
  std::vector<JobFinding> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    std::optional<v1::Finding> f = ReadRow(*query, read.fields, read.only_paths, 1);
    if (f) rows.push_back({static_cast<uint64_t>(query->ColumnInt(0)), std::move(*f)});
  }
  query->Reset();
  ASSIGN_OR_RETURN(auto sets, carried_.OfScan(scan_id));
  if (sets.empty()) return rows;
  // Each job's rows, then what its record carries.
  std::vector<JobFinding> findings;
  size_t next_row = 0;
  for (const auto& [job_id, set] : sets) {
    for (; next_row < rows.size() && rows[next_row].job_id <= job_id; ++next_row) {
      findings.push_back(std::move(rows[next_row]));
    }
    ASSIGN_OR_RETURN(std::vector<v1::Finding> carried, Resolve(set, read, 1));
    for (v1::Finding& f : carried) {
      if (f.severity() >= min_severity) findings.push_back({job_id, std::move(f)});
    }
  }
  for (; next_row < rows.size(); ++next_row) findings.push_back(std::move(rows[next_row]));
  return findings;
}

StatusOr<std::vector<v1::Finding>> FindingRecords::List(uint64_t scan_id,
                                                        v1::Severity min_severity) {
  ASSIGN_OR_RETURN(std::vector<JobFinding> of_scan, OfScan(scan_id, min_severity, {}));
  std::vector<v1::Finding> findings;
  findings.reserve(of_scan.size());
  for (JobFinding& f : of_scan) findings.push_back(std::move(f.finding));
  return findings;
}

StatusOr<std::vector<JobFinding>> FindingRecords::ListWithJobs(uint64_t scan_id,
                                                               const FindingRead& read) {
  return OfScan(scan_id, v1::SEVERITY_INFO, read);
}

StatusOr<std::vector<uint64_t>> FindingRecords::CountBySeverity(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * severities,
                   db_.Prepare("SELECT severity, count(*) FROM findings WHERE scan_id=? "
                               "GROUP BY severity"));
  severities->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<uint64_t> counts(kSeverities, 0);
  while (true) {
    ASSIGN_OR_RETURN(bool row, severities->Step());
    if (!row) break;
    int64_t severity = severities->ColumnInt(0);
    if (severity >= 0 && severity < static_cast<int64_t>(counts.size())) {
      counts[static_cast<size_t>(severity)] = static_cast<uint64_t>(severities->ColumnInt(1));
    }
  }
  severities->Reset();
  ASSIGN_OR_RETURN(std::vector<uint64_t> carried, carried_.CountBySeverity(scan_id));
  for (size_t i = 0; i < counts.size() && i < carried.size(); ++i) counts[i] += carried[i];
  return counts;
}

StatusOr<std::map<std::pair<std::string, int>, std::string>> FindingRecords::SnippetsOfJob(
    uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT path, line, snippet FROM findings WHERE job_id=? AND "
                               "snippet != ''"));
  query->Bind(1, static_cast<int64_t>(job_id));
  std::map<std::pair<std::string, int>, std::string> snippets;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    snippets[{query->ColumnText(0), static_cast<int>(query->ColumnInt(1))}] = query->ColumnText(2);
  }
  query->Reset();
  return snippets;
}

}  // namespace scanfleet
