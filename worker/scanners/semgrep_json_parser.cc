// semgrep JSON adapter; see semgrep_json_parser.h.
#include "worker/scanners/semgrep_json_parser.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace scanfleet {
namespace {

using Json = nlohmann::json;
constexpr size_t kMaxText = 4096;

const Json& Get(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const Json& value) {
  if (!value.is_string()) return "";
  std::string text = value.get<std::string>();
  if (text.size() > kMaxText) text.resize(kMaxText);
  return text;
}

int Int(const Json& value) {
  return value.is_number_integer() && value.get<int64_t>() > 0 && value.get<int64_t>() < (1LL << 31)
             ? static_cast<int>(value.get<int64_t>())
             : 0;
}

std::optional<Severity> MapSeverity(std::string level) {
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (level == "CRITICAL") return Severity::kCritical;
  if (level == "ERROR" || level == "HIGH") return Severity::kHigh;
  if (level == "WARNING" || level == "MEDIUM") return Severity::kMedium;
  if (level == "INFO") return Severity::kLow;
  if (level == "LOW") return Severity::kLow;
  return std::nullopt;
}

void AddCwe(const std::string& text, std::vector<int>& cwes) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t at = lower.find("cwe-");
  if (at == std::string::npos) return;
  size_t start = at + 4, end = start;
  while (end < lower.size() && std::isdigit(static_cast<unsigned char>(lower[end]))) ++end;
  if (end == start || end - start > 6) return;
  int cwe = std::stoi(lower.substr(start, end - start));
  if (std::find(cwes.begin(), cwes.end(), cwe) == cwes.end()) cwes.push_back(cwe);
}

}  // namespace

StatusOr<ParseResult> ParseSemgrepJson(std::string_view output, std::string_view tool_version) {
  Json doc = Json::parse(output.begin(), output.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !Get(doc, "results").is_array()) {
    return Status::DataLoss("not a semgrep JSON report (no \"results\" list)");
  }
  std::string version = Text(Get(doc, "version"));
  if (version.empty()) version = std::string(tool_version);
  ParseResult out;
  for (const Json& result : doc["results"]) {
    const Json& extra = Get(result, "extra");
    if (Get(extra, "is_ignored").is_boolean() && Get(extra, "is_ignored").get<bool>()) continue;
    Finding f;
    f.tool = "semgrep";
    f.tool_version = version;
    f.rule_id = Text(Get(result, "check_id"));
    f.path = CleanRelativePath(Text(Get(result, "path")));
    auto severity = MapSeverity(Text(Get(extra, "severity")));
    f.line = Int(Get(Get(result, "start"), "line"));
    if (f.rule_id.empty() || f.path.empty() || !PathStaysInside(f.path) || !severity ||
        f.line == 0) {
      ++out.skipped_records;
      continue;
    }
    f.severity = *severity;
    f.column = Int(Get(Get(result, "start"), "col"));
    f.end_line = Int(Get(Get(result, "end"), "line"));
    f.message = Text(Get(extra, "message"));
    f.title =
        f.rule_id.substr(f.rule_id.rfind('.') == std::string::npos ? 0 : f.rule_id.rfind('.') + 1);
    std::string lines = Text(Get(extra, "lines"));
    f.snippet = lines == "requires login" ? "" : lines;
    const Json& metadata = Get(extra, "metadata");
    const Json& cwe = Get(metadata, "cwe");
    if (cwe.is_string()) AddCwe(cwe.get<std::string>(), f.cwes);
    if (cwe.is_array()) {
      for (const Json& item : cwe) AddCwe(Text(item), f.cwes);
    }
    std::string confidence = Text(Get(metadata, "confidence"));
    std::transform(confidence.begin(), confidence.end(), confidence.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (confidence == "high" || confidence == "medium" || confidence == "low") {
      f.confidence = confidence;
    }
    out.findings.push_back(std::move(f));
  }
  AssignFingerprints(out.findings);
  return out;
}

}  // namespace scanfleet
