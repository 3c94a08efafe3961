// The wire's failure code (v1::ErrorCode in ApiResponse.error_code) and
// scanfleet's StatusCode, mapped both ways in this one place.
//
// Both directions are switches over every enumerator with no default, so a
// code added to either enum breaks the -Wswitch build until it is mapped.
// The proto numbers equal the StatusCode numbers the field carried when it was
// a uint32 (a peer of that era and this one read each other), but code never
// relies on that: it converts here, never by casting.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// StatusCode::kOk is ERROR_CODE_UNSPECIFIED (no failure).
v1::ErrorCode ErrorCodeOf(StatusCode code);
// ERROR_CODE_UNSPECIFIED is kOk; a value outside the enum (a newer peer's
// code) is kInternal: a failure this side cannot classify.
StatusCode StatusCodeOf(v1::ErrorCode code);

// An API answer that reports `status` (error = prefix + message, error_code).
v1::ApiResponse ErrorResponseOf(const Status& status, std::string_view prefix = "");

}  // namespace scanfleet
