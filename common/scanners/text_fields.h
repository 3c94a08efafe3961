// The one bound on a text an adapter copies from a tool's report into a
// finding (a rule id, a title, a message, a URL, evidence), whatever the
// report's format: JSON (json_fields.h), XML or text lines.
// Thread-safety: pure functions; reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scanfleet {

// Far above a real tool's field, small enough that a hostile report cannot
// make one finding huge. An adapter that keeps less of a field (a title cut
// from a message) says so where it cuts it. Source snippets a tool prints
// beside the hit (bandit's code, flawfinder's context) are kept whole, as
// they always were: they are the fingerprint's input, and the whole report
// is bounded already (64 MiB).
inline constexpr size_t kMaxFieldBytes = 4096;

// At most `max_bytes` of `text`, cut between two UTF-8 characters, never
// inside one (TruncateUtf8, common/text/utf8.h).
std::string Bounded(std::string_view text, size_t max_bytes = kMaxFieldBytes);

}  // namespace scanfleet
