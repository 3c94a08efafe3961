#include "common/siem/event_fields.h"

#include <ctime>

#include "common/wire/convert.h"

namespace scanfleet::siem {

int CefSeverity(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return 10;
    case v1::SEVERITY_HIGH:
      return 8;
    case v1::SEVERITY_MEDIUM:
      return 5;
    case v1::SEVERITY_LOW:
      return 3;
    default:
      return 1;
  }
}

int SyslogSeverity(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return 2;
    case v1::SEVERITY_HIGH:
      return 3;
    case v1::SEVERITY_MEDIUM:
      return 4;
    case v1::SEVERITY_LOW:
      return 5;
    default:
      return 6;
  }
}

int OcsfSeverityId(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return 5;
    case v1::SEVERITY_HIGH:
      return 4;
    case v1::SEVERITY_MEDIUM:
      return 3;
    case v1::SEVERITY_LOW:
      return 2;
    default:
      return 1;
  }
}

std::string_view SeverityCaption(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_CRITICAL:
      return "Critical";
    case v1::SEVERITY_HIGH:
      return "High";
    case v1::SEVERITY_MEDIUM:
      return "Medium";
    case v1::SEVERITY_LOW:
      return "Low";
    default:
      return "Informational";
  }
}

std::string_view CanonicalSeverityName(v1::Severity severity) {
  return SeverityName(SeverityFromProto(severity));
}

std::string Rfc3339Ms(int64_t unix_ms) {
  if (unix_ms < 0) unix_ms = 0;
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[80];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buffer;
}

std::string BaseName(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

nlohmann::json CanonicalFindingJson(const v1::Finding& f) {
  return {{"tool", f.tool()},
          {"tool_version", f.tool_version()},
          {"rule_id", f.rule_id()},
          {"title", f.title()},
          {"message", f.message()},
          {"severity", CanonicalSeverityName(f.severity())},
          {"confidence", f.confidence()},
          {"cwes", std::vector<int>(f.cwes().begin(), f.cwes().end())},
          {"path", f.path()},
          {"line", f.line()},
          {"column", f.column()},
          {"end_line", f.end_line()},
          {"snippet", f.snippet()},
          {"url", f.url()},
          {"http_method", f.http_method()},
          {"parameter", f.parameter()},
          {"evidence", f.evidence()},
          {"fingerprint", f.fingerprint()}};
}

}  // namespace scanfleet::siem
