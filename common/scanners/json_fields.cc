// JSON field getters; see json_fields.h.
#include "common/scanners/json_fields.h"

#include <climits>
#include <cstdint>

#include "common/text/ascii.h"
#include "common/text/utf8.h"

namespace scanfleet {

Json ParseJson(std::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

const Json& Field(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const Json& Items(const Json& value) {
  static const Json kEmpty = Json::array();
  return value.is_array() ? value : kEmpty;
}

std::string_view RawText(const Json& value) {
  return value.is_string() ? std::string_view(value.get_ref<const std::string&>())
                           : std::string_view();
}

std::string Text(const Json& value) { return Bounded(RawText(value)); }

std::optional<std::string> OptionalText(const Json& value) {
  if (!value.is_string()) return std::nullopt;
  return Text(value);
}

std::string TextOrInteger(const Json& value) {
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  return Text(value);
}

std::optional<int> IntValue(const Json& value) {
  if (value.is_number_unsigned()) {
    uint64_t number = value.get<uint64_t>();
    return number <= static_cast<uint64_t>(INT_MAX) ? std::optional<int>(static_cast<int>(number))
                                                    : std::nullopt;
  }
  if (!value.is_number_integer()) return std::nullopt;
  int64_t number = value.get<int64_t>();
  return number >= INT_MIN && number <= INT_MAX ? std::optional<int>(static_cast<int>(number))
                                                : std::nullopt;
}

std::optional<int> NonNegativeInt(const Json& value) {
  std::optional<int> number = IntValue(value);
  return number && *number >= 0 ? number : std::nullopt;
}

int PositiveInt(const Json& value) {
  std::optional<int> number = IntValue(value);
  return number && *number > 0 ? *number : 0;
}

namespace {

// Appends the character at text[at], or U+FFFD when the bytes there are not
// well-formed UTF-8; returns how many bytes it consumed.
size_t AppendCharacter(std::string_view text, size_t at, std::string& out) {
  size_t length = Utf8SequenceLength(text, at);
  out.append(length > 0 ? text.substr(at, length) : kUtf8Replacement);
  return length > 0 ? length : 1;
}

}  // namespace

std::string SanitizeJsonText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto unit_at = [&](size_t at) {  // the UTF-16 unit of a "\\uXXXX" at text[at], or -1
    return at < text.size() && text.substr(at, 2) == "\\u" ? HexValue(text, at + 2, 4) : -1;
  };
  for (size_t at = 0; at < text.size();) {
    int unit = unit_at(at), next = unit_at(at + 6);
    if (unit >= 0xD800 && unit <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF) {
      out.append(text.substr(at, 12));  // a surrogate pair
      at += 12;
    } else if (unit >= 0xD800 && unit <= 0xDFFF) {
      out.append("\\ufffd");
      at += 6;
    } else if (text[at] == '\\' && at + 1 < text.size() &&
               static_cast<unsigned char>(text[at + 1]) < 0x80) {
      out.append(text.substr(at, 2));  // a whole escape, so the "u" of "\\\\u" starts none
      at += 2;
    } else {
      at += AppendCharacter(text, at, out);
    }
  }
  return out;
}

}  // namespace scanfleet
