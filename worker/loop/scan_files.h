// Files of a checkout that a per-file scanner is given ({files}).
// Thread-safety: a pure function over the file system; reentrant.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

// Regular files under `root` (not following symlinks, skipping .git) whose
// base name matches one of the glob `patterns`, as sorted '/'-separated paths
// relative to root. ResourceExhausted beyond `max_files` matches.
StatusOr<std::vector<std::string>> FindScanFiles(const std::string& root,
                                                 const std::vector<std::string>& patterns,
                                                 size_t max_files);

}  // namespace scanfleet
