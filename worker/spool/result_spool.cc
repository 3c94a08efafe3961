// ResultSpool: one file per unacknowledged result, written atomically and
// durably; see result_spool.h for the contract.
// Thread-safety: Open() and LoadAll() on one thread before anything else;
// afterwards Put() and Remove() may run concurrently from several threads as
// long as each call names a different attempt (they share no mutable state:
// every attempt has its own file; job threads Put their own results).
#include "worker/spool/result_spool.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <tuple>

#include "common/fs/atomic_write.h"
#include "common/wire/envelope.h"

namespace scanfleet {

namespace {

constexpr std::string_view kResultSuffix = ".result";
constexpr std::string_view kCorruptSuffix = ".corrupt";
constexpr const char* kLockName = "LOCK";

// What an interrupted Put() leaves behind: WriteFileAtomically's temporary.
bool IsInterruptedPut(std::string_view name) {
  return name.ends_with(kAtomicWriteSuffix) &&
         name.substr(0, name.size() - kAtomicWriteSuffix.size()).ends_with(kResultSuffix);
}

// Parses "<job_id>-<attempt>.result"; nullopt for any other name.
std::optional<std::pair<uint64_t, uint32_t>> ParseFileName(std::string_view name) {
  if (name.size() <= kResultSuffix.size() || !name.ends_with(kResultSuffix)) return std::nullopt;
  name.remove_suffix(kResultSuffix.size());
  size_t dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  const char* begin = name.data();
  auto [job_end, job_error] = std::from_chars(begin, begin + dash, job_id);
  auto [attempt_end, attempt_error] =
      std::from_chars(begin + dash + 1, begin + name.size(), attempt);
  if (job_error != std::errc() || job_end != begin + dash || attempt_error != std::errc() ||
      attempt_end != begin + name.size()) {
    return std::nullopt;
  }
  return std::make_pair(job_id, attempt);
}

}  // namespace

std::string ResultSpool::FileName(uint64_t job_id, uint32_t attempt) {
  return std::to_string(job_id) + "-" + std::to_string(attempt) + std::string(kResultSuffix);
}

StatusOr<ResultSpool> ResultSpool::Open(FileSystem& fs, std::string dir, int64_t max_frame_bytes) {
  if (dir.empty()) return Status::InvalidArgument("the spool directory is empty");
  std::string context = "spool directory " + dir;
  std::string parent = DirName(dir);
  RETURN_IF_ERROR(CreateDirs(fs, parent, 0777).WithContext(context));
  Status created = fs.CreateDir(dir, 0700);
  if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
    return created.WithContext(context);
  }
  ASSIGN_OR_RETURN(FileInfo info, fs.Stat(dir));
  if (info.type != FileType::kDirectory) {
    return Status::FailedPrecondition("the spool path " + dir + " is not a directory");
  }
  // A new directory must itself survive a crash, or so would none of its files.
  if (created.ok()) RETURN_IF_ERROR(fs.SyncDir(parent).WithContext(context));
  auto lock = fs.LockFile(dir + "/" + kLockName);
  if (!lock.ok()) {
    if (lock.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(
          "the spool directory " + dir +
          " is in use by another worker process; give each worker its own --work-dir or "
          "--spool-dir");
    }
    return lock.status().WithContext(context);
  }
  return ResultSpool(fs, std::move(dir), max_frame_bytes, std::move(lock).value());
}

Status ResultSpool::Put(uint64_t job_id, uint32_t attempt, std::string_view frame) {
  AtomicWriteOptions options;
  options.mode = 0600;
  return WriteFileAtomically(*fs_, dir_ + "/" + FileName(job_id, attempt), frame, options);
}

Status ResultSpool::Remove(uint64_t job_id, uint32_t attempt) {
  Status removed = fs_->Remove(dir_ + "/" + FileName(job_id, attempt));
  if (removed.code() == StatusCode::kNotFound) return Status::Ok();
  // Not fsyncing the directory here: a removal lost in a crash only means one
  // extra re-send, which the controller acknowledges as a duplicate.
  return removed;
}

Status ResultSpool::MoveAside(const std::string& name) {
  std::string path = dir_ + "/" + name;
  RETURN_IF_ERROR(fs_->Rename(path, path + std::string(kCorruptSuffix))
                      .WithContext("cannot move a corrupt spool file aside"));
  ++corrupt_files_;
  return fs_->SyncDir(dir_);
}

StatusOr<SpoolContents> ResultSpool::LoadAll() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDir(dir_));
  std::sort(names.begin(), names.end());

  SpoolContents contents;
  WireCounters counters;  // spool files are not wire traffic: counted apart
  for (const std::string& name : names) {
    if (IsInterruptedPut(name)) {
      Status removed = fs_->Remove(dir_ + "/" + name);
      if (!removed.ok() && removed.code() != StatusCode::kNotFound) {
        return removed.WithContext("cannot remove an interrupted spool write");
      }
      continue;
    }
    auto key = ParseFileName(name);
    if (!key) continue;  // LOCK, *.corrupt and anything else that is not ours
    ASSIGN_OR_RETURN(std::optional<std::string> frame,
                     fs_->ReadFile(dir_ + "/" + name, ReadLimits{max_frame_bytes_, false}));
    if (!frame) {
      // Not a regular file, or larger than any frame we send.
      RETURN_IF_ERROR(MoveAside(name));
      ++contents.corrupt_files;
      continue;
    }
    auto envelope = DecodeEnvelope(*frame, max_frame_bytes_, counters);
    bool matches = envelope.ok() && envelope->has_result() &&
                   envelope->result().job().job_id() == key->first &&
                   envelope->result().job().attempt() == key->second;
    if (!matches) {
      RETURN_IF_ERROR(MoveAside(name));
      ++contents.corrupt_files;
      continue;
    }
    SpooledResult result;
    result.job_id = key->first;
    result.attempt = key->second;
    result.sender = envelope->sender();
    result.frame = std::move(*frame);
    contents.results.push_back(std::move(result));
  }
  std::sort(contents.results.begin(), contents.results.end(),
            [](const SpooledResult& a, const SpooledResult& b) {
              return std::tie(a.job_id, a.attempt) < std::tie(b.job_id, b.attempt);
            });
  return contents;
}

}  // namespace scanfleet
