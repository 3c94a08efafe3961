// SplitIntoBatches; see file_batches.h.
#include "worker/job/file_batches.h"

namespace scanfleet {

std::vector<std::vector<std::string>> SplitIntoBatches(const std::vector<std::string>& files,
                                                       size_t max_bytes) {
  std::vector<std::vector<std::string>> batches(1);
  size_t bytes = 0;
  for (const std::string& file : files) {
    // "./" + path + NUL, and the argv pointer.
    size_t cost = file.size() + 3 + sizeof(char*);
    if (!batches.back().empty() && bytes + cost > max_bytes) {
      batches.emplace_back();
      bytes = 0;
    }
    batches.back().push_back(file);
    bytes += cost;
  }
  return batches;
}

}  // namespace scanfleet
