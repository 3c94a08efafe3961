// FindScanFiles; see scan_files.h.
#include "worker/job/scan_files.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>

namespace scanfleet {

bool MatchesScanPatterns(std::string_view path, const std::vector<std::string>& patterns) {
  size_t slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
  });
}

namespace {

Status TooManyFiles(size_t max_files) {
  return Status::ResourceExhausted("more than " + std::to_string(max_files) + " files to scan");
}

}  // namespace

StatusOr<std::vector<std::string>> ScanFilesOfTree(const std::vector<TreeFile>& tree,
                                                   const std::vector<std::string>& patterns,
                                                   size_t max_files) {
  std::vector<std::string> files;
  for (const TreeFile& file : tree) {
    if (!file.regular || !MatchesScanPatterns(file.path, patterns)) continue;
    if (files.size() >= max_files) return TooManyFiles(max_files);
    files.push_back(file.path);
  }
  return files;  // in the listing's order: sorted
}

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
    if (!MatchesScanPatterns(it->path().filename().string(), patterns)) continue;
    if (files.size() >= max_files) return TooManyFiles(max_files);
    files.push_back(fs::relative(it->path(), root, error).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace scanfleet
