// ASCII helpers for reading tool output: case mapping for matching keywords
// ("HIGH", "Medium", "CWE-89") and hex digits (%-escapes, \u escapes). Only
// ASCII letters and digits count; every other byte (UTF-8 included) is kept
// or refused, and nothing depends on the process's locale.
// Thread-safety: pure functions; reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scanfleet {

// `text` with 'A'-'Z' mapped to 'a'-'z' (Lower) or the reverse (Upper).
std::string Lower(std::string_view text);
std::string Upper(std::string_view text);

// The value of the `digits` (1-7) hex digits at text[at], or -1 when there
// are fewer or one is not a hex digit.
int HexValue(std::string_view text, size_t at, size_t digits);

}  // namespace scanfleet
