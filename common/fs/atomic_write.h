// WriteFileAtomically: replaces a whole file so that a reader, and a machine
// restarted after a crash, sees either the old content or the new one, never
// a mix or a torn file. Used by every durable file scanfleet writes (the
// worker's result spool, the SIEM cursor, the controller's endpoints file,
// the CLI's reports); nothing else writes temp-fsync-rename by hand.
//
// Steps: write "<path>.tmp" in the same directory (all of it, through short
// writes), fsync it, close it, rename it over <path>, fsync the directory.
// On any error up to the rename, <path> is untouched and the temporary file
// is removed; the Status names the file and the cause ("cannot write
// /d/cursor.tmp: No space left on device"). A crash (process or machine) at
// any step leaves the old content, or the new one once the rename is durable;
// at most a stale "<path>.tmp" remains, which the next write replaces.
// If only the final directory fsync fails, the new content is in place but
// may not survive a power loss: the error says so, and the caller must not
// treat the write as durable (e.g. not acknowledge what it protects).
// Thread-safety: as the FileSystem; two writers of the same path must not
// run at once (they share the temporary name).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/fs/file_system.h"

namespace scanfleet {

// Suffix of the temporary file beside the target.
inline constexpr std::string_view kAtomicWriteSuffix = ".tmp";

struct AtomicWriteOptions {
  uint32_t mode = 0666;  // permission bits of the file (before the umask)
};

Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data,
                           const AtomicWriteOptions& options = {});

}  // namespace scanfleet
