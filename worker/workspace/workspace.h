// Workspace: a private per-job directory (mode 0700) that is removed, with
// everything in it, when the Workspace is destroyed. A root worker gives it
// to the unprivileged scanner user before the scanner runs.
// Thread-safety: each Workspace is owned by one job thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/status/status.h"

namespace scanfleet {

class Workspace {
 public:
  // Creates root_dir if missing, then a fresh directory "<label>-XXXXXX" in it.
  static StatusOr<Workspace> Create(const std::string& root_dir, const std::string& label);
  Workspace(Workspace&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  Workspace& operator=(Workspace&&) = delete;
  Workspace(const Workspace&) = delete;
  ~Workspace();

  const std::string& path() const { return path_; }
  // Hands the whole tree to uid/gid (lchown, symlinks not followed) so a
  // scanner running as that user can read the checkout and write its HOME,
  // TMPDIR and output directory; the worker (root) can still remove it.
  Status GiveTo(uint32_t uid, uint32_t gid) const;

 private:
  explicit Workspace(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace scanfleet
