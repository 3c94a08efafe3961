#include "common/fs/testing/fake_file_system.h"

#include <errno.h>

#include <algorithm>
#include <set>

#include "common/fs/posix_file_system.h"

namespace scanfleet {

struct FakeFileSystem::Node {
  FileType type = FileType::kRegular;
  std::string data;    // what a reader sees now
  std::string synced;  // what survives a power loss
};

namespace {

// "/a//b/./c/" -> "/a/b/c"; a relative path is taken from "/".
std::string Normalize(const std::string& path) {
  std::string out;
  size_t at = 0;
  while (at <= path.size()) {
    size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + at, end - at);
    if (!part.empty() && part != ".") {
      out += '/';
      out += part;
    }
    at = end + 1;
  }
  return out.empty() ? "/" : out;
}

std::string ParentOf(const std::string& normalized) { return Normalize(DirName(normalized)); }

const char* Verb(FsOp op) {
  switch (op) {
    case FsOp::kCreate:
      return "create";
    case FsOp::kWrite:
      return "write";
    case FsOp::kSync:
      return "fsync";
    case FsOp::kClose:
      return "close";
    case FsOp::kRead:
      return "open";
    case FsOp::kStat:
      return "stat";
    case FsOp::kList:
      return "list directory";
    case FsOp::kCreateDir:
      return "create directory";
    case FsOp::kRename:
      return "rename";
    case FsOp::kRemove:
      return "remove";
    case FsOp::kSyncDir:
      return "fsync directory";
    case FsOp::kLock:
      return "create lock file";
  }
  return "use";
}

std::shared_ptr<FakeFileSystem::Node> NewNode(FileType type) {
  auto node = std::make_shared<FakeFileSystem::Node>();
  node->type = type;
  return node;
}

}  // namespace

class FakeFileSystem::File final : public WritableFile {
 public:
  File(FakeFileSystem& fs, std::shared_ptr<Node> node, std::string path, uint64_t generation)
      : fs_(fs), node_(std::move(node)), path_(std::move(path)), generation_(generation) {}
  StatusOr<size_t> Write(std::string_view data) override {
    return fs_.WriteTo(*node_, path_, generation_, data);
  }
  Status Sync() override { return fs_.SyncFile(*node_, path_, generation_); }
  Status Close() override {
    if (closed_) return Status::Internal("close " + path_ + ": already closed");
    closed_ = true;
    return fs_.CloseFile(path_, generation_);
  }
  const std::string& path() const override { return path_; }

 private:
  FakeFileSystem& fs_;
  std::shared_ptr<Node> node_;
  std::string path_;
  uint64_t generation_;
  bool closed_ = false;
};

class FakeFileSystem::Lock final : public FileLock {
 public:
  Lock(FakeFileSystem& fs, std::string path, uint64_t generation)
      : fs_(fs), path_(std::move(path)), generation_(generation) {}
  ~Lock() override { fs_.Unlock(path_, generation_); }

 private:
  FakeFileSystem& fs_;
  std::string path_;
  uint64_t generation_;
};

FakeFileSystem::FakeFileSystem() {
  entries_["/"] = NewNode(FileType::kDirectory);
  durable_ = entries_;
}

FakeFileSystem::~FakeFileSystem() = default;

void FakeFileSystem::FailCalls(FsOp op, int error, int skip, int times, std::string path_part) {
  std::lock_guard lock(mutex_);
  rules_.push_back(Rule{op, error, skip, times, std::move(path_part)});
}

void FakeFileSystem::LimitWriteSize(size_t bytes) {
  std::lock_guard lock(mutex_);
  max_write_ = bytes;
}

void FakeFileSystem::SetCapacity(int64_t bytes) {
  std::lock_guard lock(mutex_);
  capacity_ = bytes;
}

void FakeFileSystem::CrashBefore(FsOp op, int skip, std::string path_part) {
  std::lock_guard lock(mutex_);
  crash_rule_ = Rule{op, 0, skip, 1, std::move(path_part)};
}

bool FakeFileSystem::crashed() const {
  std::lock_guard lock(mutex_);
  return crashed_;
}

void FakeFileSystem::Restart(CrashKind kind) {
  std::lock_guard lock(mutex_);
  if (kind == CrashKind::kPowerLoss) {
    // A durable entry whose directory itself was never made durable is lost
    // with it (a parent sorts before its children).
    Entries survivors;
    for (auto& [path, node] : durable_) {
      if (path == "/" || survivors.count(ParentOf(path))) survivors.emplace(path, node);
    }
    entries_ = std::move(survivors);
  }
  if (kind != CrashKind::kProcess) {
    for (auto& [path, node] : entries_) node->data = node->synced;
    durable_ = entries_;
  }
  rules_.clear();
  crash_rule_.reset();
  crashed_ = false;
  locks_.clear();
  ++generation_;
}

