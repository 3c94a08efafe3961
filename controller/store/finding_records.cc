#include "controller/store/finding_records.h"

#include <cstdlib>

#include "common/finding/finding.h"

namespace scanfleet {

namespace {

// The finding columns, in the order ReadFindingRow expects them (each
// prefixed with `alias`, e.g. "f.").
std::string FindingColumns(const std::string& alias = "") {
  std::string columns;
  for (const char* name : {"tool", "tool_version", "rule_id", "title", "message", "severity",
                           "confidence", "cwes", "path", "line", "col", "end_line", "snippet",
                           "fingerprint", "url", "http_method", "parameter", "evidence"}) {
    columns += (columns.empty() ? "" : ", ") + alias + name;
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

// Every finding `query` returns (its FindingColumns() first), then resets it.
StatusOr<std::vector<v1::Finding>> ReadFindings(Statement& query) {
  std::vector<v1::Finding> findings;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    findings.push_back(ReadFindingRow(query));
  }
  query.Reset();
  return findings;
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
  ASSIGN_OR_RETURN(Statement * next,
                   db_.Prepare("SELECT COALESCE(MAX(ordinal)+1, 0) FROM findings WHERE job_id=?"));
  next->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool has_row, next->Step());
  int first_ordinal = has_row ? static_cast<int>(next->ColumnInt(0)) : 0;
  next->Reset();
  return first_ordinal;
}

StatusOr<std::vector<v1::Finding>> FindingRecords::List(uint64_t scan_id,
                                                        v1::Severity min_severity) {
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT " + FindingColumns() +
                                                  " FROM findings WHERE scan_id=? AND severity>=? "
                                                  "ORDER BY job_id, ordinal"));
  query->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, static_cast<int64_t>(min_severity));
  return ReadFindings(*query);
}

StatusOr<std::vector<uint64_t>> FindingRecords::JobOfEach(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * ids,
                   db_.Prepare("SELECT job_id FROM findings WHERE scan_id=? ORDER BY job_id, "
                               "ordinal"));
  ids->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<uint64_t> job_ids;
  while (true) {
    ASSIGN_OR_RETURN(bool row, ids->Step());
    if (!row) break;
    job_ids.push_back(static_cast<uint64_t>(ids->ColumnInt(0)));
  }
  ids->Reset();
  return job_ids;
}

StatusOr<std::vector<uint64_t>> FindingRecords::CountBySeverity(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * severities,
                   db_.Prepare("SELECT severity, count(*) FROM findings WHERE scan_id=? "
                               "GROUP BY severity"));
  severities->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<uint64_t> counts(static_cast<size_t>(Severity::kCritical) + 1, 0);
  while (true) {
    ASSIGN_OR_RETURN(bool row, severities->Step());
    if (!row) break;
    int64_t severity = severities->ColumnInt(0);
    if (severity >= 0 && severity < static_cast<int64_t>(counts.size())) {
      counts[static_cast<size_t>(severity)] = static_cast<uint64_t>(severities->ColumnInt(1));
    }
  }
  severities->Reset();
  return counts;
}

StatusOr<std::vector<v1::Finding>> FindingRecords::OfScanner(uint64_t scan_id,
                                                             const std::string& scanner) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT " + FindingColumns("f.") +
                               " FROM findings f JOIN jobs j ON j.id = f.job_id WHERE "
                               "j.scan_id=? AND j.scanner=? ORDER BY f.job_id, f.ordinal"));
  query->Bind(1, static_cast<int64_t>(scan_id)).Bind(2, scanner);
  return ReadFindings(*query);
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
