// A fixed scan for the formatter tests: two SAST tools (one failed), findings
// with quotes, commas, newlines, non-ASCII and spreadsheet-formula prefixes,
// and one DAST finding.
#pragma once

#include "controller/report/scan_report.h"

namespace scanfleet::report {

inline Finding CodeFinding(std::string tool, std::string rule, std::string path, int line,
                           std::string snippet, Severity severity) {
  Finding f;
  f.tool = std::move(tool);
  f.tool_version = "1.2.3";
  f.rule_id = std::move(rule);
  f.title = "Title of " + f.rule_id;
  f.message = "Message, with \"quotes\"\nand a second line";
  f.severity = severity;
  f.confidence = "high";
  f.path = std::move(path);
  f.line = line;
  f.column = 5;
  f.end_line = line;
  f.snippet = std::move(snippet);
  f.fingerprint = "fp-" + f.rule_id + "-" + std::to_string(line);
  return f;
}

inline ScanReport FixedReport() {
  ScanReport report;
  report.scan_id = 42;
  report.state = v1::SCAN_SUCCEEDED;
  report.profile = "default";
  report.repo = "https://git.example.com/team/app.git";
  report.ref = "main";
  report.resolved_commit = "0123456789abcdef0123456789abcdef01234567";
  report.created_ms = 1795000000000;
  report.finished_ms = 1795000060000;
  report.runs = {{"flawfinder", "2.0.19", v1::JOB_SUCCEEDED, ""},
                 {"bandit", "1.6.2", v1::JOB_SUCCEEDED, ""}};
  Finding strcpy = CodeFinding("flawfinder", "FF1001", "src/a b/main.c", 2, "  strcpy(dst, src);",
                               Severity::kHigh);
  strcpy.cwes = {120, 20};
  Finding formula = CodeFinding("flawfinder", "FF1001", "src/a b/main.c", 3, "=cmd|' /C calc'!A0",
                                Severity::kHigh);
  formula.message = "=HYPERLINK(\"http://evil\")";
  formula.title = "+title";
  Finding unicode =
      CodeFinding("bandit", "B602", "app/ünïcode.py", 1, "os.system(cmd)  # ✓", Severity::kMedium);
  unicode.message = "-shell, @risk: «quoted» ✓";
  unicode.cwes = {78};
  report.findings = {strcpy, formula, unicode};
  return report;
}

inline Finding DastFinding() {
  Finding f;
  f.tool = "wapiti";
  f.tool_version = "3.0.4";
  f.rule_id = "sql";
  f.title = "SQL Injection";
  f.message = "SQL error in response";
  f.severity = Severity::kCritical;
  f.cwes = {89};
  f.url = "http://app.test:8080/search?q=1";
  f.http_method = "GET";
  f.parameter = "q";
  f.evidence = "q=1' OR '1'='1";
  f.fingerprint = "fp-dast";
  return f;
}

}  // namespace scanfleet::report