std::optional<std::string> FakeFileSystem::FileContents(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(Normalize(path));
  if (it == entries_.end() || it->second->type != FileType::kRegular) return std::nullopt;
  return it->second->data;
}

std::vector<std::string> FakeFileSystem::Names(const std::string& dir) const {
  std::lock_guard lock(mutex_);
  std::string parent = Normalize(dir);
  std::vector<std::string> names;
  for (const auto& [path, node] : entries_) {
    if (path != "/" && ParentOf(path) == parent) names.push_back(path.substr(path.rfind('/') + 1));
  }
  return names;  // map order: sorted
}

void FakeFileSystem::PutFile(const std::string& path, const std::string& data) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(path);
  for (std::string dir = ParentOf(normalized); !entries_.count(dir); dir = ParentOf(dir)) {
    entries_[dir] = durable_[dir] = NewNode(FileType::kDirectory);
  }
  auto node = NewNode(FileType::kRegular);
  node->data = node->synced = data;
  entries_[normalized] = durable_[normalized] = node;
}

int FakeFileSystem::calls(FsOp op) const {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

bool FakeFileSystem::Matches(const Rule& rule, FsOp op, const std::string& path,
                             const std::string& other) {
  return rule.op == op &&
         (rule.path_part.empty() || path.find(rule.path_part) != std::string::npos ||
          (!other.empty() && other.find(rule.path_part) != std::string::npos));
}

Status FakeFileSystem::Enter(FsOp op, const std::string& path, const std::string& other) {
  if (crashed_) return Status::Unavailable("simulated crash: the process is dead");
  ++calls_[op];
  if (crash_rule_ && Matches(*crash_rule_, op, path, other)) {
    if (crash_rule_->skip > 0) {
      --crash_rule_->skip;
    } else {
      crashed_ = true;
      return Status::Unavailable(std::string("simulated crash before ") + Verb(op) + " " + path);
    }
  }
  for (Rule& rule : rules_) {
    if (rule.times == 0 || !Matches(rule, op, path, other)) continue;
    if (rule.skip > 0) {
      --rule.skip;
      continue;
    }
    if (rule.times > 0) --rule.times;
    return ErrnoStatus(Verb(op), other.empty() ? path : path + " to " + other, rule.error);
  }
  return Status::Ok();
}

Status FakeFileSystem::ExpectDirectory(const char* verb, const std::string& path) const {
  auto it = entries_.find(path);
  if (it == entries_.end()) return ErrnoStatus(verb, path, ENOENT);
  if (it->second->type != FileType::kDirectory) return ErrnoStatus(verb, path, ENOTDIR);
  return Status::Ok();
}

Status FakeFileSystem::CheckParent(FsOp op, const std::string& path) const {
  auto parent = entries_.find(ParentOf(path));
  if (parent == entries_.end()) return ErrnoStatus(Verb(op), path, ENOENT);
  if (parent->second->type != FileType::kDirectory) return ErrnoStatus(Verb(op), path, ENOTDIR);
  return Status::Ok();
}

int64_t FakeFileSystem::UsedBytes() const {
  std::set<const Node*> counted;
  int64_t used = 0;
  for (const auto& [path, node] : entries_) {
    if (counted.insert(node.get()).second) used += static_cast<int64_t>(node->data.size());
  }
  return used;
}

StatusOr<std::unique_ptr<WritableFile>> FakeFileSystem::NewWritableFile(const std::string& path,
                                                                        uint32_t) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(path);
  RETURN_IF_ERROR(Enter(FsOp::kCreate, normalized));
  RETURN_IF_ERROR(CheckParent(FsOp::kCreate, normalized));
  std::shared_ptr<Node>& node = entries_[normalized];
  if (node && node->type != FileType::kRegular) return ErrnoStatus("create", normalized, EISDIR);
  if (node) {
    node->data.clear();  // O_TRUNC; the synced content is gone only once synced
  } else {
    node = NewNode(FileType::kRegular);
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<File>(*this, node, normalized, generation_));
}

StatusOr<size_t> FakeFileSystem::WriteTo(Node& node, const std::string& path, uint64_t generation,
                                         std::string_view data) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(Enter(FsOp::kWrite, path));
  if (generation != generation_) return ErrnoStatus("write", path, EBADF);
  size_t length = data.size();
  if (max_write_ > 0) length = std::min(length, max_write_);
  if (capacity_ >= 0 && length > 0) {
    int64_t room = capacity_ - UsedBytes();
    if (room <= 0) return ErrnoStatus("write", path, ENOSPC);
    length = std::min(length, static_cast<size_t>(room));
  }
  node.data.append(data.substr(0, length));
  return length;
}

Status FakeFileSystem::SyncFile(Node& node, const std::string& path, uint64_t generation) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(Enter(FsOp::kSync, path));
  if (generation != generation_) return ErrnoStatus("fsync", path, EBADF);
  node.synced = node.data;
  return Status::Ok();
}

