// SARIF 2.1.0 importer; see sarif_parser.h.
#include "worker/scanners/sarif_parser.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

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

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// "CWE-79", "cwe-079", "external/cwe/cwe-079" -> 79; 0 otherwise.
int CweFromTag(const std::string& tag) {
  std::string lower = Lower(tag);
  size_t at = lower.rfind("cwe-");
  if (at == std::string::npos) return 0;
  size_t start = at + 4, end = start;
  while (end < lower.size() && std::isdigit(static_cast<unsigned char>(lower[end]))) ++end;
  if (end == start || end - start > 6) return 0;
  return std::stoi(lower.substr(start, end - start));
}

void AddCwes(const Json& tags, std::vector<int>& cwes) {
  if (!tags.is_array()) return;
  for (const Json& tag : tags) {
    int cwe = CweFromTag(Text(tag));
    if (cwe > 0 && std::find(cwes.begin(), cwes.end(), cwe) == cwes.end()) cwes.push_back(cwe);
  }
}

std::optional<double> SecuritySeverity(const Json& properties) {
  const Json& value = Get(properties, "security-severity");
  try {
    if (value.is_number()) return value.get<double>();
    if (value.is_string()) return std::stod(value.get<std::string>());
  } catch (...) {
  }
  return std::nullopt;
}

Severity FromScore(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  if (score > 0.0) return Severity::kLow;
  return Severity::kInfo;
}

Severity FromLevel(const std::string& level) {
  if (level == "error") return Severity::kHigh;
  if (level == "note") return Severity::kLow;
  if (level == "none") return Severity::kInfo;
  return Severity::kMedium;  // "warning", and SARIF's default when absent
}

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool Suppressed(const Json& result) {
  const Json& suppressions = Get(result, "suppressions");
  if (!suppressions.is_array()) return false;
  for (const Json& suppression : suppressions) {
    std::string status = Text(Get(suppression, "status"));
    if (status.empty() || status == "accepted") return true;
  }
  return false;
}

const Json* RuleOf(const Json& result, const Json& rules) {
  std::string id = Text(Get(result, "ruleId"));
  if (id.empty()) id = Text(Get(Get(result, "rule"), "id"));
  const Json& index = Get(result, "ruleIndex").is_null() ? Get(Get(result, "rule"), "index")
                                                         : Get(result, "ruleIndex");
  if (!rules.is_array()) return nullptr;
  if (index.is_number_integer()) {
    int64_t i = index.get<int64_t>();
    if (i >= 0 && static_cast<size_t>(i) < rules.size()) return &rules[static_cast<size_t>(i)];
  }
  for (const Json& rule : rules) {
    if (!id.empty() && Text(Get(rule, "id")) == id) return &rule;
  }
  return nullptr;
}

void AddResult(const Json& result, const Json& rules, const std::string& tool,
               const std::string& version, ParseResult& out) {
  if (!result.is_object()) {
    ++out.skipped_records;
    return;
  }
  if (Suppressed(result)) return;
  const Json* rule = RuleOf(result, rules);
  static const Json kEmpty = Json::object();
  const Json& r = rule ? *rule : kEmpty;
  Finding f;
  f.tool = tool;
  f.tool_version = version;
  f.rule_id = Text(Get(result, "ruleId"));
  if (f.rule_id.empty()) f.rule_id = Text(Get(Get(result, "rule"), "id"));
  if (f.rule_id.empty()) f.rule_id = Text(Get(r, "id"));
  f.title = Text(Get(r, "name"));
  if (f.title.empty()) f.title = Text(Get(Get(r, "shortDescription"), "text"));
  f.message = Text(Get(Get(result, "message"), "text"));
  auto score = SecuritySeverity(Get(result, "properties"));
  if (!score) score = SecuritySeverity(Get(r, "properties"));
  std::string level = Text(Get(result, "level"));
  if (level.empty()) level = Text(Get(Get(r, "defaultConfiguration"), "level"));
  f.severity = score ? FromScore(*score) : FromLevel(level);
  AddCwes(Get(Get(r, "properties"), "tags"), f.cwes);
  AddCwes(Get(Get(result, "properties"), "tags"), f.cwes);
  if (Get(r, "relationships").is_array()) {
    for (const Json& relation : Get(r, "relationships")) {
      const Json& target = Get(relation, "target");
      if (Lower(Text(Get(Get(target, "toolComponent"), "name"))) != "cwe") continue;
      int cwe = CweFromTag(Text(Get(target, "id")));
      if (cwe > 0 && std::find(f.cwes.begin(), f.cwes.end(), cwe) == f.cwes.end()) {
        f.cwes.push_back(cwe);
      }
    }
  }
  const Json& locations = Get(result, "locations");
  const Json& physical =
      locations.is_array() && !locations.empty() ? Get(locations[0], "physicalLocation") : Json();
  std::string uri = PercentDecode(Text(Get(Get(physical, "artifactLocation"), "uri")));
  if (uri.rfind("file://", 0) == 0) uri = uri.substr(7);
  f.path = CleanRelativePath(uri);
  if (f.rule_id.empty() || f.path.empty() || !PathStaysInside(f.path)) {
    ++out.skipped_records;
    return;
  }
  const Json& region = Get(physical, "region");
  auto number = [&region](const char* key) {
    const Json& value = Get(region, key);
    return value.is_number_integer() && value.get<int64_t>() > 0 &&
                   value.get<int64_t>() < (1LL << 31)
               ? static_cast<int>(value.get<int64_t>())
               : 0;
  };
  f.line = number("startLine");
  f.column = number("startColumn");
  f.end_line = number("endLine");
  f.snippet = Text(Get(Get(region, "snippet"), "text"));
  out.findings.push_back(std::move(f));
}

}  // namespace

StatusOr<ParseResult> ParseSarif(std::string_view output, std::string_view tool_version) {
  Json doc = Json::parse(output.begin(), output.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !Get(doc, "runs").is_array()) {
    return Status::DataLoss("not a SARIF log (no \"runs\" list)");
  }
  std::string version = Text(Get(doc, "version"));
  if (!version.empty() && version.rfind("2.1", 0) != 0) {
    return Status::DataLoss("SARIF version " + version + " is not 2.1.x");
  }
  ParseResult out;
  for (const Json& run : doc["runs"]) {
    const Json& driver = Get(Get(run, "tool"), "driver");
    std::string tool = Lower(Text(Get(driver, "name")));
    if (tool.empty() || !Get(run, "results").is_array()) {
      ++out.skipped_records;
      continue;
    }
    std::string tool_release = Text(Get(driver, "version"));
    if (tool_release.empty()) tool_release = Text(Get(driver, "semanticVersion"));
    if (tool_release.empty()) tool_release = std::string(tool_version);
    for (const Json& result : run["results"]) {
      AddResult(result, Get(driver, "rules"), tool, tool_release, out);
    }
  }
  AssignFingerprints(out.findings);
  return out;
}

}  // namespace scanfleet
