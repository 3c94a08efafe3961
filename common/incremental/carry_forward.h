// Which findings of a base scan an incremental scan carries forward.
//
// An incremental job scans only the files changed since the base commit; the
// findings of every other file are the base scan's findings of the same
// scanner. A file renamed without modification (similarity 100) keeps its
// findings under its new path, with fingerprints recomputed for that path by
// the same function as a fresh scan (AssignFingerprints over the moved
// findings together, in carried order), so the result equals a full scan's.
// Deleted, changed and renamed-and-modified files carry nothing (the last two
// were rescanned). A sharded job carries only findings whose (new) path falls
// in its shard, so the shards' union carries each once.
// Thread-safety: pure functions; a CarryRules is immutable once built.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/finding/finding.h"
#include "common/incremental/name_status.h"

namespace scanfleet {

// The path-by-path part of CarryForward, for a caller that holds findings in
// another form (the controller's store resolves carried findings as protos).
// Such a caller keeps a base finding at `path` only when CarriedPath(path) is
// set, moves it there, and fingerprints the moved ones (CarriedPath(path) !=
// path) together, in carried order, with AssignFingerprints, as CarryForward
// does; then it carries exactly what CarryForward carries.
class CarryRules {
 public:
  CarryRules(const CommitChanges& changes, uint32_t shard_index, uint32_t shard_count);

  // Where a base finding at `path` is in the new commit when it is carried:
  // `path` itself, or the new path of a file renamed without modification;
  // nullptr when it is not carried. Valid as long as `path` and this object.
  const std::string* CarriedPath(const std::string& path) const;
  // The base paths whose findings CarriedPath may carry to one of `paths`
  // (each of them, and the old path of each file renamed to one of them).
  std::set<std::string> BasePathsOf(const std::set<std::string>& paths) const;

 private:
  std::set<std::string> dropped_;             // changed, deleted, renamed from or to
  std::map<std::string, std::string> moved_;  // unmodified renames: old path -> new path
  uint32_t shard_index_;
  uint32_t shard_count_;
};

// `base`: the base scan's findings of this scanner, in stored order (job,
// then the tool's order). Returns those to store again, in the same order.
std::vector<Finding> CarryForward(std::vector<Finding> base, const CommitChanges& changes,
                                  uint32_t shard_index, uint32_t shard_count);

}  // namespace scanfleet
