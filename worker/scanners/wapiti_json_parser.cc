// wapiti JSON adapter; see wapiti_json_parser.h.
#include "worker/scanners/wapiti_json_parser.h"

#include <map>
#include <nlohmann/json.hpp>

namespace scanfleet {
namespace {

using Json = nlohmann::json;
constexpr size_t kMaxText = 2048;

std::string Slug(const std::string& category) {
  std::string slug;
  for (char c : category) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

int CweOf(const std::string& slug) {
  static const std::map<std::string, int> kCwes = {{"sql-injection", 89},
                                                   {"blind-sql-injection", 89},
                                                   {"cross-site-scripting", 79},
                                                   {"stored-cross-site-scripting", 79},
                                                   {"command-execution", 78},
                                                   {"path-traversal", 22},
                                                   {"crlf-injection", 93},
                                                   {"xml-external-entity", 611},
                                                   {"server-side-request-forgery", 918},
                                                   {"open-redirect", 601},
                                                   {"cross-site-request-forgery", 352},
                                                   {"backup-file", 530}};
  auto it = kCwes.find(slug);
  return it == kCwes.end() ? 0 : it->second;
}

Severity LevelToSeverity(int level) {
  switch (level) {
    case 4:
      return Severity::kCritical;
    case 3:
      return Severity::kHigh;
    case 2:
      return Severity::kMedium;
    case 1:
      return Severity::kLow;
    default:
      return Severity::kInfo;
  }
}

std::string Text(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  std::string text = it->get<std::string>();
  if (text.size() > kMaxText) text.resize(kMaxText);
  return text;
}

// scheme://host:port of the report's target, without a trailing slash.
std::string TargetBase(const Json& doc) {
  std::string target =
      doc.contains("infos") && doc["infos"].is_object() ? Text(doc["infos"], "target") : "";
  size_t scheme = target.find("://");
  if (scheme == std::string::npos) return "";
  size_t path = target.find('/', scheme + 3);
  return path == std::string::npos ? target : target.substr(0, path);
}

void AddCategory(const std::string& category, const Json& entries, bool anomaly,
                 const Json& classifications, const std::string& base, const std::string& version,
                 ParseResult& result) {
  if (!entries.is_array()) {
    ++result.skipped_records;
    return;
  }
  std::string slug = Slug(category);
  std::string description;
  if (classifications.is_object() && classifications.contains(category) &&
      classifications[category].is_object()) {
    description = Text(classifications[category], "desc");
  }
  for (const Json& entry : entries) {
    std::string path = entry.is_object() ? Text(entry, "path") : "";
    if (path.empty() || path.front() != '/' || !entry.contains("level") ||
        !entry["level"].is_number_integer()) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "wapiti";
    f.tool_version = version;
    f.rule_id = anomaly ? "anomaly:" + slug : slug;
    f.title = category;
    std::string info = Text(entry, "info");
    f.message = description.empty() ? info : description;
    Severity severity = LevelToSeverity(entry["level"].get<int>());
    f.severity = anomaly && severity > Severity::kLow ? Severity::kLow : severity;
    f.confidence = "medium";
    if (int cwe = CweOf(slug); cwe > 0 && !anomaly) f.cwes.push_back(cwe);
    f.url = base + path;
    f.http_method = Text(entry, "method");
    f.parameter = Text(entry, "parameter");
    std::string request = Text(entry, "http_request");
    f.evidence = info + (request.empty() ? "" : "\n" + request.substr(0, request.find('\n')));
    result.findings.push_back(std::move(f));
  }
}

}  // namespace

StatusOr<ParseResult> ParseWapitiJson(std::string_view output, std::string_view tool_version) {
  Json doc = Json::parse(output.begin(), output.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("vulnerabilities") ||
      !doc["vulnerabilities"].is_object()) {
    return Status::DataLoss("not a wapiti JSON report (no \"vulnerabilities\" object)");
  }
  std::string base = TargetBase(doc);
  if (base.empty()) return Status::DataLoss("wapiti report names no target (infos.target)");
  std::string version = doc["infos"].is_object() ? Text(doc["infos"], "version") : "";
  if (version.empty()) version = std::string(tool_version);
  const Json& classifications = doc.contains("classifications") ? doc["classifications"] : Json();
  ParseResult result;
  for (const auto& [category, entries] : doc["vulnerabilities"].items()) {
    AddCategory(category, entries, false, classifications, base, version, result);
  }
  if (doc.contains("anomalies") && doc["anomalies"].is_object()) {
    for (const auto& [category, entries] : doc["anomalies"].items()) {
      AddCategory(category, entries, true, classifications, base, version, result);
    }
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
