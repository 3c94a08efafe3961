// Which findings of a base scan an incremental scan carries forward.
//
// An incremental job scans only the files changed since the base commit; the
// findings of every other file are the base scan's findings of the same
// scanner. A file renamed without modification (similarity 100) keeps its
// findings under its new path, with fingerprints recomputed for that path by
// the same function as a fresh scan (AssignFingerprints), so the result equals
// a full scan's. Deleted, changed and renamed-and-modified files carry nothing
// (the last two were rescanned). A sharded job carries only findings whose
// (new) path falls in its shard, so the shards' union carries each once.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "common/finding/finding.h"
#include "common/incremental/name_status.h"

namespace scanfleet {

// `base`: the base scan's findings of this scanner, in stored order (job,
// then the tool's order). Returns those to store again, in the same order.
std::vector<Finding> CarryForward(const std::vector<Finding>& base, const CommitChanges& changes,
                                  uint32_t shard_index, uint32_t shard_count);

}  // namespace scanfleet
