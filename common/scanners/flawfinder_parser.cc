#include "common/scanners/flawfinder_parser.h"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "common/scanners/csv_reader.h"
#include "common/scanners/text_fields.h"

namespace scanfleet {
namespace {

constexpr std::string_view kFlawfinderTool = "flawfinder";
constexpr size_t kNoColumn = static_cast<size_t>(-1);

// Where each column we read sits in this particular output.
struct Columns {
  size_t file = kNoColumn;
  size_t line = kNoColumn;
  size_t column = kNoColumn;
  size_t level = kNoColumn;
  size_t name = kNoColumn;
  size_t warning = kNoColumn;
  size_t suggestion = kNoColumn;
  size_t cwes = kNoColumn;
  size_t context = kNoColumn;
  size_t tool_version = kNoColumn;
  size_t rule_id = kNoColumn;
};

// Printable preview of untrusted bytes for error messages.
std::string Preview(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\r') break;
    out.push_back(std::isprint(c) ? static_cast<char>(c) : '?');
  }
  return out;
}

StatusOr<Columns> LocateColumns(const CsvRecord& header) {
  Columns cols;
  const std::array<std::pair<std::string_view, size_t*>, 11> names = {{
      {"File", &cols.file},
      {"Line", &cols.line},
      {"Column", &cols.column},
      {"Level", &cols.level},
      {"Name", &cols.name},
      {"Warning", &cols.warning},
      {"Suggestion", &cols.suggestion},
      {"CWEs", &cols.cwes},
      {"Context", &cols.context},
      {"ToolVersion", &cols.tool_version},
      {"RuleId", &cols.rule_id},
  }};
  for (size_t i = 0; i < header.size(); ++i) {
    for (const auto& [name, slot] : names) {
      if (header[i] == name && *slot == kNoColumn) *slot = i;
    }
  }
  std::string missing;
  const std::array<std::pair<std::string_view, size_t>, 6> required = {{
      {"File", cols.file},
      {"Line", cols.line},
      {"Level", cols.level},
      {"Name", cols.name},
      {"Warning", cols.warning},
      {"RuleId", cols.rule_id},
  }};
  for (const auto& [name, index] : required) {
    if (index != kNoColumn) continue;
    if (!missing.empty()) missing += ", ";
    missing += name;
  }
  if (!missing.empty()) {
    return Status::DataLoss(
        "flawfinder output lacks the CSV header (missing column(s): " + missing + ")");
  }
  return cols;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Flawfinder levels run 0..5; critical is reserved for its level 5 (gets and
// friends), and levels 1 and 2 both mean "worth a look".
std::optional<Severity> SeverityFromLevel(int level) {
  switch (level) {
    case 0:
      return Severity::kInfo;
    case 1:
    case 2:
      return Severity::kLow;
    case 3:
      return Severity::kMedium;
    case 4:
      return Severity::kHigh;
    case 5:
      return Severity::kCritical;
    default:
      return std::nullopt;
  }
}

// "CWE-120, CWE-20" and "CWE-119!/CWE-120" both list CWE ids as the integers in
// the text; the '!' and '/' notation only says how they relate.
std::vector<int> ExtractCwes(std::string_view text) {
  std::vector<int> cwes;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (std::optional<int> id = ParseInt(text.substr(i, j - i)); id && *id > 0) {
      bool seen = false;
      for (int c : cwes) seen = seen || c == *id;
      if (!seen) cwes.push_back(*id);
    }
    i = j;
  }
  return cwes;
}

const std::string& FieldOr(const CsvRecord& row, size_t index, const std::string& fallback) {
  return index == kNoColumn ? fallback : row[index];
}

// Converts one data row; nullopt means the row is malformed.
std::optional<Finding> RowToFinding(const CsvRecord& row, const Columns& cols,
                                    std::string_view tool_version) {
  static const std::string kEmpty;
  std::optional<int> line = ParseInt(row[cols.line]);
  std::optional<int> level = ParseInt(row[cols.level]);
  if (!line || *line < 0 || !level) return std::nullopt;
  std::optional<Severity> severity = SeverityFromLevel(*level);
  if (!severity) return std::nullopt;
  int column = 0;
  if (cols.column != kNoColumn && !row[cols.column].empty()) {
    std::optional<int> parsed = ParseInt(row[cols.column]);
    if (!parsed || *parsed < 0) return std::nullopt;
    column = *parsed;
  }
  if (row[cols.file].empty() || row[cols.rule_id].empty()) return std::nullopt;

  Finding f;
  f.tool = std::string(kFlawfinderTool);
  const std::string& reported_version = FieldOr(row, cols.tool_version, kEmpty);
  f.tool_version = reported_version.empty() ? std::string(tool_version) : Bounded(reported_version);
  f.rule_id = Bounded(row[cols.rule_id]);
  f.title = Bounded(row[cols.name]);
  f.message = row[cols.warning];
  if (const std::string& suggestion = FieldOr(row, cols.suggestion, kEmpty); !suggestion.empty()) {
    f.message += " " + suggestion;
  }
  f.message = Bounded(f.message);
  f.severity = *severity;
  f.cwes = ExtractCwes(FieldOr(row, cols.cwes, kEmpty));
  f.path = CleanRelativePath(row[cols.file]);
  f.line = *line;
  f.column = column;
  f.snippet = FieldOr(row, cols.context, kEmpty);  // whole: the fingerprint's input
  return f;
}

}  // namespace

StatusOr<ParseResult> ParseFlawfinderCsv(std::string_view output, std::string_view tool_version) {
  StatusOr<std::vector<CsvRecord>> records = ParseCsv(output);
  if (!records.ok()) return records.status().WithContext("flawfinder output");
  if (records->empty()) {
    return Status::DataLoss("flawfinder output is empty; expected at least the CSV header");
  }
  StatusOr<Columns> cols = LocateColumns(records->front());
  if (!cols.ok()) {
    return Status::DataLoss(cols.status().message() + "; output starts with \"" + Preview(output) +
                            "\"");
  }

  ParseResult result;
  const size_t width = records->front().size();
  for (size_t i = 1; i < records->size(); ++i) {
    const CsvRecord& row = (*records)[i];
    std::optional<Finding> finding;
    if (row.size() == width) finding = RowToFinding(row, *cols, tool_version);
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