Status FakeFileSystem::CloseFile(const std::string& path, uint64_t generation) {
  std::lock_guard lock(mutex_);
  RETURN_IF_ERROR(Enter(FsOp::kClose, path));
  if (generation != generation_) return ErrnoStatus("close", path, EBADF);
  return Status::Ok();
}

StatusOr<std::optional<std::string>> FakeFileSystem::ReadFile(const std::string& path,
                                                              const ReadLimits& limits) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(path);
  RETURN_IF_ERROR(Enter(FsOp::kRead, normalized));
  RETURN_IF_ERROR(CheckParent(FsOp::kRead, normalized));
  auto it = entries_.find(normalized);
  if (it == entries_.end()) return ErrnoStatus("open", normalized, ENOENT);
  const Node& node = *it->second;
  if (node.type != FileType::kRegular ||
      static_cast<int64_t>(node.data.size()) > limits.max_bytes) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(node.data);
}

StatusOr<FileInfo> FakeFileSystem::Stat(const std::string& path) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(path);
  RETURN_IF_ERROR(Enter(FsOp::kStat, normalized));
  RETURN_IF_ERROR(CheckParent(FsOp::kStat, normalized));
  auto it = entries_.find(normalized);
  if (it == entries_.end()) return ErrnoStatus("stat", normalized, ENOENT);
  return FileInfo{it->second->type, static_cast<int64_t>(it->second->data.size())};
}

StatusOr<std::vector<std::string>> FakeFileSystem::ListDir(const std::string& dir) {
  std::string normalized = Normalize(dir);
  {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(Enter(FsOp::kList, normalized));
    RETURN_IF_ERROR(ExpectDirectory("list directory", normalized));
  }
  return Names(normalized);
}

Status FakeFileSystem::CreateDir(const std::string& dir, uint32_t) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(dir);
  RETURN_IF_ERROR(Enter(FsOp::kCreateDir, normalized));
  if (entries_.count(normalized)) return ErrnoStatus("create directory", normalized, EEXIST);
  RETURN_IF_ERROR(CheckParent(FsOp::kCreateDir, normalized));
  entries_[normalized] = NewNode(FileType::kDirectory);
  return Status::Ok();
}

Status FakeFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  std::string source = Normalize(from), target = Normalize(to);
  RETURN_IF_ERROR(Enter(FsOp::kRename, source, target));
  auto it = entries_.find(source);
  if (it == entries_.end()) return ErrnoStatus("rename", source + " to " + target, ENOENT);
  RETURN_IF_ERROR(CheckParent(FsOp::kRename, target));
  // Only files move here; the callers never rename a directory.
  if (it->second->type != FileType::kRegular) {
    return ErrnoStatus("rename", source + " to " + target, EINVAL);
  }
  auto existing = entries_.find(target);
  if (existing != entries_.end() && existing->second->type == FileType::kDirectory) {
    return ErrnoStatus("rename", source + " to " + target, EISDIR);
  }
  std::shared_ptr<Node> node = it->second;
  entries_.erase(it);
  entries_[target] = std::move(node);
  return Status::Ok();
}

Status FakeFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(path);
  RETURN_IF_ERROR(Enter(FsOp::kRemove, normalized));
  auto it = entries_.find(normalized);
  if (it == entries_.end()) return ErrnoStatus("remove", normalized, ENOENT);
  if (it->second->type == FileType::kDirectory) return ErrnoStatus("remove", normalized, EISDIR);
  entries_.erase(it);
  return Status::Ok();
}

Status FakeFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(dir);
  RETURN_IF_ERROR(Enter(FsOp::kSyncDir, normalized));
  RETURN_IF_ERROR(ExpectDirectory("open directory", normalized));
  auto in_dir = [&](const std::string& path) {
    return path != "/" && ParentOf(path) == normalized;
  };
  std::erase_if(durable_, [&](const auto& entry) { return in_dir(entry.first); });
  for (const auto& [path, node] : entries_) {
    if (in_dir(path)) durable_[path] = node;
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<FileLock>> FakeFileSystem::LockFile(const std::string& path) {
  std::lock_guard lock(mutex_);
  std::string normalized = Normalize(path);
  RETURN_IF_ERROR(Enter(FsOp::kLock, normalized));
  RETURN_IF_ERROR(CheckParent(FsOp::kLock, normalized));
  std::shared_ptr<Node>& node = entries_[normalized];
  if (!node) node = NewNode(FileType::kRegular);
  if (locks_.count(normalized)) {
    return Status::FailedPrecondition(normalized + " is locked by another process");
  }
  locks_[normalized] = generation_;
  return std::unique_ptr<FileLock>(std::make_unique<Lock>(*this, normalized, generation_));
}

void FakeFileSystem::Unlock(const std::string& path, uint64_t generation) {
  std::lock_guard lock(mutex_);
  auto it = locks_.find(path);
  if (it != locks_.end() && it->second == generation) locks_.erase(it);
}

}  // namespace scanfleet
