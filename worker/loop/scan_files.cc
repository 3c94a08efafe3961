// FindScanFiles; see scan_files.h.
#include "worker/loop/scan_files.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>

namespace scanfleet {

StatusOr<std::vector<std::string>> FindScanFiles(const std::string& root,
                                                 const std::vector<std::string>& patterns,
                                                 size_t max_files) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, error);
  if (error) return Status::Internal("cannot list " + root + ": " + error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) return Status::Internal("cannot list " + root + ": " + error.message());
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(error) || it->is_symlink(error)) continue;
    std::string name = it->path().filename().string();
    bool wanted = std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
      return fnmatch(p.c_str(), name.c_str(), 0) == 0;
    });
    if (!wanted) continue;
    if (files.size() >= max_files) {
      return Status::ResourceExhausted("more than " + std::to_string(max_files) + " files to scan");
    }
    files.push_back(fs::relative(it->path(), root, error).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace scanfleet
