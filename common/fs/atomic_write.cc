#include "common/fs/atomic_write.h"

#include <memory>

namespace scanfleet {

namespace {

// Writes, fsyncs and closes `temporary`; the file is closed on every path.
Status WriteDurably(FileSystem& fs, const std::string& temporary, std::string_view data,
                    uint32_t mode) {
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.NewWritableFile(temporary, mode));
  Status status = file->Append(data);
  if (status.ok()) status = file->Sync();
  Status closed = file->Close();
  return status.ok() ? closed : status;
}

}  // namespace

Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data,
                           const AtomicWriteOptions& options) {
  std::string temporary = path + std::string(kAtomicWriteSuffix);
  Status written = WriteDurably(fs, temporary, data, options.mode);
  if (written.ok()) written = fs.Rename(temporary, path);
  if (!written.ok()) {
    (void)fs.Remove(temporary);  // best effort: a leftover is replaced by the next write
    return written;
  }
  Status synced = fs.SyncDir(DirName(path));
  if (!synced.ok()) {
    return synced.WithContext(path + " was replaced but may not survive a crash");
  }
  return Status::Ok();
}

}  // namespace scanfleet
