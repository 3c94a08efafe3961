// ResultSpool: finished results kept on local disk until the controller
// acknowledges them, so a result survives a controller outage and a worker
// restart ("results survive the controller").
//
// One file per batch of results made durable together, named after the
// batch's first result, "<job_id>-<attempt>.result", and holding an encoded
// Envelope (protocol v2) whose WorkerBatch carries those JobResults.
// PutBatch() is atomic and durable: the bytes are written to a temporary
// file, fsynced, renamed over the final name and the directory is fsynced
// (one fsync and one directory fsync for the whole batch), so after a crash
// a file is either whole or absent. The worker's loop calls PutBatch() with
// every result that finished together before they are first sent, and
// Remove() on each ResultAck (or when a result is dropped); a file is deleted
// once every result in it is removed. At startup LoadAll() returns every
// result of every file, to be re-sent (a removal that did not reach the disk
// before a crash means one duplicate re-send, which the controller acks).
// Spool files are treated as untrusted: a file that does not decode as a v2
// envelope carrying only JobResults, the first of them the attempt its name
// says (a version 1 spool file does not), is moved aside to
// "<name>.corrupt" and counted, never a crash. One worker process owns a
// spool directory at a time (an flock on "<dir>/LOCK"); a second one is
// refused.
// Every disk access goes through the FileSystem given to Open() (common/fs;
// the worker passes DefaultFileSystem(), tests a fault-injecting fake). A
// failed PutBatch() (disk full, EIO on fsync, a crash part-way) leaves every
// result spooled before it intact and no partial file under a final name,
// and returns a Status naming the file and the cause.
// Thread-safety: not thread-safe; one thread (the worker's loop) uses it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs/file_system.h"
#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// One result found in the spool at startup.
struct SpooledResult {
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  v1::JobResult result;  // as it was first sent
};

// What LoadAll() found.
struct SpoolContents {
  std::vector<SpooledResult> results;  // every file's, ordered by job id, then attempt
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

  // Durably stores `results` (their attempts distinct) in one file named
  // after the first. A result of an attempt spooled already replaces the
  // earlier one. Nothing to store is OK. FailedPrecondition, writing
  // nothing, when the file's name is taken by a file that holds other
  // results still spooled (the first result's attempt was spooled before,
  // in a batch with others).
  Status PutBatch(const std::vector<v1::JobResult>& results);
  // PutBatch of one result.
  Status Put(const v1::JobResult& result);
  // Forgets the result of (job_id, attempt), deleting its file when no other
  // result in it is left; forgetting one that is not spooled is OK.
  Status Remove(uint64_t job_id, uint32_t attempt);
  // Every spooled result. Leftover temporary files of an interrupted write
  // are deleted (their results were never sent); unrelated files are
  // ignored. Also (re)builds which file holds which result.
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
  using AttemptKey = std::pair<uint64_t, uint32_t>;
  Status MoveAside(const std::string& name);
  // Forgets `key` as held by its file; the name of the file if that left it
  // holding nothing (for the caller to delete), else empty.
  std::string Forget(const AttemptKey& key);

  FileSystem* fs_;
  std::string dir_;
  int64_t max_frame_bytes_;
  std::unique_ptr<FileLock> lock_;
  size_t corrupt_files_ = 0;
  std::map<AttemptKey, std::string> file_of_;   // spooled attempt -> its file's name
  std::map<std::string, size_t> live_results_;  // file name -> attempts still spooled in it
};

}  // namespace scanfleet
