// Adapter for flawfinder (C/C++ SAST): `flawfinder --csv <dir>` output in,
// normalized findings out.
//
// Columns are located by header name, so a flawfinder release that adds or
// reorders columns keeps working; a missing required column (File, Line,
// Level, Name, Warning, RuleId) is DataLoss. A data row that cannot be read
// (wrong field count, non-numeric line or level) is skipped and counted.
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

// Matches ParseFn. `tool_version` is used only when the output has no
// ToolVersion column (or it is empty).
StatusOr<ParseResult> ParseFlawfinderCsv(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
