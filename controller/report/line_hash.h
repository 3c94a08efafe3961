// GitHub code scanning's `primaryLocationLineHash`, computed the way
// github/codeql-action computes it (src/fingerprints.ts) when a SARIF file
// arrives without one, so alerts keep their identity across uploads whether
// we or the action fill it in.
//
// The algorithm: the file is read as UTF-16 code units (invalid UTF-8 becomes
// U+FFFD); spaces and tabs are skipped, CR and CRLF become LF; a rolling hash
// (multiplier 37, window 100 code units, 64-bit wrap-around) runs over what is
// left, with a 65535 end-of-file marker followed by zeros. A line's hash is the
// window that starts at its first kept character, written in lower-case hex,
// plus ":N" where N counts how often that hash value occurred in the file so
// far (1 for the first). The window spans following lines, so a line's hash
// depends on up to 100 significant characters after its start.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scanfleet::report {

// Hash values of every line of `contents`, without the ":N" suffix. Index 0 is
// line 1. A file that ends in a newline has one more entry (the end-of-file
// line), as in the reference.
std::vector<uint64_t> RawLineHashes(std::string_view contents);

// The full "hex:N" value of every line (index 0 is line 1).
std::vector<std::string> LineHashes(std::string_view contents);

// "hex" of one raw hash value.
std::string LineHashHex(uint64_t hash);

}  // namespace scanfleet::report
