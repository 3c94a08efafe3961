// Checking out only some files of a commit: a job of a scanner that reads
// nothing but the files it is given (registry "checkout": "files") writes just
// those, not the whole tree. Creating files is most of a large checkout's cost,
// and a shard or an incremental job scans a fraction of them.
//
// Works on a clone made by CloneAndResolve (git_checkout.h). Paths are taken
// literally (no pathspec magic or globs), whatever bytes they hold.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "worker/exec/cancel_signal.h"

namespace scanfleet {

// A file of a commit's tree: a regular file (mode 100644/100755) or a symlink
// (120000). Submodules are not files of the commit and are left out.
struct TreeFile {
  std::string path;  // '/'-separated, relative to the repository root
  bool regular = true;
};

// The files in the output of `git ls-tree -r -z`, sorted by path. A record
// that is not a file (a submodule) or is malformed is skipped; the paths come
// from the scanned repository, so this never trusts them beyond the framing.
std::vector<TreeFile> ParseTreeListing(std::string_view listing);

// Every file of `commit`'s tree, sorted by path. Errors: DeadlineExceeded,
// ResourceExhausted for a listing beyond 64 MiB, Unavailable for other
// failures.
StatusOr<std::vector<TreeFile>> ListTreeFiles(const std::string& clone_dir,
                                              const std::string& commit,
                                              const std::string& home_dir, int64_t timeout_ms,
                                              const CancelSignal* cancel);

// Writes `paths` (files of `commit`, as ListTreeFiles names them) into the
// clone's working tree and nothing else. `home_dir` also holds the path list
// git reads. Errors: DeadlineExceeded, Unavailable (a path not in the commit,
// or another git failure).
Status CheckoutPaths(const std::string& clone_dir, const std::string& commit,
                     const std::vector<std::string>& paths, const std::string& home_dir,
                     int64_t timeout_ms, const CancelSignal* cancel);

}  // namespace scanfleet
