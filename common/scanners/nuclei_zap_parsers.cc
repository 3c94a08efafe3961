// nuclei JSONL and ZAP JSON adapters; see nuclei_zap_parsers.h.
#include "common/scanners/nuclei_zap_parsers.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

namespace scanfleet {
namespace {

using Json = nlohmann::json;
constexpr size_t kMaxText = 2048;
constexpr size_t kMaxLines = 1000000;

const Json& Get(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const Json& value) {
  std::string text = value.is_string()           ? value.get<std::string>()
                     : value.is_number_integer() ? std::to_string(value.get<int64_t>())
                                                 : "";
  if (text.size() > kMaxText) text.resize(kMaxText);
  return text;
}

int IntOf(const Json& value) {
  std::string text = Text(value);
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("-0123456789") != std::string::npos) {
    return -1;
  }
  try {
    return std::stoi(text);
  } catch (...) {
    return -1;
  }
}

// Text of ZAP's HTML descriptions: tags dropped (a closing paragraph or a
// line break becomes a space) and the common entities decoded.
std::string StripTags(const std::string& html) {
  std::string out;
  bool in_tag = false;
  std::string tag;
  for (char c : html) {
    if (c == '<') {
      in_tag = true;
      tag.clear();
    } else if (c == '>' && in_tag) {
      in_tag = false;
      if ((tag == "/p" || tag == "br" || tag == "br/" || tag == "li") && !out.empty() &&
          out.back() != ' ') {
        out += ' ';
      }
    } else if (in_tag) {
      tag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities) {
    for (size_t at = out.find(entity); at != std::string::npos; at = out.find(entity, at + 1)) {
      out.replace(at, std::strlen(entity), text);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

int CweOf(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t at = lower.find("cwe-");
  size_t start = at == std::string::npos ? 0 : at + 4, end = start;
  while (end < lower.size() && std::isdigit(static_cast<unsigned char>(lower[end]))) ++end;
  return end > start && end - start <= 6 ? std::stoi(lower.substr(start, end - start)) : 0;
}

Severity NucleiSeverity(const std::string& text) {
  if (text == "critical") return Severity::kCritical;
  if (text == "high") return Severity::kHigh;
  if (text == "medium") return Severity::kMedium;
  if (text == "low") return Severity::kLow;
  return Severity::kInfo;
}

}  // namespace

StatusOr<ParseResult> ParseNucleiJsonl(std::string_view output, std::string_view tool_version) {
  ParseResult result;
  size_t parsed_lines = 0, start = 0, lines = 0;
  while (start < output.size() && lines++ < kMaxLines) {
    size_t end = std::min(output.find('\n', start), output.size());
    std::string_view line = output.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Json doc = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    std::string template_id = Text(Get(doc, "template-id"));
    std::string url = Text(Get(doc, "matched-at"));
    if (url.empty()) url = Text(Get(doc, "host"));
    if (doc.is_discarded() || template_id.empty() || url.empty()) {
      ++result.skipped_records;
      continue;
    }
    // With -ms nuclei also prints templates that did not match: no finding.
    if (Get(doc, "matcher-status").is_boolean() && !Get(doc, "matcher-status").get<bool>()) {
      ++parsed_lines;
      continue;
    }
    ++parsed_lines;
    const Json& info = Get(doc, "info");
    Finding f;
    f.tool = "nuclei";
    f.tool_version = std::string(tool_version);
    std::string matcher = Text(Get(doc, "matcher-name"));
    f.rule_id = template_id + (matcher.empty() ? "" : ":" + matcher);
    f.title = Text(Get(info, "name"));
    f.message = Text(Get(info, "description"));
    if (f.message.empty()) f.message = f.title;
    f.severity = NucleiSeverity(Text(Get(info, "severity")));
    const Json& cwes = Get(Get(info, "classification"), "cwe-id");
    if (int id = CweOf(Text(cwes)); cwes.is_string() && id > 0) f.cwes.push_back(id);
    if (cwes.is_array()) {
      for (const Json& cwe : cwes) {
        if (int id = CweOf(Text(cwe)); id > 0) f.cwes.push_back(id);
      }
    }
    f.url = url;
    f.parameter = Text(Get(doc, "fuzzing_parameter"));
    std::string request = Text(Get(doc, "request"));
    f.http_method = request.substr(0, request.find(' '));
    if (f.http_method.size() > 10 || f.http_method.find('\n') != std::string::npos) {
      f.http_method.clear();
    }
    const Json& extracted = Get(doc, "extracted-results");
    if (extracted.is_array()) {
      for (const Json& item : extracted) {
        f.evidence += (f.evidence.empty() ? "" : ", ") + Text(item);
        if (f.evidence.size() > kMaxText) break;
      }
    }
    if (f.evidence.empty()) f.evidence = matcher;
    result.findings.push_back(std::move(f));
  }
  if (parsed_lines == 0 && result.skipped_records > 0) {
    return Status::DataLoss("no line is a nuclei JSON result");
  }
  AssignFingerprints(result.findings);
  return result;
}

StatusOr<ParseResult> ParseZapJson(std::string_view output, std::string_view tool_version) {
  Json doc = Json::parse(output.begin(), output.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded() && Get(doc, "site").is_object()) {
    doc["site"] = Json::array({doc["site"]});  // older reports: one site, not a list
  }
  if (doc.is_discarded() || !Get(doc, "site").is_array()) {
    return Status::DataLoss("not a ZAP JSON report (no \"site\" list)");
  }
  std::string version = Text(Get(doc, "@version"));
  if (version.empty()) version = std::string(tool_version);
  ParseResult result;
  for (const Json& site : doc["site"]) {
    const Json& alerts = Get(site, "alerts");
    if (!alerts.is_array()) {
      ++result.skipped_records;
      continue;
    }
    for (const Json& alert : alerts) {
      std::string plugin = Text(Get(alert, "pluginid"));
      int risk = IntOf(Get(alert, "riskcode"));
      int confidence = IntOf(Get(alert, "confidence"));
      const Json& instances = Get(alert, "instances");
      if (plugin.empty() || risk < 0 || risk > 3 || !instances.is_array() || instances.empty()) {
        ++result.skipped_records;
        continue;
      }
      for (const Json& instance : instances) {
        std::string uri = Text(Get(instance, "uri"));
        if (uri.empty() || confidence == 0) {
          ++result.skipped_records;  // no location, or ZAP marked it a false positive
          continue;
        }
        Finding f;
        f.tool = "zap";
        f.tool_version = version;
        // alertRef tells a plugin's variants apart ("10020-1", "10020-2").
        std::string ref = Text(Get(alert, "alertRef"));
        f.rule_id = ref.empty() ? plugin : ref;
        f.title = Text(Get(alert, "name"));
        if (f.title.empty()) f.title = Text(Get(alert, "alert"));
        f.message = StripTags(Text(Get(alert, "desc")));
        static const Severity kRisk[] = {Severity::kInfo, Severity::kLow, Severity::kMedium,
                                         Severity::kHigh};
        f.severity = kRisk[risk];
        f.confidence = confidence >= 3 ? "high" : confidence == 2 ? "medium" : "low";
        if (int cwe = IntOf(Get(alert, "cweid")); cwe > 0) f.cwes.push_back(cwe);
        f.url = uri;
        f.http_method = Text(Get(instance, "method"));
        f.parameter = Text(Get(instance, "param"));
        std::string attack = Text(Get(instance, "attack"));
        std::string evidence = Text(Get(instance, "evidence"));
        f.evidence = attack.empty()
                         ? evidence
                         : "attack: " + attack + (evidence.empty() ? "" : "; " + evidence);
        result.findings.push_back(std::move(f));
      }
    }
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
