// CarryForward; see carry_forward.h.
#include "common/incremental/carry_forward.h"

#include <utility>

#include "common/incremental/shard.h"

namespace scanfleet {

CarryRules::CarryRules(const CommitChanges& changes, uint32_t shard_index, uint32_t shard_count)
    : shard_index_(shard_index), shard_count_(shard_count) {
  std::set<std::string> changed(changes.changed.begin(), changes.changed.end());
  dropped_.insert(changes.changed.begin(), changes.changed.end());
  dropped_.insert(changes.deleted.begin(), changes.deleted.end());
  for (const FileRename& rename : changes.renames) {
    dropped_.insert(rename.to);  // whatever the base had there is not what is there now
    dropped_.insert(rename.from);
    if (rename.similarity == 100 && !changed.count(rename.to)) moved_[rename.from] = rename.to;
  }
}

const std::string* CarryRules::CarriedPath(const std::string& path) const {
  auto move = moved_.find(path);
  if (move == moved_.end() && dropped_.count(path)) return nullptr;
  const std::string& now = move == moved_.end() ? path : move->second;
  return PathInShard(now, shard_index_, shard_count_) ? &now : nullptr;
}

std::set<std::string> CarryRules::BasePathsOf(const std::set<std::string>& paths) const {
  std::set<std::string> base = paths;
  for (const auto& [from, to] : moved_) {
    if (paths.count(to)) base.insert(from);
  }
  return base;
}

std::vector<Finding> CarryForward(std::vector<Finding> base, const CommitChanges& changes,
                                  uint32_t shard_index, uint32_t shard_count) {
  CarryRules rules(changes, shard_index, shard_count);
  std::vector<Finding> carried;
  std::vector<size_t> renamed;  // indexes into carried
  for (Finding& finding : base) {
    const std::string* now = rules.CarriedPath(finding.path);
    if (now == nullptr) continue;
    if (*now != finding.path) {
      renamed.push_back(carried.size());
      std::string moved_to = *now;  // `now` points into `rules`, not into `finding`
      finding.path = std::move(moved_to);
    }
    carried.push_back(std::move(finding));
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
