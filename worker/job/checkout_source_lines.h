// CheckoutSourceLines: the source lines of a job's checkout, for
// ProcessReport to fill the snippets of tools that print no source text
// (cppcheck, shellcheck), so the fingerprint rests on the code, not on the
// order of hits. Nothing a scanner prints makes the worker read outside the
// checkout.
// Thread-safety: the returned function is for one job's thread.
#pragma once

#include <string>

#include "common/scanners/process_report.h"

namespace scanfleet {

// Line `line` of `path` under `root`. Only regular files whose real path
// stays under `root` are read, at most 8 MiB each, each at most once (the
// returned function keeps what it read); anything else has no lines.
SourceLineFn CheckoutSourceLines(const std::string& root);

}  // namespace scanfleet
