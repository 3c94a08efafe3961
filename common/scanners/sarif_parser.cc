// SARIF 2.1.0 importer; see sarif_parser.h for the mapping.
// Thread-safety: pure and reentrant.
#include "common/scanners/sarif_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "common/scanners/cwe_text.h"
#include "common/scanners/json_fields.h"
#include "common/text/ascii.h"
#include "common/text/utf8.h"

namespace scanfleet {
namespace {

constexpr int kMaxBaseIdDepth = 8;

// The element of an array field at an integer index, or nullptr.
const Json* At(const Json& array, const Json& index) {
  if (!array.is_array() || !index.is_number_integer()) return nullptr;
  int64_t i = index.get<int64_t>();
  return i >= 0 && static_cast<uint64_t>(i) < array.size() ? &array[static_cast<size_t>(i)]
                                                           : nullptr;
}

std::string ToolName(const Json& driver) {
  std::string name = Lower(Text(Field(driver, "name")));
  if (name.rfind("semgrep", 0) == 0 && (name.size() == 7 || name[7] == ' ')) return "semgrep";
  return name;
}

// The CWEs a rule or result names in properties.tags / properties.cwe and in
// relationships to the "CWE" taxonomy.
void AddCwesOf(const Json& object, std::vector<int>& cwes) {
  for (const char* key : {"tags", "cwe"}) {
    const Json& value = Field(Field(object, "properties"), key);
    if (value.is_string()) AddCweOf(Text(value), cwes);
    for (const Json& item : Items(value)) AddCweOf(Text(item), cwes);
  }
  for (const Json& relation : Items(Field(object, "relationships"))) {
    const Json& target = Field(relation, "target");
    bool cwe_taxonomy = Lower(Text(Field(Field(target, "toolComponent"), "name"))) == "cwe";
    if (cwe_taxonomy) AddCweOf(Text(Field(target, "id")), cwes);
  }
}

std::optional<double> SecuritySeverity(const Json& properties) {
  const Json& value = Field(properties, "security-severity");
  double score = value.is_number() ? value.get<double>() : NAN;
  if (std::string text = Text(value); value.is_string()) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), score);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  }
  if (!std::isfinite(score) || score < 0 || score > 10) return std::nullopt;
  return score;
}

Severity FromScore(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  return score > 0.0 ? Severity::kLow : Severity::kInfo;
}

Severity FromLevel(const std::string& level) {
  if (level == "error") return Severity::kHigh;
  if (level == "note") return Severity::kLow;
  if (level == "none") return Severity::kInfo;
  return Severity::kMedium;  // "warning", SARIF's default
}

Severity SeverityOf(const Json& result, const Json& rule) {
  std::optional<double> score = SecuritySeverity(Field(result, "properties"));
  if (!score) score = SecuritySeverity(Field(rule, "properties"));
  if (score) return FromScore(*score);
  std::string level = Text(Field(result, "level"));
  std::string kind = Text(Field(result, "kind"));
  if (level.empty() && !kind.empty() && kind != "fail") level = "none";
  if (level.empty()) level = Text(Field(Field(rule, "defaultConfiguration"), "level"));
  return FromLevel(level);
}

std::string Confidence(const Json& properties) {
  std::string value = Lower(Text(Field(properties, "precision")));
  if (value.empty()) value = Lower(Text(Field(properties, "confidence")));
  if (value == "very-high") return "high";
  return value == "high" || value == "medium" || value == "low" ? value : "";
}

// What one run's results are read against.
struct RunContext {
  std::string tool;
  std::string version;
  const Json* driver = nullptr;
  const Json* extensions = nullptr;
  const Json* artifacts = nullptr;
  const Json* base_ids = nullptr;
  std::unordered_map<std::string, const Json*> rules_by_id;  // driver's, then extensions'
};

void IndexRules(const Json& component, RunContext& run) {
  for (const Json& rule : Items(Field(component, "rules"))) {
    std::string id = Text(Field(rule, "id"));
    if (!id.empty()) run.rules_by_id.emplace(id, &rule);
  }
}

