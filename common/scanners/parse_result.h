// What every scanner adapter returns: the normalized findings of one run plus
// how many of the tool's records could not be understood.
//
// An adapter is a pure function from the tool's stdout to a ParseResult, so it
// can be tested on recorded output and fuzzed without running the tool. A
// record the adapter cannot read is skipped and counted rather than failing the
// whole run: one odd row must not hide every other finding, but the count lets
// the worker report that the result is incomplete.
// Thread-safety: value type; ParseFn implementations are pure and reentrant.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/finding/finding.h"
#include "common/status/status.h"

namespace scanfleet {

struct ParseResult {
  std::vector<Finding> findings;  // in the tool's own order, fingerprints assigned
  uint32_t skipped_records = 0;   // malformed records that were dropped
};

// `output` is the tool's complete stdout; `tool_version` is what the worker read
// from the tool's version command and is used when the output carries none.
// Returns DataLoss when the output as a whole is not the expected format.
using ParseFn = StatusOr<ParseResult> (*)(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
