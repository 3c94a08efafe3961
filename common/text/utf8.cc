// UTF-8 helpers; see utf8.h.
#include "common/text/utf8.h"

namespace scanfleet {

size_t Utf8SequenceLength(std::string_view text, size_t at) {
  auto byte = [&](size_t k) -> unsigned {
    return at + k < text.size() ? static_cast<unsigned char>(text[at + k]) : 0u;
  };
  // The allowed range of the second byte depends on the lead (RFC 3629
  // table 3-7): it is what rules out overlong forms, surrogates and > U+10FFFF.
  auto follows = [&](size_t k, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(k) >= low && byte(k) <= high;
  };
  if (at >= text.size()) return 0;
  unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return follows(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    bool second = follows(1, lead == 0xE0 ? 0xA0 : 0x80, lead == 0xED ? 0x9F : 0xBF);
    return second && follows(2) ? 3 : 0;
  }
  if (lead < 0xF0 || lead > 0xF4) return 0;
  bool second = follows(1, lead == 0xF0 ? 0x90 : 0x80, lead == 0xF4 ? 0x8F : 0xBF);
  return second && follows(2) && follows(3) ? 4 : 0;
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    if (size_t length = Utf8SequenceLength(text, at); length > 0) {
      out.append(text.substr(at, length));
      at += length;
    } else {
      out.append(kUtf8Replacement);
      ++at;
    }
  }
  return out;
}

std::string_view TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = 0;
  while (end < max_bytes) {
    size_t unit = Utf8SequenceLength(text, end);
    if (unit == 0) unit = 1;
    if (end + unit > max_bytes) break;
    end += unit;
  }
  return text.substr(0, end);
}

}  // namespace scanfleet