const Json& FindRule(const Json& result, const std::string& rule_id, const RunContext& run) {
  static const Json kNoRule = Json::object();
  const Json& reference = Field(result, "rule");
  const Json* extension = At(*run.extensions, Field(Field(reference, "toolComponent"), "index"));
  const Json& rules = Field(extension ? *extension : *run.driver, "rules");
  const Json& index =
      Field(result, "ruleIndex").is_null() ? Field(reference, "index") : Field(result, "ruleIndex");
  if (const Json* rule = At(rules, index)) return *rule;
  for (const std::string& id : {rule_id, rule_id.substr(0, rule_id.find('/'))}) {
    auto it = run.rules_by_id.find(id);
    if (it != run.rules_by_id.end()) return *it->second;
  }
  return kNoRule;
}

// `pattern` with {n} replaced by arguments[n] and {{ }} by { }.
std::string Substitute(const std::string& pattern, const Json& arguments) {
  std::string out;
  const char* const stop = pattern.data() + pattern.size();
  for (size_t at = 0; at < pattern.size() && out.size() < kMaxFieldBytes; ++at) {
    size_t n = 0;
    auto [end, error] = std::from_chars(pattern.data() + at + 1, stop, n);
    if (pattern[at] == '{' && error == std::errc() && end < stop && *end == '}' &&
        n < arguments.size()) {
      out += Text(arguments[n]);
      at = static_cast<size_t>(end - pattern.data());
      continue;
    }
    out += pattern[at];
    if ((pattern[at] == '{' || pattern[at] == '}') && at + 1 < pattern.size() &&
        pattern[at + 1] == pattern[at]) {
      ++at;
    }
  }
  return out;
}

std::string MessageOf(const Json& result, const Json& rule, const RunContext& run) {
  const Json& message = Field(result, "message");
  std::string text = Text(Field(message, "text"));
  if (std::string id = Text(Field(message, "id")); text.empty() && !id.empty()) {
    text = Text(Field(Field(Field(rule, "messageStrings"), id.c_str()), "text"));
    const Json& global = Field(*run.driver, "globalMessageStrings");
    if (text.empty()) text = Text(Field(Field(global, id.c_str()), "text"));
  }
  if (text.empty()) text = Text(Field(message, "markdown"));
  const Json& arguments = Field(message, "arguments");
  return arguments.is_array() && !arguments.empty() ? Substitute(text, arguments) : text;
}

// Rooted, or with a scheme or drive letter: a ':' in the first segment, which
// RFC 3986 does not allow in a relative reference.
bool IsAbsoluteUri(const std::string& uri) {
  return !uri.empty() && (uri[0] == '/' || uri[0] == '\\' || uri.find(':') < uri.find('/'));
}

// Decoded %-escapes; nullopt when one decodes to a control character.
std::optional<std::string> PercentDecode(const std::string& text) {
  std::string bytes;
  for (size_t at = 0; at < text.size(); ++at) {
    int byte = text[at] == '%' ? HexValue(text, at + 1, 2) : -1;
    if (byte >= 0 && (byte < 0x20 || byte == 0x7F)) return std::nullopt;
    bytes += byte >= 0 ? static_cast<char>(byte) : text[at];
    at += byte >= 0 ? 2 : 0;
  }
  // "%FF" must not smuggle ill-formed UTF-8 into the finding.
  return ReplaceInvalidUtf8(bytes);
}

// The artifact's path relative to the scanned root, or "" when it has none or
// it is absolute (see the header).
std::string RelativePath(const Json& physical, const RunContext& run) {
  const Json* location = &Field(physical, "artifactLocation");
  const Json* artifact = At(*run.artifacts, Field(*location, "index"));
  if (artifact && !Field(*location, "uri").is_string()) location = &Field(*artifact, "location");
  std::string uri = Text(Field(*location, "uri"));
  std::string base_id = Text(Field(*location, "uriBaseId"));
  for (int depth = 0; depth < kMaxBaseIdDepth && !base_id.empty() && !IsAbsoluteUri(uri); ++depth) {
    const Json& base = Field(*run.base_ids, base_id.c_str());
    std::string base_uri = Text(Field(base, "uri"));
    if (base_uri.empty() || IsAbsoluteUri(base_uri)) break;  // the scanned root itself
    if (base_uri.back() != '/') base_uri += '/';
    uri = base_uri + uri;
    base_id = Text(Field(base, "uriBaseId"));
  }
  if (uri.empty() || IsAbsoluteUri(uri)) return "";
  std::string path =
      CleanRelativePath(PercentDecode(uri.substr(0, uri.find_first_of("?#"))).value_or(""));
  return PathStaysInside(path) ? path : "";
}

