// libFuzzer target: the text helpers every adapter reads tool output with
// (common/text, common/scanners/json_fields.h), on arbitrary bytes. The first
// two bytes pick a bound, the rest is the text. Aborts unless:
//  - TruncateUtf8 returns a prefix of at most the bound that ends between two
//    units (a well-formed character, or one byte that starts none) and is the
//    longest such prefix; well-formed text stays well-formed;
//  - ReplaceInvalidUtf8 returns well-formed text, is idempotent, and leaves
//    well-formed text unchanged;
//  - Lower/Upper keep the length and change only ASCII letters;
//  - SanitizeJsonText returns well-formed text, and every string a parsed
//    document yields through Text is well-formed and within kMaxFieldBytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/scanners/json_fields.h"
#include "common/scanners/text_fields.h"
#include "common/text/ascii.h"
#include "common/text/utf8.h"

namespace {

using scanfleet::Json;

void Check(bool ok) {
  if (!ok) std::abort();
}

size_t UnitAt(std::string_view text, size_t at) {
  size_t length = scanfleet::Utf8SequenceLength(text, at);
  return length == 0 ? 1 : length;
}

bool WellFormed(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    size_t length = scanfleet::Utf8SequenceLength(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

void CheckTruncation(std::string_view text, size_t max) {
  std::string_view cut = scanfleet::TruncateUtf8(text, max);
  Check(cut.size() <= max && text.substr(0, cut.size()) == cut);
  if (text.size() <= max) return Check(cut.size() == text.size());
  size_t at = 0;
  while (at < cut.size()) at += UnitAt(text, at);
  Check(at == cut.size());                           // between two units
  Check(cut.size() + UnitAt(text, at) > max);        // the next one does not fit
  if (WellFormed(text)) Check(WellFormed(cut));
  Check(scanfleet::Bounded(text, max) == cut);
}

void CheckCase(std::string_view text) {
  std::string lower = scanfleet::Lower(text), upper = scanfleet::Upper(text);
  Check(lower.size() == text.size() && upper.size() == text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    Check(lower[i] == (c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c));
    Check(upper[i] == (c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c));
  }
}

// Every string in `value` (to a bounded depth) read through Text.
void CheckStrings(const Json& value, int depth) {
  if (depth > 32) return;
  if (value.is_string()) {
    std::string text = scanfleet::Text(value);
    Check(text.size() <= scanfleet::kMaxFieldBytes && WellFormed(text));
  }
  if (value.is_array()) {
    for (const Json& item : value) CheckStrings(item, depth + 1);
  }
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) CheckStrings(item, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max = (size_t{data[0]} << 8 | data[1]) % 8192;
  std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  CheckTruncation(text, max);
  CheckTruncation(text, scanfleet::kMaxFieldBytes);
  std::string replaced = scanfleet::ReplaceInvalidUtf8(text);
  Check(WellFormed(replaced) && scanfleet::ReplaceInvalidUtf8(replaced) == replaced);
  if (WellFormed(text)) Check(replaced == text);
  CheckCase(text);
  std::string sanitized = scanfleet::SanitizeJsonText(text);
  Check(WellFormed(sanitized));
  Json doc = scanfleet::ParseJson(sanitized);
  if (!doc.is_discarded()) CheckStrings(doc, 0);
  return 0;
}
