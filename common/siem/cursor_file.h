// CursorFile: the durable position of a SIEM bridge in the event stream: the
// highest seq that every sink has delivered (or that was filtered out).
//
// The file holds "<seq>\n". Save() is atomic and durable
// (WriteFileAtomically: PATH.tmp, fsync, rename over PATH, fsync of the
// directory), so after a crash the file holds either the old or the new
// value, never a torn one. A missing file means "start from the beginning"
// (seq 0); an unreadable or corrupt one is an error, never silently read as 0
// (which would re-send everything). A failed Save() (disk full, EIO, ...) is
// Unavailable, names the file and the cause, and leaves the old value: the
// bridge retries the chunk, so events are delivered again, never skipped.
// Every disk access goes through the FileSystem given to the constructor
// (DefaultFileSystem() in the bridge, a fault-injecting fake in tests).
// Thread-safety: one thread per path.
#pragma once

#include <cstdint>
#include <string>

#include "common/fs/file_system.h"
#include "common/status/status.h"

namespace scanfleet::siem {

class CursorFile {
 public:
  // `fs` must outlive the cursor.
  CursorFile(FileSystem& fs, std::string path) : fs_(&fs), path_(std::move(path)) {}

  StatusOr<uint64_t> Load() const;
  Status Save(uint64_t seq) const;
  const std::string& path() const { return path_; }

 private:
  FileSystem* fs_;
  std::string path_;
};

}  // namespace scanfleet::siem
