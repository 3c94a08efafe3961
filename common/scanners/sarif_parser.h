// Generic SARIF 2.1.0 importer (registry parser "sarif"): any SARIF-emitting
// tool (semgrep --sarif, gitleaks, CodeQL, flawfinder --sarif, clang
// --analyze --analyzer-output sarif, eslint's SARIF formatter...) plugs in.
//
// Per run: tool = tool.driver.name lower-cased ("Flawfinder" -> "flawfinder";
// semgrep's editions "Semgrep OSS" / "Semgrep Pro" -> "semgrep", so both of
// its formats fingerprint alike); version = driver.version, else
// semanticVersion, else the worker's `tool_version`. Rules are looked up by
// ruleIndex / rule.index (in tool.extensions[rule.toolComponent.index] when
// given, else the driver), else by ruleId / rule.id (also its part before a
// '/', SARIF's hierarchical ids).
//
// Per result:
//  - rule_id = ruleId, else rule.id, else the rule's id; title = the rule's
//    name, else its shortDescription.text.
//  - message = message.text, else the rule's messageStrings[message.id] or the
//    driver's globalMessageStrings[message.id], with {0}, {1}... replaced by
//    message.arguments (and {{ }} unescaped) when arguments are given.
//  - severity: a numeric "security-severity" property (result's, else the
//    rule's; a CVSS-like 0-10 number or numeric string) gives >= 9 critical,
//    >= 7 high, >= 4 medium, > 0 low, 0 info. Otherwise the level: result.level,
//    else "none" when result.kind is set and is not "fail", else the rule's
//    defaultConfiguration.level, else SARIF's default "warning":
//    error -> high, warning -> medium, note -> low, none -> info (an unknown
//    level string counts as warning).
//  - confidence from the rule's "precision" property (very-high/high -> high,
//    medium, low) or a "confidence" property.
//  - CWEs from rule and result properties.tags ("CWE-79",
//    "external/cwe/cwe-079", "CWE-89: SQL Injection"), a properties.cwe string
//    or list, and rule relationships whose target's toolComponent is "CWE".
//  - location: locations[0].physicalLocation. artifactLocation.uri (or, when
//    absent, run.artifacts[index].location) is resolved through
//    run.originalUriBaseIds: a base id whose uri is relative is prefixed (and
//    its own uriBaseId followed); a base id that is absolute, has no uri or is
//    not listed (e.g. flawfinder's "SRCROOT", CodeQL's "%SRCROOT%") stands for
//    the scanned root. Then "file:" is dropped and %-escapes decoded. A uri
//    that is still absolute ("file:///...", "/...", "https:...") cannot be made
//    relative to the scanned root here: such a result is skipped and counted,
//    like one without any physical location or whose path leaves the root.
//    region startLine, startColumn, endLine (defaults to startLine, as SARIF
//    says), snippet.text.
//  - Left out and NOT counted, because the tool itself says they are not open
//    problems: results with a suppression whose status is "accepted" or absent
//    (SARIF's default; "underReview"/"rejected" keep the result), results of
//    kind "pass" or "notApplicable", and results with baselineState "absent".
//  - partialFingerprints/fingerprints are ignored: scanfleet computes its own.
// The log is read through SanitizeJsonText (json_fields.h): Python-based tools write
// undecodable file names as unpaired surrogate escapes. Input that is not a JSON object with a
// "runs" list, or whose "version" is not 2.1.x, is DataLoss. Thread-safety: pure and reentrant.
#pragma once

#include <string>
#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseSarif(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
