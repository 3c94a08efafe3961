#include "worker/workspace/workspace.h"

#include <stdlib.h>

#include <filesystem>

namespace scanfleet {

StatusOr<Workspace> Workspace::Create(const std::string& root_dir, const std::string& label) {
  std::error_code error;
  std::filesystem::create_directories(root_dir, error);
  if (error) return Status::Internal("cannot create " + root_dir + ": " + error.message());
  std::string pattern = root_dir + "/" + label + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status::Internal("cannot create a workspace under " + root_dir);
  }
  return Workspace(pattern);
}

Workspace::~Workspace() {
  if (path_.empty()) return;
  std::error_code error;  // remove_all does not follow symlinks out of the tree
  std::filesystem::remove_all(path_, error);
}

}  // namespace scanfleet
