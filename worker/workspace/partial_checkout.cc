// ListTreeFiles, CheckoutPaths; see partial_checkout.h.
#include "worker/workspace/partial_checkout.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string_view>

#include "worker/workspace/git_command.h"

namespace scanfleet {

namespace {

// `git ls-tree -r -z` of a very large monorepo stays well below this.
constexpr size_t kMaxListingBytes = 64 << 20;

// One record of `git ls-tree -r -z`: "<mode> <type> <object>\t<path>".
// Returns false for a record that is not a blob (a submodule's commit).
bool ParseTreeRecord(std::string_view record, TreeFile& file) {
  size_t tab = record.find('\t');
  if (tab == std::string_view::npos) return false;
  std::string_view mode = record.substr(0, record.find(' '));
  if (mode != "100644" && mode != "100755" && mode != "120000") return false;
  file.path = std::string(record.substr(tab + 1));
  file.regular = mode != "120000";
  return !file.path.empty();
}

}  // namespace

std::vector<TreeFile> ParseTreeListing(std::string_view listing) {
  std::vector<TreeFile> files;
  while (!listing.empty()) {
    size_t end = std::min(listing.find('\0'), listing.size());
    TreeFile file;
    if (ParseTreeRecord(listing.substr(0, end), file)) files.push_back(std::move(file));
    listing.remove_prefix(std::min(end + 1, listing.size()));
  }
  std::sort(files.begin(), files.end(),
            [](const TreeFile& a, const TreeFile& b) { return a.path < b.path; });
  return files;
}

StatusOr<std::vector<TreeFile>> ListTreeFiles(const std::string& clone_dir,
                                              const std::string& commit,
                                              const std::string& home_dir, int64_t timeout_ms,
                                              const CancelSignal* cancel) {
  ASSIGN_OR_RETURN(ProcessResult listed,
                   RunGitCommand({"-C", clone_dir, "ls-tree", "-r", "-z", "--full-tree",
                                  "--end-of-options", commit},
                                 home_dir, timeout_ms, cancel, {}, kMaxListingBytes));
  if (listed.exit_code != 0) {
    return Status::Unavailable("git ls-tree failed: " + listed.stderr_data);
  }
  return ParseTreeListing(listed.stdout_data);
}

Status CheckoutPaths(const std::string& clone_dir, const std::string& commit,
                     const std::vector<std::string>& paths, const std::string& home_dir,
                     int64_t timeout_ms, const CancelSignal* cancel) {
  if (paths.empty()) return Status::Ok();
  // Thousands of paths do not fit an argv: git reads them NUL-separated.
  const std::string list_path = home_dir + "/.checkout-paths";
  {
    std::ofstream list(list_path, std::ios::binary | std::ios::trunc);
    for (const std::string& path : paths) list << path << '\0';
    if (!list.flush()) return Status::Unavailable("cannot write " + list_path);
  }
  ASSIGN_OR_RETURN(
      ProcessResult checkout,
      RunGitCommand({"--literal-pathspecs", "-C", clone_dir, "checkout", "--quiet",
                     "--pathspec-from-file=" + list_path, "--pathspec-file-nul", commit},
                    home_dir, timeout_ms, cancel));
  std::remove(list_path.c_str());
  if (checkout.exit_code != 0) {
    return Status::Unavailable("git checkout of " + std::to_string(paths.size()) +
                               " files failed: " + checkout.stderr_data);
  }
  return Status::Ok();
}

}  // namespace scanfleet
