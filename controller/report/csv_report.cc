// CSV: a header row, then one row per finding, RFC 4180 (CRLF line ends, every
// field quoted, quotes doubled; newlines stay inside the quotes), valid UTF-8
// (invalid sequences become U+FFFD). A field that a spreadsheet would run as a
// formula (starting with = + - @, tab or CR) gets a leading apostrophe. Columns (README "Reports"):
// scan_id, scan_partial, tool, tool_version, rule_id, title, severity, confidence, cwes
// (";"-joined), path, line, column, end_line, url, http_method, parameter, message, snippet,
// evidence, fingerprint, status (new / unchanged against the baseline, empty when unknown),
// suppression (its reason, when suppressed).
#include <string>
#include <vector>

#include "controller/report/formats.h"
#include "controller/report/report_common.h"

namespace scanfleet::report {

namespace {

std::string Field(std::string_view raw) {
  std::string value = ValidUtf8Text(raw);
  std::string quoted = "\"";
  if (!value.empty() &&
      std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) {
    quoted += '\'';
  }
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string Row(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row += ',';
    row += Field(fields[i]);
  }
  return row + "\r\n";
}

std::string Number(int value) { return value > 0 ? std::to_string(value) : ""; }

}  // namespace

std::string RenderCsv(const ScanReport& report) {
  std::string csv =
      Row({"scan_id",  "scan_partial", "tool",        "tool_version", "rule_id", "title",
           "severity", "confidence",   "cwes",        "path",         "line",    "column",
           "end_line", "url",          "http_method", "parameter",    "message", "snippet",
           "evidence", "fingerprint",  "status",      "suppression"});
  std::string scan_id = std::to_string(report.scan_id);
  std::string partial = report.partial() ? "true" : "false";
  for (const Finding& f : report.findings) {
    const FindingDiff* diff = report.DiffOf(f);
    std::string cwes;
    for (int cwe : f.cwes) cwes += (cwes.empty() ? "" : ";") + std::to_string(cwe);
    csv += Row({scan_id,
                partial,
                f.tool,
                f.tool_version,
                f.rule_id,
                f.title,
                std::string(SeverityName(f.severity)),
                f.confidence,
                cwes,
                f.path,
                Number(f.line),
                Number(f.column),
                Number(f.end_line),
                f.url,
                f.http_method,
                f.parameter,
                f.message,
                f.snippet,
                f.evidence,
                f.fingerprint,
                diff ? diff->status : "",
                diff ? diff->suppression_reason : ""});
  }
  return csv;
}

}  // namespace scanfleet::report
