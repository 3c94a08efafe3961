// Which files a per-file scanner's job scans: its shard of the matching files
// and, for an incremental job, only those changed since the base commit.
//
// Also what the job reports about the changes so the controller can carry the
// base scan's findings of every other file forward: changed, deleted and
// renamed paths that concern this scanner (their name matches its patterns).
// A rename whose new name the scanner does not read (or that is no longer a
// regular file) is reported as a deletion; a renamed-and-modified file (git
// similarity below 100) is also reported changed and rescanned.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/incremental/name_status.h"

namespace scanfleet {

struct FileSelection {
  std::vector<std::string> files;  // to scan, sorted
  // Incremental only: the changes, restricted to this scanner's patterns.
  std::vector<std::string> changed;
  std::vector<std::string> deleted;
  std::vector<FileRename> renames;
};

// `matching`: the checkout's files matching `patterns` (FindScanFiles).
// `changes`: the diff against the base commit, or nullopt for a full scan.
FileSelection SelectFiles(const std::vector<std::string>& matching,
                          const std::vector<std::string>& patterns,
                          const std::optional<CommitChanges>& changes, uint32_t shard_index,
                          uint32_t shard_count);

}  // namespace scanfleet
