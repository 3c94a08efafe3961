// UTF-8 text that came from an untrusted tool: how long a well-formed
// character is, how to replace what is not one, and how to bound a text
// without cutting a character in half.
//
// "Well-formed" is RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
// nothing above U+10FFFF, no stray continuation byte, no sequence cut short.
// Every function is total over arbitrary bytes and deterministic: a byte that
// does not start a well-formed sequence is always one unit of its own.
// Thread-safety: pure functions; reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scanfleet {

// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";

// Length (1-4) of the well-formed UTF-8 sequence starting at text[at], or 0
// when the bytes there are not one (or at >= text.size()).
size_t Utf8SequenceLength(std::string_view text, size_t at);

// `text` with every byte that does not start a well-formed sequence replaced
// by U+FFFD (one replacement per such byte). Well-formed text is unchanged.
std::string ReplaceInvalidUtf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that ends between
// two units, a unit being a well-formed sequence or a single byte that starts
// none. So a well-formed character is kept whole or dropped whole, never
// split; invalid bytes are kept as they are (ReplaceInvalidUtf8 them if the
// result must be valid). `text` itself when it fits.
std::string_view TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace scanfleet
