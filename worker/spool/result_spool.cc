// ResultSpool: one file per batch of unacknowledged results, written
// atomically and durably, deleted when its last result is forgotten; see
// result_spool.h for the contract.
// Thread-safety: not thread-safe; one thread (the worker's loop) uses it.
#include "worker/spool/result_spool.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <tuple>

#include "common/fs/atomic_write.h"
#include "common/wire/envelope.h"

namespace scanfleet {

namespace {

constexpr std::string_view kResultSuffix = ".result";
constexpr std::string_view kCorruptSuffix = ".corrupt";
constexpr const char* kLockName = "LOCK";

// What an interrupted PutBatch() leaves behind: WriteFileAtomically's temporary.
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

// A spool file's envelope: a batch of results only, of distinct attempts,
// the first of them the attempt its name says.
bool IsResultBatchOf(const v1::Envelope& envelope, std::pair<uint64_t, uint32_t> key) {
  if (!envelope.has_worker_batch()) return false;
  const v1::WorkerBatch& batch = envelope.worker_batch();
  if (batch.has_hello() || batch.has_heartbeat() || batch.accepted_size() > 0 ||
      batch.declined_size() > 0 || batch.results_size() == 0) {
    return false;
  }
  const v1::JobRef& first = batch.results(0).job();
  if (first.job_id() != key.first || first.attempt() != key.second) return false;
  std::set<std::pair<uint64_t, uint32_t>> attempts;
  for (const v1::JobResult& result : batch.results()) {
    if (!attempts.emplace(result.job().job_id(), result.job().attempt()).second) return false;
  }
  return true;
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

Status ResultSpool::PutBatch(const std::vector<v1::JobResult>& results) {
  if (results.empty()) return Status::Ok();
  std::set<AttemptKey> keys;
  for (const v1::JobResult& result : results) {
    if (!keys.emplace(result.job().job_id(), result.job().attempt()).second) {
      return Status::InvalidArgument("a spool batch names job " +
                                     std::to_string(result.job().job_id()) + " attempt " +
                                     std::to_string(result.job().attempt()) + " twice");
    }
  }
  const v1::JobRef& first = results.front().job();
  std::string name = FileName(first.job_id(), first.attempt());
  // Writing over a file is fine when this batch replaces all it still holds.
  if (auto live = live_results_.find(name); live != live_results_.end()) {
    size_t replaced = std::count_if(keys.begin(), keys.end(), [&](const AttemptKey& key) {
      auto held = file_of_.find(key);
      return held != file_of_.end() && held->second == name;
    });
    if (live->second > replaced) {
      return Status::FailedPrecondition("spool file " + dir_ + "/" + name +
                                        " holds other results still spooled");
    }
  }
  v1::Envelope envelope;
  for (const v1::JobResult& result : results)
    *envelope.mutable_worker_batch()->add_results() = result;
  std::string bytes = EncodeEnvelope(envelope, 0, "", 0);
  AtomicWriteOptions options;
  options.mode = 0600;
  RETURN_IF_ERROR(WriteFileAtomically(*fs_, dir_ + "/" + name, bytes, options));
  // Durable now: earlier copies of these attempts in other files are forgotten.
  for (const AttemptKey& key : keys) {
    auto held = file_of_.find(key);
    if (held == file_of_.end() || held->second == name) continue;
    std::string emptied = Forget(key);
    // A file left behind only means a duplicate re-send after a restart.
    if (!emptied.empty()) (void)fs_->Remove(dir_ + "/" + emptied);
  }
  for (const AttemptKey& key : keys) file_of_[key] = name;
  live_results_[name] = keys.size();
  return Status::Ok();
}

Status ResultSpool::Put(const v1::JobResult& result) { return PutBatch({result}); }

std::string ResultSpool::Forget(const AttemptKey& key) {
  auto held = file_of_.find(key);
  if (held == file_of_.end()) return "";
  std::string name = std::move(held->second);
  file_of_.erase(held);
  auto live = live_results_.find(name);
  if (live == live_results_.end() || --live->second > 0) return "";
  live_results_.erase(live);
  return name;
}

Status ResultSpool::Remove(uint64_t job_id, uint32_t attempt) {
  std::string emptied = Forget({job_id, attempt});
  if (emptied.empty()) return Status::Ok();
  Status removed = fs_->Remove(dir_ + "/" + emptied);
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
  file_of_.clear();
  live_results_.clear();
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
    if (!envelope.ok() || !IsResultBatchOf(*envelope, *key)) {
      RETURN_IF_ERROR(MoveAside(name));
      ++contents.corrupt_files;
      continue;
    }
    size_t live = 0;
    for (v1::JobResult& result : *envelope->mutable_worker_batch()->mutable_results()) {
      AttemptKey held{result.job().job_id(), result.job().attempt()};
      // In an earlier file too (a crash while one replaced the other): one copy is enough.
      if (!file_of_.emplace(held, name).second) continue;
      ++live;
      SpooledResult spooled;
      spooled.job_id = held.first;
      spooled.attempt = held.second;
      spooled.result.Swap(&result);
      contents.results.push_back(std::move(spooled));
    }
    if (live > 0) {
      live_results_[name] = live;
    } else if (Status removed = fs_->Remove(dir_ + "/" + name);
               !removed.ok() && removed.code() != StatusCode::kNotFound) {
      return removed.WithContext("cannot remove a spool file whose results are held elsewhere");
    }
  }
  std::sort(contents.results.begin(), contents.results.end(),
            [](const SpooledResult& a, const SpooledResult& b) {
              return std::tie(a.job_id, a.attempt) < std::tie(b.job_id, b.attempt);
            });
  return contents;
}

}  // namespace scanfleet
