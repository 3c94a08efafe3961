// A small RFC 4180 CSV reader for scanner output (flawfinder --csv).
//
// Handles quoted fields, doubled quotes inside them, commas and line breaks
// inside quoted fields, and CRLF or LF record endings. Scanner output is
// untrusted: the reader is bounded (inputs above kMaxCsvInputBytes are refused),
// runs in one linear pass, and reports an unterminated quoted field as DataLoss
// instead of guessing where it ends, because that is what truncated output
// looks like. Outside those rules it is lenient the way Python's csv module
// is: a quote inside an unquoted field, or text after a closing quote, is kept
// literally. Empty lines produce no record.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

inline constexpr size_t kMaxCsvInputBytes = size_t{64} << 20;  // 64 MiB

using CsvRecord = std::vector<std::string>;

// Splits `input` into records of fields. Fields are raw bytes; no encoding is
// assumed or checked. Returns ResourceExhausted above `max_bytes`, DataLoss on
// an unterminated quoted field.
StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view input,
                                          size_t max_bytes = kMaxCsvInputBytes);

}  // namespace scanfleet
