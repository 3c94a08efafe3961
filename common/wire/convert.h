// Conversions between the normalized model (common/finding) and wire messages.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/finding/finding.h"
#include "common/wire/failure_class.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD: protobuf
// string fields must be valid UTF-8, and tool output need not be.
std::string ValidUtf8(std::string_view text);
void FindingToProto(const Finding& finding, v1::Finding* out);
Finding FindingFromProto(const v1::Finding& proto);
v1::Severity SeverityToProto(Severity severity);
Severity SeverityFromProto(v1::Severity severity);
FailureClass FailureFromProto(v1::FailureKind kind);
// "queued", "running", "succeeded", "failed", "cancelled"; "unknown" for
// SCAN_STATE_UNSPECIFIED or a value outside the enum. One case per state, no
// default: a state added to the proto does not build until it is named.
std::string_view ScanStateName(v1::ScanState state);

}  // namespace scanfleet
