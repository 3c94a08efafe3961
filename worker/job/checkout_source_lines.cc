// CheckoutSourceLines; see checkout_source_lines.h.
#include "worker/job/checkout_source_lines.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>
#include <vector>

namespace scanfleet {

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
