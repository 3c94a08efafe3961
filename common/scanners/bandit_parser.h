// Adapter for bandit (Python SAST): `bandit -r -f json -q <dir>` output in,
// normalized findings out.
//
// The document must be a JSON object with a "results" array, otherwise the
// whole output is DataLoss. An entry of that array lacking a required key or
// holding a wrong type is skipped and counted. Bandit's own "errors" array
// (files it could not scan) is not a parse problem and is ignored here.
// Fields added by newer bandit releases (col_offset, issue_cwe) are used when
// present.
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

// Matches ParseFn. Bandit's JSON carries no version, so every finding gets
// `tool_version`.
StatusOr<ParseResult> ParseBanditJson(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
