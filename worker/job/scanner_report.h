// The report a finished scanner run produced, taken from where its registry
// entry says (stdout, stderr or a file in the run's private output
// directory), bounded and redacted: nothing a scanner printed is parsed or
// kept before its secrets are replaced.
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <string>

#include "common/scanners/argv_template.h"
#include "common/scanners/registry.h"
#include "common/status/status.h"
#include "worker/exec/process_runner.h"
#include "worker/secrets/redactor.h"

namespace scanfleet {

// The report of `ran` (whose stdout and stderr are already redacted; they
// are moved out). ResourceExhausted when it exceeded `max_bytes`: a partial
// result must never look like a clean one. NotFound or DataLoss when the
// report file is missing, is not a regular file or cannot be read.
StatusOr<std::string> TakeReport(const ReportSource& source, const ArgvValues& values,
                                 ProcessResult& ran, size_t max_bytes, const Redactor& redactor);

// The file at `path`, read up to `max_bytes`. The scanner's user owns the
// directory: a link or a FIFO it left there is never followed or opened
// (DataLoss: not a regular file).
StatusOr<std::string> ReadReportFile(const std::string& path, size_t max_bytes);

}  // namespace scanfleet
