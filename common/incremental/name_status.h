// The changes between two commits, parsed from
// `git diff --name-status -z -M <base> <commit>`.
//
// The text comes from git run on a hostile repository: every path is checked
// (relative, no "." or ".." component, no empty component, no control byte
// other than those git allows in a name, at most 4096 bytes) and a record that
// fails is an error for the whole diff, never a silently skipped file: an
// incremental scan that missed a change would carry stale findings forward.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

struct FileRename {
  std::string from;
  std::string to;
  uint32_t similarity = 0;  // git's score, 0..100; 100: content unchanged
  bool operator==(const FileRename&) const = default;
};

struct CommitChanges {
  std::vector<std::string> changed;  // added, modified or type-changed (to be scanned)
  std::vector<std::string> deleted;  // gone in the new commit
  std::vector<FileRename> renames;   // moved (a rename below 100 also needs a rescan)
};

// True for a path a diff may name: relative, '/'-separated, no empty, "." or
// ".." component, no NUL or newline, 1..4096 bytes.
bool IsSafeDiffPath(std::string_view path);

// Parses NUL-separated `--name-status -z` output: "<status>\0<path>\0" for
// A/M/D/T, "R<score>\0<from>\0<to>\0" for renames (and C<score> copies, whose
// target is reported as changed). InvalidArgument for anything else, including
// unmerged (U) entries, unknown statuses and unsafe paths.
StatusOr<CommitChanges> ParseNameStatus(std::string_view text);

}  // namespace scanfleet
