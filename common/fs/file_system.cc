#include "common/fs/file_system.h"

namespace scanfleet {

Status WritableFile::Append(std::string_view data) {
  while (!data.empty()) {
    ASSIGN_OR_RETURN(size_t written, Write(data));
    // A Write that makes no progress would loop forever: a broken file system.
    if (written == 0 || written > data.size()) {
      return Status::Internal("cannot write " + path() + ": the write made no progress");
    }
    data.remove_prefix(written);
  }
  return Status::Ok();
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

Status CreateDirs(FileSystem& fs, const std::string& dir, uint32_t mode) {
  auto info = fs.Stat(dir);
  if (info.ok()) {
    if (info->type == FileType::kDirectory) return Status::Ok();
    return Status::FailedPrecondition("cannot create directory " + dir +
                                      ": something else is there");
  }
  if (info.status().code() != StatusCode::kNotFound) return info.status();
  std::string parent = DirName(dir);
  if (parent != dir) RETURN_IF_ERROR(CreateDirs(fs, parent, mode));
  Status created = fs.CreateDir(dir, mode);
  if (created.code() == StatusCode::kAlreadyExists) return Status::Ok();  // a concurrent mkdir
  RETURN_IF_ERROR(created);
  return fs.SyncDir(parent);  // the new entry survives a crash
}

}  // namespace scanfleet
