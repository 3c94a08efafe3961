// Adapters for two DAST tools not packaged in Debian, tested on fixtures
// written from their documented output formats.
//
// nuclei JSON lines (`nuclei -jsonl -o FILE`): one object per line with
// template-id, info{name, severity, description, classification{cwe-id[]}},
// type, host, matched-at, extracted-results, matcher-name, request. Rule =
// template-id (plus ":" matcher-name when set), severity = info.severity
// (critical/high/medium/low/info; unknown -> info), url = matched-at, method
// from the first word of the request, evidence = extracted results or the
// matcher name, parameter = fuzzing_parameter. Lines with matcher-status false
// (-ms) are not findings. A line that is not such an object is skipped and
// counted.
//
// OWASP ZAP's traditional JSON report: site[] -> alerts[] -> instances[].
// One finding per instance: rule = alertRef (else pluginid), title = alert
// name, severity by
// riskcode (3 high, 2 medium, 1 low, 0 info), confidence by confidence code
// (3/4 high, 2 medium, 1 low, 0 false positive -> skipped and counted), CWE =
// cweid (when > 0), message = desc as text (tags dropped, entities decoded), url/method/param from
// the instance, evidence = its attack and evidence strings.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseNucleiJsonl(std::string_view output, std::string_view tool_version);
StatusOr<ParseResult> ParseZapJson(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
