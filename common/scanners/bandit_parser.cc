// bandit JSON adapter; see bandit_parser.h. It reads the report through
// json_fields.h (non-throwing parse, every type checked before reading), so
// no exception escapes (nor is any thrown) on untrusted output.
#include "common/scanners/bandit_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "common/scanners/json_fields.h"
#include "common/text/ascii.h"

namespace scanfleet {
namespace {

constexpr std::string_view kBanditTool = "bandit";
// Same bound as the CSV reader: far above any real report, small enough that
// a runaway tool cannot make the worker allocate without limit.
constexpr size_t kMaxBanditOutputBytes = size_t{64} << 20;

std::optional<Severity> SeverityFromBandit(const std::string& level) {
  const std::string lower = Lower(level);
  if (lower == "undefined") return Severity::kInfo;
  if (lower == "low") return Severity::kLow;
  if (lower == "medium") return Severity::kMedium;
  if (lower == "high") return Severity::kHigh;
  return std::nullopt;
}

// Bandit prints the hit with neighbouring lines as "NN text\n" rows. Only the
// rows inside [first, last] are kept: the neighbours are context, and keeping
// them would change the fingerprint whenever an adjacent line is edited. When
// no row falls in the range the whole block is kept rather than nothing.
std::string SnippetFromCode(std::string_view code, int first, int last) {
  std::string kept;
  std::string all;
  bool keeping = false;
  bool any_kept = false;
  bool first_row = true;
  size_t pos = 0;
  while (pos < code.size()) {
    size_t end = code.find('\n', pos);
    if (end == std::string_view::npos) end = code.size();
    std::string_view row = code.substr(pos, end - pos);
    pos = end + 1;
    size_t digits = 0;
    while (digits < row.size() && std::isdigit(static_cast<unsigned char>(row[digits]))) ++digits;
    std::string_view text = row;
    int number = 0;
    if (digits > 0 && digits < row.size() && row[digits] == ' ' &&
        std::from_chars(row.data(), row.data() + digits, number).ec == std::errc()) {
      keeping = number >= first && number <= last;
      text = row.substr(digits + 1);
    }
    // A row without a number continues the previous one and shares its fate.
    if (!first_row) all.push_back('\n');
    first_row = false;
    all.append(text);
    if (keeping) {
      if (any_kept) kept.push_back('\n');
      kept.append(text);
      any_kept = true;
    }
  }
  return any_kept ? kept : all;
}

// The optional fields of an entry: absent is fine, present with the wrong
// type makes the entry malformed (false).
bool ReadOptionalFields(const Json& entry, Finding& f) {
  if (entry.contains("col_offset")) {
    // col_offset is 0-based (Python's ast); Finding::column is 1-based.
    std::optional<int> col = NonNegativeInt(Field(entry, "col_offset"));
    if (!col || *col == std::numeric_limits<int>::max()) return false;
    f.column = *col + 1;
  }
  int first = f.line;
  int last = f.line;
  if (entry.contains("line_range")) {
    const Json& range = Field(entry, "line_range");
    if (!range.is_array()) return false;
    for (const Json& n : range) {
      std::optional<int> number = NonNegativeInt(n);
      if (!number) return false;
      first = std::min(first, *number);
      last = std::max(last, *number);
    }
    // line_range lists the lines the flagged node spans, so its last element
    // is where the hit ends (line_number itself may sit mid-range).
    if (!range.empty()) f.end_line = *NonNegativeInt(range.back());
  }
  if (entry.contains("issue_cwe")) {
    const Json& cwe = Field(entry, "issue_cwe");
    if (!cwe.is_object()) return false;
    if (std::optional<int> id = NonNegativeInt(Field(cwe, "id")); id && *id > 0) {
      f.cwes.push_back(*id);
    }
  }
  if (entry.contains("code")) {
    const Json& code = Field(entry, "code");
    if (!code.is_string()) return false;
    f.snippet = SnippetFromCode(RawText(code), first, last);  // whole: the fingerprint's input
  }
  return true;
}

// Converts one "results" entry; nullopt means the entry is malformed.
std::optional<Finding> ResultToFinding(const Json& entry, std::string_view tool_version) {
  if (!entry.is_object()) return std::nullopt;
  std::optional<std::string> test_id = OptionalText(Field(entry, "test_id"));
  std::optional<std::string> test_name = OptionalText(Field(entry, "test_name"));
  std::optional<std::string> issue_text = OptionalText(Field(entry, "issue_text"));
  std::optional<std::string> severity_name = OptionalText(Field(entry, "issue_severity"));
  std::optional<std::string> confidence = OptionalText(Field(entry, "issue_confidence"));
  std::optional<std::string> filename = OptionalText(Field(entry, "filename"));
  std::optional<int> line = NonNegativeInt(Field(entry, "line_number"));
  if (!test_id || test_id->empty() || !test_name || !issue_text || !severity_name || !confidence ||
      !filename || filename->empty() || !line) {
    return std::nullopt;
  }
  std::optional<Severity> severity = SeverityFromBandit(*severity_name);
  if (!severity) return std::nullopt;
  Finding f;
  f.tool = std::string(kBanditTool);
  f.tool_version = std::string(tool_version);
  f.rule_id = std::move(*test_id);
  f.title = std::move(*test_name);
  f.message = std::move(*issue_text);
  f.severity = *severity;
  f.confidence = Lower(*confidence);
  if (f.confidence == "undefined") f.confidence.clear();
  f.path = CleanRelativePath(*filename);
  f.line = *line;
  if (!ReadOptionalFields(entry, f)) return std::nullopt;
  return f;
}

}  // namespace

StatusOr<ParseResult> ParseBanditJson(std::string_view output, std::string_view tool_version) {
  if (output.size() > kMaxBanditOutputBytes) {
    return Status::ResourceExhausted("bandit output of " + std::to_string(output.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(kMaxBanditOutputBytes));
  }
  // allow_exceptions=false: a syntax error yields a "discarded" value.
  const Json doc = ParseJson(output);
  if (doc.is_discarded()) {
    return Status::DataLoss("bandit output is not valid JSON (" + std::to_string(output.size()) +
                            " bytes; truncated or not produced with -f json?)");
  }
  if (!doc.is_object()) return Status::DataLoss("bandit output is JSON but not an object");
  const Json& results = Field(doc, "results");
  if (!results.is_array()) {
    return Status::DataLoss("bandit output has no \"results\" array");
  }

  ParseResult result;
  for (const Json& entry : results) {
    std::optional<Finding> finding = ResultToFinding(entry, tool_version);
    if (!finding) {
      ++result.skipped_records;
      continue;
    }
    result.findings.push_back(std::move(*finding));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
