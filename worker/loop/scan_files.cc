// FindScanFiles; see scan_files.h.
#include "worker/loop/scan_files.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

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

namespace {

constexpr off_t kMaxSourceBytes = 8 << 20;

// The file's lines, or empty when it is not a regular file under root.
std::vector<std::string> ReadLines(const std::string& real_root, const std::string& root,
                                   const std::string& path) {
  char resolved[PATH_MAX];
  std::string full = root + "/" + path;
  if (realpath(full.c_str(), resolved) == nullptr) return {};
  std::string real(resolved);
  if (real.compare(0, real_root.size() + 1, real_root + "/") != 0) return {};
  struct stat info;
  if (stat(real.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > kMaxSourceBytes) {
    return {};
  }
  std::ifstream in(real, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

}  // namespace

SourceLineFn CheckoutSourceLines(const std::string& root) {
  char resolved[PATH_MAX];
  if (realpath(root.c_str(), resolved) == nullptr) {
    return [](const std::string&, int) { return std::optional<std::string>(); };
  }
  auto files = std::make_shared<std::map<std::string, std::vector<std::string>>>();
  return [files, root, real_root = std::string(resolved)](const std::string& path,
                                                          int line) -> std::optional<std::string> {
    auto it = files->find(path);
    if (it == files->end()) it = files->emplace(path, ReadLines(real_root, root, path)).first;
    if (line <= 0 || static_cast<size_t>(line) > it->second.size()) return std::nullopt;
    return it->second[line - 1];
  };
}

}  // namespace scanfleet