bool LeftOutByTheTool(const Json& result) {
  std::string kind = Text(Field(result, "kind"));
  if (kind == "pass" || kind == "notApplicable") return true;
  if (Text(Field(result, "baselineState")) == "absent") return true;
  const Json& suppressions = Items(Field(result, "suppressions"));
  return std::any_of(suppressions.begin(), suppressions.end(), [](const Json& suppression) {
    std::string status = Text(Field(suppression, "status"));
    return suppression.is_object() && (status.empty() || status == "accepted");
  });
}

// Appends the finding of one result, or counts it as skipped (not an object,
// no rule id, no usable location).
void AddResult(const Json& result, const RunContext& run, ParseResult& out) {
  if (LeftOutByTheTool(result)) return;
  std::string rule_id = Text(Field(result, "ruleId"));
  if (rule_id.empty()) rule_id = Text(Field(Field(result, "rule"), "id"));
  const Json& rule = FindRule(result, rule_id, run);
  if (rule_id.empty()) rule_id = Text(Field(rule, "id"));
  const Json& locations = Items(Field(result, "locations"));
  const Json& physical = Field(locations.empty() ? locations : locations[0], "physicalLocation");
  Finding f;
  f.path = RelativePath(physical, run);
  if (rule_id.empty() || f.path.empty()) {
    ++out.skipped_records;
    return;
  }
  f.tool = run.tool;
  f.tool_version = run.version;
  f.rule_id = rule_id;
  f.title = Text(Field(rule, "name"));
  if (f.title.empty()) f.title = Text(Field(Field(rule, "shortDescription"), "text"));
  f.message = MessageOf(result, rule, run);
  f.severity = SeverityOf(result, rule);
  f.confidence = Confidence(Field(result, "properties"));
  if (f.confidence.empty()) f.confidence = Confidence(Field(rule, "properties"));
  AddCwesOf(rule, f.cwes);
  AddCwesOf(result, f.cwes);
  const Json& region = Field(physical, "region");
  f.line = PositiveInt(Field(region, "startLine"));
  f.column = PositiveInt(Field(region, "startColumn"));
  f.end_line = Field(region, "endLine").is_null() ? f.line : PositiveInt(Field(region, "endLine"));
  f.snippet = Text(Field(Field(region, "snippet"), "text"));
  out.findings.push_back(std::move(f));
}

}  // namespace

StatusOr<ParseResult> ParseSarif(std::string_view output, std::string_view tool_version) {
  const std::string text = SanitizeJsonText(output);
  Json doc = ParseJson(text);
  if (doc.is_discarded() || !doc.is_object() || !Field(doc, "runs").is_array()) {
    return Status::DataLoss("not a SARIF log (expected a JSON object with a \"runs\" list)");
  }
  const Json& version = Field(doc, "version");
  if (version.is_string() && Text(version).rfind("2.1.", 0) != 0) {
    return Status::DataLoss("SARIF version " + Text(version) + " is not 2.1.x");
  }
  ParseResult out;
  for (const Json& run_json : Field(doc, "runs")) {
    const Json& tool = Field(run_json, "tool");
    const Json& results = Field(run_json, "results");
    RunContext run;
    run.driver = &Field(tool, "driver");
    run.tool = ToolName(*run.driver);
    if (run.tool.empty() || !(results.is_array() || results.is_null())) {
      out.skipped_records += results.is_array() ? static_cast<uint32_t>(results.size()) : 1;
      continue;
    }
    for (const char* key : {"version", "semanticVersion"}) {
      if (run.version.empty()) run.version = Text(Field(*run.driver, key));
    }
    if (run.version.empty()) run.version = std::string(tool_version);
    run.extensions = &Field(tool, "extensions");
    run.artifacts = &Field(run_json, "artifacts");
    run.base_ids = &Field(run_json, "originalUriBaseIds");
    IndexRules(*run.driver, run);
    for (const Json& extension : Items(*run.extensions)) IndexRules(extension, run);
    if (!results.is_array()) continue;  // null: the tool computed no results
    for (const Json& result : results) AddResult(result, run, out);
  }
  AssignFingerprints(out.findings);
  return out;
}

}  // namespace scanfleet
