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

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length > 1) {
      // Reject overlong forms, surrogates and code points above U+10FFFF.
      uint32_t cp = c & (0xFF >> (length + 1));
      for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      valid = cp >= kMin[length] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(kReplacement);
      i += 1;
    }
  }
  return out;
}

void FindingToProto(const Finding& f, v1::Finding* out) {
  // Tool output may hold any bytes (a Latin-1 source line, a file name);
  // protobuf string fields must be UTF-8 or the whole message fails to parse.
  out->set_tool(ValidUtf8(f.tool));
  out->set_tool_version(ValidUtf8(f.tool_version));
  out->set_rule_id(ValidUtf8(f.rule_id));
  out->set_title(ValidUtf8(f.title));
  out->set_message(ValidUtf8(f.message));
  out->set_severity(SeverityToProto(f.severity));
  out->set_confidence(ValidUtf8(f.confidence));
  out->mutable_cwes()->Assign(f.cwes.begin(), f.cwes.end());
  out->set_path(ValidUtf8(f.path));
  out->set_line(f.line);
  out->set_column(f.column);
  out->set_end_line(f.end_line);
  out->set_snippet(ValidUtf8(f.snippet));
  out->set_fingerprint(ValidUtf8(f.fingerprint));
  out->set_url(ValidUtf8(f.url));
  out->set_http_method(ValidUtf8(f.http_method));
  out->set_parameter(ValidUtf8(f.parameter));
  out->set_evidence(ValidUtf8(f.evidence));
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
    case v1::FAILURE_NONE:
      return FailureClass::kNone;
    case v1::FAILURE_SCANNER_CRASHED:
      return FailureClass::kScannerCrashed;
    case v1::FAILURE_TIMED_OUT:
      return FailureClass::kTimedOut;
    case v1::FAILURE_SCANNER_MISSING:
      return FailureClass::kScannerMissing;
    case v1::FAILURE_BAD_INPUT:
      return FailureClass::kBadInput;
    case v1::FAILURE_PARSE_ERROR:
      return FailureClass::kParseError;
    default:
      return FailureClass::kInternal;
  }
}

std::string_view ScanStateName(v1::ScanState state) {
  switch (state) {
    case v1::SCAN_QUEUED:
      return "queued";
    case v1::SCAN_RUNNING:
      return "running";
    case v1::SCAN_SUCCEEDED:
      return "succeeded";
    case v1::SCAN_FAILED:
      return "failed";
    case v1::SCAN_CANCELLED:
      return "cancelled";
    case v1::SCAN_STATE_UNSPECIFIED:
    case v1::ScanState_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::ScanState_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return "unknown";
}

}  // namespace scanfleet
