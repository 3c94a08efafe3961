// Adapter for wapiti 3's JSON report (`-f json -o FILE`).
//
// "vulnerabilities": {category: [{method, path, info, level, parameter,
// http_request, curl_command}]} become findings with rule id = the category
// slugged ("SQL Injection" -> "sql-injection"), title = category, message =
// the category's description from "classifications", evidence = wapiti's info
// line and the first line of the attack request. Severity from wapiti's level:
// 4 critical, 3 high, 2 medium, 1 low, 0 info. "anomalies" (500 errors,
// timeouts while injecting) are kept as findings "anomaly:<slug>" of severity
// low at most: they hint at a weakness but prove none. CWE by category
// (SQL/blind SQL 89, XSS 79, command execution 78, path traversal 22, CRLF 93,
// XXE 611, SSRF 918, open redirect 601, CSRF 352, backup file 530). URL =
// the target's scheme://host:port + path. Confidence: medium.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseWapitiJson(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
