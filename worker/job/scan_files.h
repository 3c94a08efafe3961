// Files of a checkout that a per-file scanner is given ({files}).
// Thread-safety: a pure function over the file system; reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"
#include "worker/workspace/partial_checkout.h"

namespace scanfleet {

// Regular files under `root` (not following symlinks, skipping .git) whose
// base name matches one of the glob `patterns`, as sorted '/'-separated paths
// relative to root. ResourceExhausted beyond `max_files` matches.
StatusOr<std::vector<std::string>> FindScanFiles(const std::string& root,
                                                 const std::vector<std::string>& patterns,
                                                 size_t max_files);

// Whether the base name of `path` matches one of the glob `patterns`.
bool MatchesScanPatterns(std::string_view path, const std::vector<std::string>& patterns);

// FindScanFiles' answer read from a commit's listing (ListTreeFiles, sorted)
// instead of a checkout: the regular files whose base name matches, in that
// sorted order; the same limit.
StatusOr<std::vector<std::string>> ScanFilesOfTree(const std::vector<TreeFile>& tree,
                                                   const std::vector<std::string>& patterns,
                                                   size_t max_files);

}  // namespace scanfleet
