// sf-report-samples DIR: writes the report formatters' output for fixed scans
// that a real fleet does not easily produce (a DAST scan, a failed job, text
// with quotes, newlines, non-ASCII, invalid UTF-8 and formula prefixes) into
// DIR as <scan>.<format>, for report_e2e to validate with the outside tools.
#include <fstream>
#include <iostream>
#include <string>

#include "controller/report/formats.h"
#include "tests/unit/report/report_fixture.h"

namespace {

using scanfleet::report::ScanReport;

void Write(const std::string& dir, const std::string& name, const ScanReport& report) {
  using scanfleet::report::ReportFormat;
  const std::pair<ReportFormat, const char*> kFormats[] = {
      {ReportFormat::kSarif, "sarif"},
      {ReportFormat::kDefectDojo, "defectdojo"},
      {ReportFormat::kGitLab, "gitlab"},
      {ReportFormat::kJson, "json"},
      {ReportFormat::kCsv, "csv"}};
  for (const auto& [format, extension] : kFormats) {
    std::ofstream(dir + "/" + name + "." + extension, std::ios::binary)
        << scanfleet::report::Render(format, report);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: sf-report-samples DIR\n";
    return 2;
  }
  using namespace scanfleet::report;
  ScanReport code = FixedReport();
  code.findings[0].message += " bad byte \xFF here";
  Write(argv[1], "code", code);

  ScanReport partial = FixedReport();
  partial.state = scanfleet::v1::SCAN_FAILED;
  partial.runs[1] = {"bandit", "", scanfleet::v1::JOB_DEAD_LETTERED, "scanner exited 2"};
  Write(argv[1], "partial", partial);

  ScanReport dast;
  dast.scan_id = 7;
  dast.state = scanfleet::v1::SCAN_SUCCEEDED;
  dast.profile = "web-baseline";
  dast.target_url = "http://app.test:8080/";
  dast.created_ms = 1795000000000;
  dast.finished_ms = 1795000060000;
  dast.runs = {{"wapiti", "3.0.4", scanfleet::v1::JOB_SUCCEEDED, ""},
               {"nmap", "7.93", scanfleet::v1::JOB_SUCCEEDED, ""}};
  scanfleet::Finding port = DastFinding();
  port.tool = "nmap";
  port.rule_id = "open-port";
  port.title = "Open port";
  port.url = "app.test:8080";
  port.http_method.clear();
  port.parameter.clear();
  port.severity = scanfleet::Severity::kInfo;
  port.cwes.clear();
  dast.findings = {DastFinding(), port};
  Write(argv[1], "dast", dast);
  return 0;
}
