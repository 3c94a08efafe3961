// CursorFile: the durable position of a SIEM bridge in the event stream: the
// highest seq that every sink has delivered (or that was filtered out).
//
// The file holds "<seq>\n". Save() is atomic and durable: it writes PATH.tmp,
// fsyncs it, renames it over PATH and fsyncs the directory, so after a crash
// the file holds either the old or the new value, never a torn one. A missing
// file means "start from the beginning" (seq 0); an unreadable or corrupt one
// is an error, never silently read as 0 (which would re-send everything).
// Thread-safety: one thread per path.
#pragma once

#include <cstdint>
#include <string>

#include "common/status/status.h"

namespace scanfleet::siem {

class CursorFile {
 public:
  explicit CursorFile(std::string path) : path_(std::move(path)) {}

  StatusOr<uint64_t> Load() const;
  Status Save(uint64_t seq) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace scanfleet::siem
