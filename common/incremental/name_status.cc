// ParseNameStatus; see name_status.h.
#include "common/incremental/name_status.h"

#include <cctype>

namespace scanfleet {

namespace {

constexpr size_t kMaxPathBytes = 4096;

// The next NUL-terminated field at `pos`, advancing past its NUL.
StatusOr<std::string_view> NextField(std::string_view text, size_t& pos) {
  size_t end = text.find('\0', pos);
  if (end == std::string_view::npos) {
    return Status::InvalidArgument("diff record is not NUL-terminated");
  }
  std::string_view field = text.substr(pos, end - pos);
  pos = end + 1;
  return field;
}

StatusOr<std::string> NextPath(std::string_view text, size_t& pos) {
  ASSIGN_OR_RETURN(std::string_view path, NextField(text, pos));
  if (!IsSafeDiffPath(path)) {
    return Status::InvalidArgument("diff names an unsafe path");
  }
  return std::string(path);
}

// The similarity score after R or C: 1-3 digits, at most 100.
StatusOr<uint32_t> Score(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return Status::InvalidArgument("bad rename score");
  uint32_t score = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return Status::InvalidArgument("bad rename score");
    }
    score = score * 10 + static_cast<uint32_t>(c - '0');
  }
  if (score > 100) return Status::InvalidArgument("bad rename score");
  return score;
}

}  // namespace

bool IsSafeDiffPath(std::string_view path) {
  if (path.empty() || path.size() > kMaxPathBytes || path.front() == '/') return false;
  for (char c : path) {
    if (c == '\0' || c == '\n') return false;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

StatusOr<CommitChanges> ParseNameStatus(std::string_view text) {
  CommitChanges changes;
  size_t pos = 0;
  while (pos < text.size()) {
    ASSIGN_OR_RETURN(std::string_view status, NextField(text, pos));
    if (status.empty()) return Status::InvalidArgument("empty diff status");
    switch (status.front()) {
      case 'A':
      case 'M':
      case 'T': {
        if (status.size() != 1) return Status::InvalidArgument("bad diff status");
        ASSIGN_OR_RETURN(std::string path, NextPath(text, pos));
        changes.changed.push_back(std::move(path));
        break;
      }
      case 'D': {
        if (status.size() != 1) return Status::InvalidArgument("bad diff status");
        ASSIGN_OR_RETURN(std::string path, NextPath(text, pos));
        changes.deleted.push_back(std::move(path));
        break;
      }
      case 'R':
      case 'C': {
        ASSIGN_OR_RETURN(uint32_t score, Score(status.substr(1)));
        ASSIGN_OR_RETURN(std::string from, NextPath(text, pos));
        ASSIGN_OR_RETURN(std::string to, NextPath(text, pos));
        if (status.front() == 'C') {
          changes.changed.push_back(std::move(to));  // a copy is a new file
        } else {
          changes.renames.push_back(FileRename{std::move(from), std::move(to), score});
        }
        break;
      }
      default:
        return Status::InvalidArgument("unsupported diff status (unmerged or unknown)");
    }
  }
  return changes;
}

}  // namespace scanfleet
