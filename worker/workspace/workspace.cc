#include "worker/workspace/workspace.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
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

Status Workspace::GiveTo(uint32_t uid, uint32_t gid) const {
  if (lchown(path_.c_str(), uid, gid) != 0) {
    return Status::Internal("cannot chown " + path_ + ": " + strerror(errno));
  }
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(path_, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (lchown(it->path().c_str(), uid, gid) != 0) {
      return Status::Internal("cannot chown " + it->path().string() + ": " + strerror(errno));
    }
  }
  if (error) return Status::Internal("cannot walk " + path_ + ": " + error.message());
  return Status::Ok();
}

Workspace::~Workspace() {
  if (path_.empty()) return;
  std::error_code error;  // remove_all does not follow symlinks out of the tree
  std::filesystem::remove_all(path_, error);
}

}  // namespace scanfleet
