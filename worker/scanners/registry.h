// The built-in scanner table: how the worker runs each supported tool and
// which adapter reads its output.
//
// Every argv is run with the repository checkout root as the working
// directory and ends in "." so that reported paths come out relative to the
// checkout. The worker treats an exit code outside ok_exit_codes as a failed
// run even if stdout happens to parse: flawfinder, for one, writes its fatal
// errors to stdout.
// Thread-safety: the table is built once (thread-safe static init) and is
// immutable afterwards; safe to read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

struct ScannerSpec {
  std::string name;                       // "flawfinder"; the key jobs refer to
  std::string pool;                       // worker pool that runs it, e.g. "sast"
  std::vector<std::string> argv;          // run with cwd = checkout root; ends in "."
  std::vector<std::string> version_argv;  // prints the tool version on stdout
  std::vector<int> ok_exit_codes;         // the tool ran (with or without findings)
  ParseFn parse;                          // stdout -> findings
  int64_t timeout_ms;                     // default wall-clock limit for one run
};

const std::vector<ScannerSpec>& BuiltinScanners();

// nullptr if no built-in scanner has that name.
const ScannerSpec* FindScanner(std::string_view name);

}  // namespace scanfleet
