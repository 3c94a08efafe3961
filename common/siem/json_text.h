// Compact JSON text written straight into a string, for the hot path of
// `scanfleet tail` (one line per finding, at the speed of the event stream).
// The output is byte for byte what nlohmann::json's dump() writes for the same
// value with sorted keys (its std::map objects) and error_handler replace:
// control characters as \uXXXX (lower-case hex), the short escapes for \b \f
// \n \r \t " and backslash, UTF-8 kept as it is; a string that is not valid
// UTF-8 is written as dump(replace) writes it (tested against nlohmann).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "proto/scanfleet.pb.h"

namespace scanfleet::siem {

// Appends `text` as a JSON string literal (quotes included).
void AppendJsonString(std::string_view text, std::string& out);
// Appends CanonicalFindingJson(finding).dump(): the canonical finding's keys
// in sorted order.
void AppendCanonicalFindingJson(const v1::Finding& finding, std::string& out);

}  // namespace scanfleet::siem
