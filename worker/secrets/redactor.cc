// Secret redaction; see redactor.h.
#include "worker/secrets/redactor.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace scanfleet {

namespace {

// A base64 stretch shorter than this (from a value inside a longer encoding)
// would match unrelated base64 too often to be worth replacing.
constexpr size_t kMinBase64CoreChars = 8;

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = (static_cast<uint8_t>(bytes[i]) << 16) |
                     (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kBase64Alphabet[(group >> shift) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) group |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kBase64Alphabet[(group >> 18) & 63];
    out += kBase64Alphabet[(group >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(group >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string UrlSafe(std::string base64) {
  std::replace(base64.begin(), base64.end(), '+', '-');
  std::replace(base64.begin(), base64.end(), '/', '_');
  while (!base64.empty() && base64.back() == '=') base64.pop_back();
  return base64;
}

// The base64 characters that depend only on `value` when it starts `offset`
// bytes (0-2) into a 3-byte group of a longer encoded string.
std::string Base64Core(std::string_view value, size_t offset) {
  std::string padded(offset, '\0');
  padded.append(value);
  std::string encoded = Base64(padded);
  size_t first_bit = 8 * offset;
  size_t end_bit = 8 * padded.size();
  size_t first = (first_bit + 5) / 6;  // first character whose bits all lie in the value
  size_t last = end_bit / 6;           // one past the last such character
  if (last <= first) return "";
  return encoded.substr(first, last - first);
}

std::string PercentEncode(std::string_view value, bool lower_hex, bool plus_for_space) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), lower_hex ? "%%%02x" : "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string JsonEscape(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

struct Hit {
  size_t start;
  size_t end;
  size_t pattern;
};

}  // namespace

Redactor::Redactor(const std::map<std::string, std::string>& secrets) {
  for (const auto& [name, value] : secrets) {
    if (value.size() < kMinRedactedBytes) continue;
    AddPattern(value, name);
    std::string base64 = Base64(value);
    AddPattern(base64, name);
    AddPattern(UrlSafe(base64), name);
    for (size_t offset = 0; offset < 3; ++offset) {
      std::string core = Base64Core(value, offset);
      if (core.size() < kMinBase64CoreChars) continue;
      AddPattern(core, name);
      AddPattern(UrlSafe(core), name);
    }
    AddPattern(PercentEncode(value, false, false), name);
    AddPattern(PercentEncode(value, true, false), name);
    AddPattern(PercentEncode(value, false, true), name);
    AddPattern(JsonEscape(value), name);
  }
  std::stable_sort(patterns_.begin(), patterns_.end(), [](const Pattern& a, const Pattern& b) {
    return a.text.size() > b.text.size();
  });
}

void Redactor::AddPattern(std::string text, const std::string& name) {
  if (text.size() < kMinRedactedBytes) return;
  for (const Pattern& existing : patterns_) {
    if (existing.text == text) return;  // the same bytes: the first secret names them
  }
  patterns_.push_back(Pattern{std::move(text), name});
}

std::string Redactor::Redact(std::string_view text) const {
  std::vector<Hit> hits;
  for (size_t index = 0; index < patterns_.size(); ++index) {
    const std::string& pattern = patterns_[index].text;
    for (size_t at = text.find(pattern); at != std::string_view::npos;
         at = text.find(pattern, at + 1)) {
      hits.push_back(Hit{at, at + pattern.size(), index});
    }
  }
  if (hits.empty()) return std::string(text);
  // By start, and at one start the longest first: a later hit whose end is
  // not beyond the furthest end so far lies inside an earlier one.
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (size_t i = 0; i < hits.size();) {
    size_t start = hits[i].start;
    size_t end = hits[i].end;
    std::vector<const std::string*> names = {&patterns_[hits[i].pattern].name};
    for (++i; i < hits.size() && hits[i].start < end; ++i) {
      if (hits[i].end <= end) continue;  // contained in a longer hit
      end = hits[i].end;
      const std::string* name = &patterns_[hits[i].pattern].name;
      if (*name != *names.back()) names.push_back(name);
    }
    out.append(text.substr(copied, start - copied));
    for (const std::string* name : names) out += Marker(*name);
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

bool Redactor::RedactInPlace(std::string& text) const {
  if (patterns_.empty()) return false;
  std::string redacted = Redact(text);
  if (redacted == text) return false;
  text = std::move(redacted);
  return true;
}

}  // namespace scanfleet
