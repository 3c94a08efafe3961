// The parser table: registry parser names -> adapter functions.
//
// Every adapter is a pure ParseFn (parse_result.h); the registry refers to
// them by these names so that a deployment file can pick a parser for a tool
// (e.g. "sarif" for any SARIF-emitting scanner).
// Thread-safety: immutable table; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/scanners/parse_result.h"

namespace scanfleet {

// nullptr when no adapter has that name.
ParseFn FindParser(std::string_view name);
// Every adapter name, sorted (for error messages and docs).
std::vector<std::string> ParserNames();

}  // namespace scanfleet
