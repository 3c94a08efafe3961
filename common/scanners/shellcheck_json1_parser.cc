// shellcheck json1 adapter; see shellcheck_json1_parser.h.
#include "common/scanners/shellcheck_json1_parser.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace scanfleet {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxTitleBytes = 120;
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence (RFC 3629) starting at text[at], or
// 0 when the bytes there are not one (stray continuation byte, overlong form,
// surrogate, beyond U+10FFFF, or cut short by the end of the text).
size_t Utf8SequenceLength(std::string_view text, size_t at) {
  auto byte = [&](size_t k) -> unsigned {
    return at + k < text.size() ? static_cast<unsigned char>(text[at + k]) : 0u;
  };
  auto continuation = [&](size_t k, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(k) >= low && byte(k) <= high;
  };
  unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    bool second_ok = continuation(1, lead == 0xE0 ? 0xA0 : 0x80, lead == 0xED ? 0x9F : 0xBF);
    return second_ok && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    bool second_ok = continuation(1, lead == 0xF0 ? 0x90 : 0x80, lead == 0xF4 ? 0x8F : 0xBF);
    return second_ok && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// `text` with every byte that does not start a well-formed UTF-8 sequence
// replaced by U+FFFD.
std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    if (size_t length = Utf8SequenceLength(text, at); length > 0) {
      out.append(text.substr(at, length));
      at += length;
    } else {
      out.append(kReplacementCharacter);
      ++at;
    }
  }
  return out;
}

// At most `max_bytes` of `text`, cut at a UTF-8 character boundary.
std::string Utf8Prefix(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::optional<Severity> MapLevel(const Json& comment) {
  auto level = comment.find("level");
  if (level == comment.end() || !level->is_string()) return std::nullopt;
  const std::string& text = level->get_ref<const std::string&>();
  if (text == "error") return Severity::kHigh;
  if (text == "warning") return Severity::kMedium;
  if (text == "info") return Severity::kLow;
  if (text == "style") return Severity::kInfo;
  return std::nullopt;
}

// The field as an int when it is a JSON integer that fits one, else nullopt.
std::optional<int> IntField(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) {
    uint64_t value = it->get<uint64_t>();
    return value <= static_cast<uint64_t>(INT_MAX) ? std::optional<int>(value) : std::nullopt;
  }
  int64_t value = it->get<int64_t>();
  return value >= INT_MIN && value <= INT_MAX ? std::optional<int>(value) : std::nullopt;
}

std::string StringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StatusOr<ParseResult> ParseShellcheckJson1(std::string_view output, std::string_view tool_version) {
  const std::string text = ReplaceInvalidUtf8(output);
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::DataLoss("shellcheck output is not a JSON object (expected `-f json1`)");
  }
  auto comments = doc.find("comments");
  if (comments == doc.end() || !comments->is_array()) {
    return Status::DataLoss("not a shellcheck json1 report (no \"comments\" list)");
  }
  ParseResult result;
  for (const Json& comment : *comments) {
    if (!comment.is_object()) {
      ++result.skipped_records;
      continue;
    }
    std::string file = StringField(comment, "file");
    std::optional<int> code = IntField(comment, "code");
    std::optional<Severity> severity = MapLevel(comment);
    std::optional<int> line = IntField(comment, "line");
    if (file.empty() || !code || *code < 0 || !severity || !line || *line < 1) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "shellcheck";
    f.tool_version = std::string(tool_version);
    f.rule_id = "SC" + std::to_string(*code);
    f.message = StringField(comment, "message");
    f.title = Utf8Prefix(f.message, kMaxTitleBytes);
    f.severity = *severity;
    f.confidence = "high";
    f.path = CleanRelativePath(file);
    f.line = *line;
    f.column = std::max(0, IntField(comment, "column").value_or(0));
    f.end_line = std::max(0, IntField(comment, "endLine").value_or(0));
    result.findings.push_back(std::move(f));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
