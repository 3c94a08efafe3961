// Workspace: a private per-job directory (mode 0700) that is removed, with
// everything in it, when the Workspace is destroyed.
// Thread-safety: each Workspace is owned by one job thread.
#pragma once

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

 private:
  explicit Workspace(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace scanfleet
