// Scanners the worker answers itself, without a checkout or a process
// (ScannerSpec::Builtin). Today only "noop": a benchmarking and diagnostic
// scanner whose result is clean and carries spec.builtin_findings synthetic
// findings, so `make bench` measures scheduling, storage and event fan-out
// without a scanner's own cost.
#pragma once

#include <string>

#include "common/scanners/registry.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// The version string a builtin scanner advertises in its hello.
std::string BuiltinScannerVersion(const ScannerSpec& spec);

// The result of running builtin `spec` for `job`. Findings are deterministic:
// rule "noop-<i % 8>", path "noop/<job_id>.txt", line i + 1.
v1::JobResult RunBuiltinScanner(const v1::JobAssignment& job, const ScannerSpec& spec);

}  // namespace scanfleet
