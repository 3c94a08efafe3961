#include "controller/report/formats.h"

namespace scanfleet::report {

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "sarif") return ReportFormat::kSarif;
  if (name == "defectdojo") return ReportFormat::kDefectDojo;
  if (name == "gitlab") return ReportFormat::kGitLab;
  if (name == "json") return ReportFormat::kJson;
  if (name == "csv") return ReportFormat::kCsv;
  return std::nullopt;
}

std::string Render(ReportFormat format, const ScanReport& report) {
  switch (format) {
    case ReportFormat::kSarif:
      return RenderSarif(report);
    case ReportFormat::kDefectDojo:
      return RenderDefectDojo(report);
    case ReportFormat::kGitLab:
      return RenderGitLab(report);
    case ReportFormat::kJson:
      return RenderJson(report);
    case ReportFormat::kCsv:
      return RenderCsv(report);
  }
  return {};
}

}  // namespace scanfleet::report
