#include "common/wire/convert.h"

namespace scanfleet {

v1::Severity SeverityToProto(Severity severity) {
  return static_cast<v1::Severity>(static_cast<int>(severity));
}

Severity SeverityFromProto(v1::Severity severity) {
  int value = static_cast<int>(severity);
  if (value < 0 || value > static_cast<int>(Severity::kCritical)) return Severity::kInfo;
  return static_cast<Severity>(value);
}

void FindingToProto(const Finding& f, v1::Finding* out) {
  out->set_tool(f.tool);
  out->set_tool_version(f.tool_version);
  out->set_rule_id(f.rule_id);
  out->set_title(f.title);
  out->set_message(f.message);
  out->set_severity(SeverityToProto(f.severity));
  out->set_confidence(f.confidence);
  out->mutable_cwes()->Assign(f.cwes.begin(), f.cwes.end());
  out->set_path(f.path);
  out->set_line(f.line);
  out->set_column(f.column);
  out->set_end_line(f.end_line);
  out->set_snippet(f.snippet);
  out->set_fingerprint(f.fingerprint);
  out->set_url(f.url);
  out->set_http_method(f.http_method);
  out->set_parameter(f.parameter);
  out->set_evidence(f.evidence);
}

Finding FindingFromProto(const v1::Finding& p) {
  Finding f;
  f.tool = p.tool();
  f.tool_version = p.tool_version();
  f.rule_id = p.rule_id();
  f.title = p.title();
  f.message = p.message();
  f.severity = SeverityFromProto(p.severity());
  f.confidence = p.confidence();
  f.cwes.assign(p.cwes().begin(), p.cwes().end());
  f.path = p.path();
  f.line = p.line();
  f.column = p.column();
  f.end_line = p.end_line();
  f.snippet = p.snippet();
  f.url = p.url();
  f.http_method = p.http_method();
  f.parameter = p.parameter();
  f.evidence = p.evidence();
  f.fingerprint = p.fingerprint();
  return f;
}

FailureClass FailureFromProto(v1::FailureKind kind) {
  switch (kind) {
    case v1::FAILURE_NONE: return FailureClass::kNone;
    case v1::FAILURE_SCANNER_CRASHED: return FailureClass::kScannerCrashed;
    case v1::FAILURE_TIMED_OUT: return FailureClass::kTimedOut;
    case v1::FAILURE_SCANNER_MISSING: return FailureClass::kScannerMissing;
    case v1::FAILURE_BAD_INPUT: return FailureClass::kBadInput;
    case v1::FAILURE_PARSE_ERROR: return FailureClass::kParseError;
    default: return FailureClass::kInternal;
  }
}

std::string_view ScanStateName(v1::ScanState state) {
  switch (state) {
    case v1::SCAN_QUEUED: return "queued";
    case v1::SCAN_RUNNING: return "running";
    case v1::SCAN_SUCCEEDED: return "succeeded";
    case v1::SCAN_FAILED: return "failed";
    case v1::SCAN_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

}  // namespace scanfleet
