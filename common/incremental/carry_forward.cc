// CarryForward; see carry_forward.h.
#include "common/incremental/carry_forward.h"

#include <map>
#include <set>
#include <string>

#include "common/incremental/shard.h"

namespace scanfleet {

std::vector<Finding> CarryForward(const std::vector<Finding>& base, const CommitChanges& changes,
                                  uint32_t shard_index, uint32_t shard_count) {
  std::set<std::string> changed(changes.changed.begin(), changes.changed.end());
  std::set<std::string> dropped(changes.changed.begin(), changes.changed.end());
  dropped.insert(changes.deleted.begin(), changes.deleted.end());
  std::map<std::string, std::string> moved;  // unmodified renames: old path -> new path
  for (const FileRename& rename : changes.renames) {
    dropped.insert(rename.to);  // whatever the base had there is not what is there now
    dropped.insert(rename.from);
    if (rename.similarity == 100 && !changed.count(rename.to)) moved[rename.from] = rename.to;
  }
  std::vector<Finding> carried;
  std::vector<size_t> renamed;  // indexes into carried
  for (const Finding& finding : base) {
    auto move = moved.find(finding.path);
    if (move == moved.end() && dropped.count(finding.path)) continue;
    Finding copy = finding;
    if (move != moved.end()) copy.path = move->second;
    if (!PathInShard(copy.path, shard_index, shard_count)) continue;
    if (move != moved.end()) renamed.push_back(carried.size());
    carried.push_back(std::move(copy));
  }
  // Fingerprints include the path: a moved file's findings get the ones a
  // fresh scan of the new path would (occurrences count per path, in order).
  std::vector<Finding> moved_findings;
  for (size_t i : renamed) moved_findings.push_back(carried[i]);
  AssignFingerprints(moved_findings);
  for (size_t k = 0; k < renamed.size(); ++k) carried[renamed[k]] = std::move(moved_findings[k]);
  return carried;
}

}  // namespace scanfleet
