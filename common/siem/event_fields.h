// Shared field mappings of the SIEM formatters: one place that decides how a
// scanfleet severity becomes a CEF/LEEF, syslog, OCSF or ECS severity, how
// times are written, and what the canonical JSON of a finding is.
// Every mapping here is documented in docs/SIEM.md.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "proto/scanfleet.pb.h"

namespace scanfleet::siem {

// The product name and version every formatter reports as the source.
inline constexpr std::string_view kVendor = "scanfleet";
inline constexpr std::string_view kProduct = "scanfleet";

// info 1, low 3, medium 5, high 8, critical 10 (ArcSight: 0-3 low, 4-6 medium,
// 7-8 high, 9-10 very high). Used by CEF, LEEF (sev) and ECS event.severity.
int CefSeverity(v1::Severity severity);
// RFC 5424 severities: critical 2, high 3, medium 4, low 5, info 6.
int SyslogSeverity(v1::Severity severity);
// OCSF severity_id: info 1, low 2, medium 3, high 4, critical 5.
int OcsfSeverityId(v1::Severity severity);
// "Informational", "Low", "Medium", "High", "Critical" (OCSF and ECS captions).
std::string_view SeverityCaption(v1::Severity severity);
// "info" .. "critical", the canonical names.
std::string_view CanonicalSeverityName(v1::Severity severity);

// RFC 3339 / ISO 8601 UTC with milliseconds: "2026-01-02T03:04:05.678Z".
std::string Rfc3339Ms(int64_t unix_ms);
// The last '/'-separated component of a path ("" for "").
std::string BaseName(std::string_view path);
// Every finding field under its canonical name (as `scanfleet findings --json`).
nlohmann::json CanonicalFindingJson(const v1::Finding& finding);

}  // namespace scanfleet::siem
