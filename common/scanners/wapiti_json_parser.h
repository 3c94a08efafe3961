// Adapter for wapiti 3's JSON report (`-f json -o FILE`; read from that file).
//
// The report (wapiti 3.0.4, report/jsonreportgenerator.py) holds
// "vulnerabilities", "anomalies" and "additionals", each {category name:
// [{method, path, info, level, parameter, http_request, curl_command}]},
// "classifications" {category: {desc, sol, ref: {title: url}}} and
// "infos" {target, date, version, scope}.
//
// Every entry becomes a finding:
// - rule id: the category slugged ("SQL Injection" -> "sql-injection",
//   "Cross Site Scripting" -> "cross-site-scripting"); anomalies get
//   "anomaly:<slug>", additionals "additional:<slug>".
// - severity from wapiti's level (language/vulnerability.py: CRITICAL 4,
//   HIGH 3, MEDIUM 2, LOW 1, INFO 0): 4 critical, 3 high, 2 medium, 1 low,
//   0 info. Anomalies (500 errors, timeouts while injecting) are capped at low
//   and additionals (e.g. technology fingerprints) are info: they hint at a
//   weakness or describe the target but prove none.
// - CWEs (vulnerabilities only): every cwe.mitre.org/data/definitions/N.html
//   reference of the category's classification (wapiti 3.0.4 links SQLi and
//   blind SQLi 89, XSS 79, command execution 78, path traversal 22, CRLF 93,
//   XXE 611, SSRF 918, open redirect 601, CSRF 352, backup file 530, weak
//   credentials 798+521, htaccess bypass 538); when the report has no such
//   reference, a built-in table by slug with the same ids plus Secure flag
//   cookie 614 and HttpOnly flag cookie 1004.
// - title = category, message = the category's description (or the entry's
//   info), confidence medium, url = scheme://host:port of infos.target + path
//   (wapiti's path is the whole URL path), http_method, parameter, evidence =
//   info + the attack's request line + its body, if any (bounded).
// A level that is not an integer 0..4 (or such a digit string), a path not
// starting with '/', or an entry that is not an object is skipped and counted.
// Output that is not a JSON object with a "vulnerabilities" object and an
// infos.target URL is DataLoss.
// Note: wapiti 3.0.4 writes the same empty report whether the target was clean
// or unreachable ("Wapiti found 0 URLs and forms" appears only on stdout).
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseWapitiJson(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
