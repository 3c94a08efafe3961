// SplitIntoBatches: a job whose file list is too long for one command line
// runs its scanner once per batch (job_runner.cc); the results accumulate.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace scanfleet {

// Linux caps a command line at ~2 MiB (ARG_MAX with an 8 MiB stack): file
// lists are split so each batch's "./path" words take at most this much.
inline constexpr size_t kMaxFileArgBytes = 1 << 20;

// `files` in order, in consecutive batches of at most `max_bytes` of
// arguments each (a single longer path is a batch of its own); one empty
// batch for no file.
std::vector<std::vector<std::string>> SplitIntoBatches(const std::vector<std::string>& files,
                                                       size_t max_bytes = kMaxFileArgBytes);

}  // namespace scanfleet
