// wapiti JSON adapter; see wapiti_json_parser.h for the mapping.
#include "common/scanners/wapiti_json_parser.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/scanners/json_fields.h"
#include "common/text/ascii.h"

namespace scanfleet {
namespace {

constexpr size_t kMaxBody = 512;  // of an attack request's body, in the evidence

enum class EntryKind { kVulnerability, kAnomaly, kAdditional };

std::string Slug(const std::string& category) {
  std::string slug;
  for (char c : category) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += c;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return Lower(slug);
}

std::vector<int> BuiltInCwes(const std::string& slug) {
  static const auto* const kCwes =
      new std::map<std::string, std::vector<int>>{{"sql-injection", {89}},
                                                  {"blind-sql-injection", {89}},
                                                  {"cross-site-scripting", {79}},
                                                  {"stored-cross-site-scripting", {79}},
                                                  {"command-execution", {78}},
                                                  {"path-traversal", {22}},
                                                  {"crlf-injection", {93}},
                                                  {"xml-external-entity", {611}},
                                                  {"server-side-request-forgery", {918}},
                                                  {"open-redirect", {601}},
                                                  {"cross-site-request-forgery", {352}},
                                                  {"backup-file", {530}},
                                                  {"weak-credentials", {798, 521}},
                                                  {"htaccess-bypass", {538}},
                                                  {"secure-flag-cookie", {614}},
                                                  {"httponly-flag-cookie", {1004}}};
  auto it = kCwes->find(slug);
  return it == kCwes->end() ? std::vector<int>() : it->second;
}

// CWE ids of the cwe.mitre.org links in a classification's "ref" object.
std::vector<int> ReferencedCwes(const Json& classification) {
  std::vector<int> cwes;
  if (!classification.is_object() || !classification.contains("ref")) return cwes;
  const Json& refs = classification["ref"];
  if (!refs.is_object()) return cwes;
  constexpr std::string_view kPrefix = "cwe.mitre.org/data/definitions/";
  for (const auto& [title, url] : refs.items()) {
    if (!url.is_string()) continue;
    const std::string& text = url.get_ref<const std::string&>();
    size_t at = text.find(kPrefix);
    if (at == std::string::npos) continue;
    int cwe = 0;
    size_t digit = at + kPrefix.size();
    for (; digit < text.size() && std::isdigit(static_cast<unsigned char>(text[digit])) &&
           cwe < 100000;
         ++digit) {
      cwe = cwe * 10 + (text[digit] - '0');
    }
    if (cwe > 0 && cwe < 100000) cwes.push_back(cwe);
  }
  return cwes;
}

// wapiti's level 0..4 as an integer or a digit string; nullopt otherwise.
std::optional<Severity> LevelToSeverity(const Json& level) {
  int value = -1;
  if (level.is_number_integer()) {
    value = level.get<int64_t>() >= 0 && level.get<int64_t>() <= 4 ? level.get<int>() : -1;
  } else if (level.is_string() && level.get_ref<const std::string&>().size() == 1) {
    value = level.get_ref<const std::string&>()[0] - '0';
  }
  switch (value) {
    case 4:
      return Severity::kCritical;
    case 3:
      return Severity::kHigh;
    case 2:
      return Severity::kMedium;
    case 1:
      return Severity::kLow;
    case 0:
      return Severity::kInfo;
    default:
      return std::nullopt;
  }
}

// info, then the attack's request line and body: what was sent to show it.
std::string Evidence(const std::string& info, const std::string& http_request) {
  std::string evidence = info;
  std::string line = http_request.substr(0, http_request.find('\n'));
  if (!line.empty()) evidence += "\n" + line;
  size_t blank = http_request.find("\n\n");
  if (blank != std::string::npos && blank + 2 < http_request.size()) {
    evidence += "\n" + Bounded(http_request.substr(blank + 2), kMaxBody);
  }
  return Bounded(evidence);
}

// scheme://host:port of the report's target, without a trailing slash.
std::string TargetBase(const Json& doc) {
  std::string target = Text(Field(Field(doc, "infos"), "target"));
  size_t scheme = target.find("://");
  if (scheme == std::string::npos || scheme == 0) return "";
  size_t path = target.find_first_of("/?#", scheme + 3);
  std::string base = path == std::string::npos ? target : target.substr(0, path);
  return base.size() > scheme + 3 ? base : "";
}

struct Context {
  const Json& classifications;
  std::string base;
  std::string version;
};

void AddCategory(const std::string& category, const Json& entries, EntryKind kind,
                 const Context& context, ParseResult& result) {
  if (!entries.is_array()) {
    ++result.skipped_records;
    return;
  }
  std::string slug = Slug(category);
  const Json* classification = nullptr;
  if (context.classifications.is_object() && context.classifications.contains(category)) {
    classification = &context.classifications[category];
  }
  std::string description = classification != nullptr ? Text(Field(*classification, "desc")) : "";
  std::vector<int> cwes;
  if (kind == EntryKind::kVulnerability) {
    cwes = classification != nullptr ? ReferencedCwes(*classification) : std::vector<int>();
    if (cwes.empty()) cwes = BuiltInCwes(slug);
  }
  for (const Json& entry : entries) {
    std::string path = Text(Field(entry, "path"));
    std::optional<Severity> severity;
    if (!path.empty() && path.front() == '/' && entry.contains("level")) {
      severity = LevelToSeverity(entry["level"]);
    }
    if (!severity) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "wapiti";
    f.tool_version = context.version;
    f.title = category;
    std::string info = Text(Field(entry, "info"));
    f.message = description.empty() ? info : description;
    switch (kind) {
      case EntryKind::kVulnerability:
        f.rule_id = slug;
        f.severity = *severity;
        break;
      case EntryKind::kAnomaly:
        f.rule_id = "anomaly:" + slug;
        f.severity = std::min(*severity, Severity::kLow);
        break;
      case EntryKind::kAdditional:
        f.rule_id = "additional:" + slug;
        f.severity = Severity::kInfo;
        break;
    }
    f.confidence = "medium";
    f.cwes = cwes;
    f.url = context.base + path;
    f.http_method = Text(Field(entry, "method"));
    f.parameter = Text(Field(entry, "parameter"));
    f.evidence = Evidence(info, Text(Field(entry, "http_request")));
    result.findings.push_back(std::move(f));
  }
}

}  // namespace

StatusOr<ParseResult> ParseWapitiJson(std::string_view output, std::string_view tool_version) {
  const Json doc = ParseJson(output);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("vulnerabilities") ||
      !doc["vulnerabilities"].is_object()) {
    return Status::DataLoss("not a wapiti JSON report (no \"vulnerabilities\" object)");
  }
  std::string base = TargetBase(doc);
  if (base.empty()) return Status::DataLoss("wapiti report names no target URL (infos.target)");
  std::string version = Text(Field(Field(doc, "infos"), "version"));
  if (version.empty()) version = std::string(tool_version);
  static const Json kNoClassifications = Json::object();
  auto classifications = doc.find("classifications");
  Context context{classifications != doc.end() ? *classifications : kNoClassifications, base,
                  version};
  ParseResult result;
  for (const auto& [category, entries] : doc["vulnerabilities"].items()) {
    AddCategory(category, entries, EntryKind::kVulnerability, context, result);
  }
  for (const auto& [key, kind] : {std::pair{"anomalies", EntryKind::kAnomaly},
                                  std::pair{"additionals", EntryKind::kAdditional}}) {
    auto section = doc.find(key);
    if (section == doc.end() || !section->is_object()) continue;
    for (const auto& [category, entries] : section->items()) {
      AddCategory(category, entries, kind, context, result);
    }
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
