// semgrep JSON adapter; see semgrep_json_parser.h for the mapping.
// Thread-safety: pure and reentrant.
#include "common/scanners/semgrep_json_parser.h"

#include "common/scanners/cwe_text.h"
#include "common/scanners/json_fields.h"
#include "common/text/ascii.h"

namespace scanfleet {
namespace {

constexpr std::string_view kHiddenLines = "requires login";

Severity MapSeverity(const std::string& level) {
  if (level == "CRITICAL") return Severity::kCritical;
  if (level == "ERROR" || level == "HIGH") return Severity::kHigh;
  if (level == "INFO" || level == "LOW") return Severity::kLow;
  if (level == "INVENTORY" || level == "EXPERIMENT") return Severity::kInfo;
  return Severity::kMedium;  // WARNING, MEDIUM, and anything unknown
}

// Appends the finding of one result, or counts it as skipped.
void AddResult(const Json& result, const std::string& version, ParseResult& out) {
  const Json& extra = Field(result, "extra");
  if (Field(extra, "is_ignored") == true) return;
  Finding f;
  f.rule_id = Text(Field(result, "check_id"));
  f.path = CleanRelativePath(Text(Field(result, "path")));
  f.line = PositiveInt(Field(Field(result, "start"), "line"));
  if (f.rule_id.empty() || f.line == 0 || !PathStaysInside(f.path)) {
    ++out.skipped_records;
    return;
  }
  f.tool = "semgrep";
  f.tool_version = version;
  f.title = f.rule_id.substr(f.rule_id.rfind('.') + 1);  // npos + 1 == 0: the whole id
  f.message = Text(Field(extra, "message"));
  f.severity = MapSeverity(Upper(Text(Field(extra, "severity"))));
  f.column = PositiveInt(Field(Field(result, "start"), "col"));
  f.end_line = PositiveInt(Field(Field(result, "end"), "line"));
  std::string lines = Text(Field(extra, "lines"));
  if (lines != kHiddenLines) f.snippet = lines;
  const Json& metadata = Field(extra, "metadata");
  const Json& cwe = Field(metadata, "cwe");
  if (cwe.is_string()) AddCweOf(Text(cwe), f.cwes);
  if (cwe.is_array()) {
    for (const Json& item : cwe) AddCweOf(Text(item), f.cwes);
  }
  std::string confidence = Upper(Text(Field(metadata, "confidence")));
  if (confidence == "HIGH" || confidence == "MEDIUM" || confidence == "LOW") {
    f.confidence = Lower(confidence);
  }
  out.findings.push_back(std::move(f));
}

}  // namespace

StatusOr<ParseResult> ParseSemgrepJson(std::string_view output, std::string_view tool_version) {
  const std::string text = SanitizeJsonText(output);
  Json doc = ParseJson(text);
  if (doc.is_discarded() || !doc.is_object() || !Field(doc, "results").is_array()) {
    return Status::DataLoss(
        "not a semgrep JSON report (expected an object with a \"results\" list)");
  }
  std::string version = Text(Field(doc, "version"));
  if (version.empty()) version = std::string(tool_version);
  ParseResult out;
  for (const Json& result : Field(doc, "results")) AddResult(result, version, out);
  AssignFingerprints(out.findings);
  return out;
}

}  // namespace scanfleet
