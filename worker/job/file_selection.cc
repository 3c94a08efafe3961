// SelectFiles; see file_selection.h.
#include "worker/job/file_selection.h"

#include <algorithm>
#include <set>

#include "common/incremental/shard.h"
#include "worker/job/scan_files.h"

namespace scanfleet {

FileSelection SelectFiles(const std::vector<std::string>& matching,
                          const std::vector<std::string>& patterns,
                          const std::optional<CommitChanges>& changes, uint32_t shard_index,
                          uint32_t shard_count) {
  FileSelection selection;
  std::set<std::string> wanted;  // incremental: files whose content is new
  if (changes) {
    std::set<std::string> present(matching.begin(), matching.end());
    for (const std::string& path : changes->changed) {
      if (!MatchesScanPatterns(path, patterns)) continue;
      selection.changed.push_back(path);
      wanted.insert(path);
    }
    for (const std::string& path : changes->deleted) {
      if (MatchesScanPatterns(path, patterns)) selection.deleted.push_back(path);
    }
    for (const FileRename& rename : changes->renames) {
      bool from_read = MatchesScanPatterns(rename.from, patterns);
      bool to_read = present.count(rename.to) > 0;
      if (!to_read) {
        if (from_read) selection.deleted.push_back(rename.from);
        if (MatchesScanPatterns(rename.to, patterns)) selection.changed.push_back(rename.to);
        continue;
      }
      if (!from_read || rename.similarity < 100) {
        selection.changed.push_back(rename.to);  // new to this scanner, or modified
        wanted.insert(rename.to);
      }
      if (from_read) selection.renames.push_back(rename);
    }
  }
  for (const std::string& path : matching) {
    if (changes && !wanted.count(path)) continue;
    if (PathInShard(path, shard_index, shard_count)) selection.files.push_back(path);
  }
  return selection;
}

}  // namespace scanfleet
