// ResultSpool: finished results kept on local disk until the controller
// acknowledges them, so a result survives a controller outage and a worker
// restart ("results survive the controller").
//
// One file per attempt, "<job_id>-<attempt>.result", holding the exact encoded
// Envelope frame that is sent. Put() is atomic and durable: the frame is
// written to a temporary file, fsynced, renamed over the final name and the
// directory is fsynced, so after a crash a file is either whole or absent. The
// worker calls Put() before the result is first sent and Remove() on its
// ResultAck; at startup LoadAll() returns what is left, to be re-sent.
// Spool files are treated as untrusted: a file that does not decode as a
// JobResult envelope for the attempt its name says is moved aside to
// "<name>.corrupt" and counted, never a crash. One worker process owns a spool
// directory at a time (an flock on "<dir>/LOCK"); a second one is refused.
// Every disk access goes through the FileSystem given to Open() (common/fs;
// the worker passes DefaultFileSystem(), tests a fault-injecting fake). A
// failed Put() (disk full, EIO on fsync, a crash part-way) leaves every
// result spooled before it intact and no partial file under a final name,
// and returns a Status naming the file and the cause.
// Thread-safety: Open() and LoadAll() on one thread before anything else;
// afterwards Put() and Remove() may run concurrently from several threads as
// long as each call names a different attempt (they share no mutable state:
// every attempt has its own file; job threads Put their own results).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs/file_system.h"
#include "common/status/status.h"

namespace scanfleet {

// One result found in the spool at startup.
struct SpooledResult {
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  std::string sender;  // worker id the frame was sent as (acks are addressed to it)
  std::string frame;   // the encoded Envelope, byte for byte as first sent
};

// What LoadAll() found.
struct SpoolContents {
  std::vector<SpooledResult> results;  // ordered by job id, then attempt
  size_t corrupt_files = 0;            // moved aside to "<name>.corrupt" by this load
};

class ResultSpool {
 public:
  // Creates `dir` (mode 0700, parents as needed) if missing and locks it.
  // Errors: PermissionDenied/Internal when it cannot be created, written or
  // locked; FailedPrecondition when another process holds it. `fs` must
  // outlive the spool.
  static StatusOr<ResultSpool> Open(FileSystem& fs, std::string dir, int64_t max_frame_bytes);

  ResultSpool(ResultSpool&& other) noexcept = default;
  ResultSpool& operator=(ResultSpool&&) = delete;
  ResultSpool(const ResultSpool&) = delete;
  ResultSpool& operator=(const ResultSpool&) = delete;
  ~ResultSpool() = default;  // releases the lock

  // Durably stores `frame` as the result of (job_id, attempt), replacing any
  // earlier file for the same attempt.
  Status Put(uint64_t job_id, uint32_t attempt, std::string_view frame);
  // Forgets the result of (job_id, attempt); removing a missing file is OK.
  Status Remove(uint64_t job_id, uint32_t attempt);
  // Every spooled result. Leftover temporary files of an interrupted Put()
  // are deleted (their result was never sent); unrelated files are ignored.
  StatusOr<SpoolContents> LoadAll();

  const std::string& dir() const { return dir_; }
  // Corrupt files moved aside since Open().
  size_t corrupt_files() const { return corrupt_files_; }

  // "<job_id>-<attempt>.result".
  static std::string FileName(uint64_t job_id, uint32_t attempt);

 private:
  ResultSpool(FileSystem& fs, std::string dir, int64_t max_frame_bytes,
              std::unique_ptr<FileLock> lock)
      : fs_(&fs), dir_(std::move(dir)), max_frame_bytes_(max_frame_bytes), lock_(std::move(lock)) {}
  Status MoveAside(const std::string& name);

  FileSystem* fs_;
  std::string dir_;
  int64_t max_frame_bytes_;
  std::unique_ptr<FileLock> lock_;
  size_t corrupt_files_ = 0;
};

}  // namespace scanfleet
