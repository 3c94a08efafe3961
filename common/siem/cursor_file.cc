#include "common/siem/cursor_file.h"

#include <charconv>

#include "common/fs/atomic_write.h"

namespace scanfleet::siem {

namespace {

// "<seq>\n" is at most 21 bytes; anything much larger is not a cursor.
constexpr int64_t kMaxCursorBytes = 64;

}  // namespace

StatusOr<uint64_t> CursorFile::Load() const {
  auto read = fs_->ReadFile(path_, ReadLimits{kMaxCursorBytes, /*follow_symlinks=*/true});
  if (!read.ok()) {
    if (read.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return Status::Unavailable("cursor: " + read.status().message());
  }
  if (!*read) return Status::DataLoss("cursor " + path_ + " is corrupt; fix or remove it");
  std::string_view text = **read;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  uint64_t seq = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::DataLoss("cursor " + path_ + " is corrupt; fix or remove it");
  }
  return seq;
}

Status CursorFile::Save(uint64_t seq) const {
  AtomicWriteOptions options;
  options.mode = 0640;
  Status saved = WriteFileAtomically(*fs_, path_, std::to_string(seq) + "\n", options);
  if (!saved.ok()) return Status::Unavailable("cursor: " + saved.message());
  return Status::Ok();
}

}  // namespace scanfleet::siem
