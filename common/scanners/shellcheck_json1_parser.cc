// shellcheck json1 adapter; see shellcheck_json1_parser.h.
#include "common/scanners/shellcheck_json1_parser.h"

#include <algorithm>
#include <optional>
#include <string>

#include "common/scanners/json_fields.h"
#include "common/text/utf8.h"

namespace scanfleet {
namespace {

// A title is the message's start.
constexpr size_t kMaxTitleBytes = 120;

std::optional<Severity> MapLevel(const Json& comment) {
  std::string_view text = RawText(Field(comment, "level"));
  if (text == "error") return Severity::kHigh;
  if (text == "warning") return Severity::kMedium;
  if (text == "info") return Severity::kLow;
  if (text == "style") return Severity::kInfo;
  return std::nullopt;
}

}  // namespace

StatusOr<ParseResult> ParseShellcheckJson1(std::string_view output, std::string_view tool_version) {
  const std::string text = ReplaceInvalidUtf8(output);
  Json doc = ParseJson(text);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::DataLoss("shellcheck output is not a JSON object (expected `-f json1`)");
  }
  const Json& comments = Field(doc, "comments");
  if (!comments.is_array()) {
    return Status::DataLoss("not a shellcheck json1 report (no \"comments\" list)");
  }
  ParseResult result;
  for (const Json& comment : comments) {
    if (!comment.is_object()) {
      ++result.skipped_records;
      continue;
    }
    std::string file = Text(Field(comment, "file"));
    std::optional<int> code = IntValue(Field(comment, "code"));
    std::optional<Severity> severity = MapLevel(comment);
    std::optional<int> line = IntValue(Field(comment, "line"));
    if (file.empty() || !code || *code < 0 || !severity || !line || *line < 1) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "shellcheck";
    f.tool_version = std::string(tool_version);
    f.rule_id = "SC" + std::to_string(*code);
    f.message = Text(Field(comment, "message"));
    f.title = Bounded(f.message, kMaxTitleBytes);
    f.severity = *severity;
    f.confidence = "high";
    f.path = CleanRelativePath(file);
    f.line = *line;
    f.column = std::max(0, IntValue(Field(comment, "column")).value_or(0));
    f.end_line = std::max(0, IntValue(Field(comment, "endLine")).value_or(0));
    result.findings.push_back(std::move(f));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
