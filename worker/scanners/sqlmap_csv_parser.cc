// sqlmap CSV results adapter; see sqlmap_csv_parser.h.
#include "worker/scanners/sqlmap_csv_parser.h"

#include <map>

#include "worker/scanners/csv_reader.h"

namespace scanfleet {
namespace {

std::string TechniqueNames(const std::string& letters) {
  static const std::map<char, const char*> kNames = {
      {'B', "boolean-based blind"}, {'E', "error-based"},      {'U', "UNION query"},
      {'S', "stacked queries"},     {'T', "time-based blind"}, {'Q', "inline query"}};
  std::string names;
  for (char letter : letters) {
    auto it = kNames.find(letter);
    if (it == kNames.end()) continue;
    names += (names.empty() ? "" : ", ") + std::string(it->second);
  }
  return names;
}

}  // namespace

StatusOr<ParseResult> ParseSqlmapCsv(std::string_view output, std::string_view tool_version) {
  ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(output));
  if (records.empty() || records[0].size() < 4 || records[0][0] != "Target URL" ||
      records[0][1] != "Place" || records[0][2] != "Parameter") {
    return Status::DataLoss("not a sqlmap results file (header Target URL,Place,Parameter,...)");
  }
  ParseResult result;
  for (size_t i = 1; i < records.size(); ++i) {
    const CsvRecord& row = records[i];
    if (row.size() < 4 || row[0].find("://") == std::string::npos || row[2].empty() ||
        TechniqueNames(row[3]).empty() || row[0].size() > 4096 || row[2].size() > 256) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "sqlmap";
    f.tool_version = std::string(tool_version);
    f.rule_id = "sql-injection";
    f.title = "SQL injection";
    std::string techniques = TechniqueNames(row[3]);
    f.message =
        "sqlmap exploited parameter '" + row[2] + "' (" + row[1] + ") with " + techniques + ".";
    f.severity = Severity::kCritical;
    f.confidence = "high";
    f.cwes = {89};
    f.url = row[0];
    f.http_method = row[1] == "POST" ? "POST" : "GET";
    f.parameter = row[2];
    f.evidence = "place " + row[1] + "; techniques " + row[3] + " (" + techniques + ")" +
                 (row.size() > 4 && !row[4].empty() ? "; " + row[4].substr(0, 512) : "");
    result.findings.push_back(std::move(f));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
