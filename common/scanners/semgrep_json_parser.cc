// semgrep JSON adapter; see semgrep_json_parser.h for the mapping.
// Thread-safety: pure and reentrant.
#include "common/scanners/semgrep_json_parser.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/scanners/sarif_parser.h"

namespace scanfleet {
namespace {

using Json = nlohmann::json;
constexpr size_t kMaxTextBytes = 4096;
constexpr size_t kMaxCwes = 16;
constexpr std::string_view kHiddenLines = "requires login";

const Json& Field(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// A string field's value, at most kMaxTextBytes, cut at a character boundary.
std::string Text(const Json& value) {
  if (!value.is_string()) return "";
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() <= kMaxTextBytes) return text;
  size_t end = kMaxTextBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

int PositiveInt(const Json& value) {
  int64_t number = value.is_number_integer() ? value.get<int64_t>() : 0;
  return number > 0 && number < (int64_t{1} << 31) ? static_cast<int>(number) : 0;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Severity MapSeverity(const std::string& level) {
  if (level == "CRITICAL") return Severity::kCritical;
  if (level == "ERROR" || level == "HIGH") return Severity::kHigh;
  if (level == "INFO" || level == "LOW") return Severity::kLow;
  if (level == "INVENTORY" || level == "EXPERIMENT") return Severity::kInfo;
  return Severity::kMedium;  // WARNING, MEDIUM, and anything unknown
}

// "CWE-89: Improper Neutralization..." -> 89.
void AddCwe(const std::string& text, std::vector<int>& cwes) {
  std::string upper = Upper(text);
  size_t at = upper.find("CWE-");
  if (at == std::string::npos || cwes.size() >= kMaxCwes) return;
  size_t start = at + 4, end = start;
  while (end < upper.size() && std::isdigit(static_cast<unsigned char>(upper[end]))) ++end;
  if (end == start || end - start > 6) return;
  int cwe = std::stoi(upper.substr(start, end - start));
  if (cwe > 0 && std::find(cwes.begin(), cwes.end(), cwe) == cwes.end()) cwes.push_back(cwe);
}

// Appends the finding of one result, or counts it as skipped.
void AddResult(const Json& result, const std::string& version, ParseResult& out) {
  const Json& extra = Field(result, "extra");
  if (Field(extra, "is_ignored") == true) return;
  Finding f;
  f.rule_id = Text(Field(result, "check_id"));
  f.path = CleanRelativePath(Text(Field(result, "path")));
  f.line = PositiveInt(Field(Field(result, "start"), "line"));
  if (f.rule_id.empty() || f.line == 0 || !PathStaysInside(f.path)) {
    ++out.skipped_records;
    return;
  }
  f.tool = "semgrep";
  f.tool_version = version;
  f.title = f.rule_id.substr(f.rule_id.rfind('.') + 1);  // npos + 1 == 0: the whole id
  f.message = Text(Field(extra, "message"));
  f.severity = MapSeverity(Upper(Text(Field(extra, "severity"))));
  f.column = PositiveInt(Field(Field(result, "start"), "col"));
  f.end_line = PositiveInt(Field(Field(result, "end"), "line"));
  std::string lines = Text(Field(extra, "lines"));
  if (lines != kHiddenLines) f.snippet = lines;
  const Json& metadata = Field(extra, "metadata");
  const Json& cwe = Field(metadata, "cwe");
  if (cwe.is_string()) AddCwe(Text(cwe), f.cwes);
  if (cwe.is_array()) {
    for (const Json& item : cwe) AddCwe(Text(item), f.cwes);
  }
  std::string confidence = Upper(Text(Field(metadata, "confidence")));
  if (confidence == "HIGH" || confidence == "MEDIUM" || confidence == "LOW") {
    std::transform(confidence.begin(), confidence.end(), confidence.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    f.confidence = confidence;
  }
  out.findings.push_back(std::move(f));
}

}  // namespace

StatusOr<ParseResult> ParseSemgrepJson(std::string_view output, std::string_view tool_version) {
  const std::string text = SanitizeJsonText(output);
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !Field(doc, "results").is_array()) {
    return Status::DataLoss(
        "not a semgrep JSON report (expected an object with a \"results\" list)");
  }
  std::string version = Text(Field(doc, "version"));
  if (version.empty()) version = std::string(tool_version);
  ParseResult out;
  for (const Json& result : Field(doc, "results")) AddResult(result, version, out);
  AssignFingerprints(out.findings);
  return out;
}

}  // namespace scanfleet
