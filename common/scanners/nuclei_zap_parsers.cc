// nuclei JSONL and ZAP JSON adapters; see nuclei_zap_parsers.h.
#include "common/scanners/nuclei_zap_parsers.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/scanners/json_fields.h"
#include "common/text/ascii.h"

namespace scanfleet {
namespace {

constexpr size_t kMaxLines = 1000000;

// ZAP writes its codes as strings ("3") or numbers; -1 when neither.
int IntOf(const Json& value) {
  std::string text = TextOrInteger(value);
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
      std::string name = Lower(tag);
      if ((name == "/p" || name == "br" || name == "br/" || name == "li") && !out.empty() &&
          out.back() != ' ') {
        out += ' ';
      }
    } else if (in_tag) {
      tag += c;
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

// "CWE-79" or "79" -> 79; 0 when neither.
int CweOf(const std::string& text) {
  std::string lower = Lower(text);
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

// The CWE ids of nuclei's info.classification.cwe-id (a string or a list).
std::vector<int> NucleiCwes(const Json& info) {
  std::vector<int> ids;
  const Json& cwes = Field(Field(info, "classification"), "cwe-id");
  if (int id = CweOf(TextOrInteger(cwes)); cwes.is_string() && id > 0) ids.push_back(id);
  for (const Json& cwe : Items(cwes)) {
    if (int id = CweOf(TextOrInteger(cwe)); id > 0) ids.push_back(id);
  }
  return ids;
}

// The extracted results, joined; the matcher's name when there are none.
std::string NucleiEvidence(const Json& doc, const std::string& matcher) {
  std::string evidence;
  for (const Json& item : Items(Field(doc, "extracted-results"))) {
    evidence += (evidence.empty() ? "" : ", ") + TextOrInteger(item);
    if (evidence.size() > kMaxFieldBytes) break;
  }
  return evidence.empty() ? matcher : Bounded(evidence);
}

Finding NucleiFinding(const Json& doc, std::string rule_id, std::string url,
                      std::string_view tool_version) {
  const Json& info = Field(doc, "info");
  Finding f;
  f.tool = "nuclei";
  f.tool_version = std::string(tool_version);
  std::string matcher = TextOrInteger(Field(doc, "matcher-name"));
  f.rule_id = rule_id + (matcher.empty() ? "" : ":" + matcher);
  f.title = TextOrInteger(Field(info, "name"));
  f.message = TextOrInteger(Field(info, "description"));
  if (f.message.empty()) f.message = f.title;
  f.severity = NucleiSeverity(TextOrInteger(Field(info, "severity")));
  f.cwes = NucleiCwes(info);
  f.url = std::move(url);
  f.parameter = TextOrInteger(Field(doc, "fuzzing_parameter"));
  std::string request = TextOrInteger(Field(doc, "request"));
  f.http_method = request.substr(0, request.find(' '));
  if (f.http_method.size() > 10 || f.http_method.find('\n') != std::string::npos) {
    f.http_method.clear();
  }
  f.evidence = NucleiEvidence(doc, matcher);
  return f;
}

// One JSONL line: a finding, nothing (a template that did not match), or a
// skipped record; false when the line is not a nuclei result at all.
bool AddNucleiLine(std::string_view line, std::string_view tool_version, ParseResult& result) {
  Json doc = ParseJson(line);
  std::string template_id = TextOrInteger(Field(doc, "template-id"));
  std::string url = TextOrInteger(Field(doc, "matched-at"));
  if (url.empty()) url = TextOrInteger(Field(doc, "host"));
  if (doc.is_discarded() || template_id.empty() || url.empty()) {
    ++result.skipped_records;
    return false;
  }
  // With -ms nuclei also prints templates that did not match: no finding.
  const Json& status = Field(doc, "matcher-status");
  if (status.is_boolean() && !status.get<bool>()) return true;
  result.findings.push_back(NucleiFinding(doc, template_id, url, tool_version));
  return true;
}

Finding ZapFinding(const Json& alert, const Json& instance, const std::string& rule_id, int risk,
                   int confidence, const std::string& version) {
  Finding f;
  f.tool = "zap";
  f.tool_version = version;
  f.rule_id = rule_id;
  f.title = TextOrInteger(Field(alert, "name"));
  if (f.title.empty()) f.title = TextOrInteger(Field(alert, "alert"));
  f.message = StripTags(TextOrInteger(Field(alert, "desc")));
  static const Severity kRisk[] = {Severity::kInfo, Severity::kLow, Severity::kMedium,
                                   Severity::kHigh};
  f.severity = kRisk[risk];
  f.confidence = confidence >= 3 ? "high" : confidence == 2 ? "medium" : "low";
  if (int cwe = IntOf(Field(alert, "cweid")); cwe > 0) f.cwes.push_back(cwe);
  f.url = TextOrInteger(Field(instance, "uri"));
  f.http_method = TextOrInteger(Field(instance, "method"));
  f.parameter = TextOrInteger(Field(instance, "param"));
  std::string attack = TextOrInteger(Field(instance, "attack"));
  std::string evidence = TextOrInteger(Field(instance, "evidence"));
  f.evidence = attack.empty()
                   ? evidence
                   : Bounded("attack: " + attack + (evidence.empty() ? "" : "; " + evidence));
  return f;
}

// The findings of one alert, one per instance; malformed alerts and
// instances are skipped records.
void AddZapAlert(const Json& alert, const std::string& version, ParseResult& result) {
  std::string plugin = TextOrInteger(Field(alert, "pluginid"));
  int risk = IntOf(Field(alert, "riskcode"));
  int confidence = IntOf(Field(alert, "confidence"));
  const Json& instances = Field(alert, "instances");
  if (plugin.empty() || risk < 0 || risk > 3 || !instances.is_array() || instances.empty()) {
    ++result.skipped_records;
    return;
  }
  // alertRef tells a plugin's variants apart ("10020-1", "10020-2").
  std::string ref = TextOrInteger(Field(alert, "alertRef"));
  for (const Json& instance : instances) {
    if (TextOrInteger(Field(instance, "uri")).empty() || confidence == 0) {
      ++result.skipped_records;  // no location, or ZAP marked it a false positive
      continue;
    }
    result.findings.push_back(
        ZapFinding(alert, instance, ref.empty() ? plugin : ref, risk, confidence, version));
  }
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
    if (AddNucleiLine(line, tool_version, result)) ++parsed_lines;
  }
  if (parsed_lines == 0 && result.skipped_records > 0) {
    return Status::DataLoss("no line is a nuclei JSON result");
  }
  AssignFingerprints(result.findings);
  return result;
}

StatusOr<ParseResult> ParseZapJson(std::string_view output, std::string_view tool_version) {
  Json doc = ParseJson(output);
  if (!doc.is_discarded() && Field(doc, "site").is_object()) {
    doc["site"] = Json::array({doc["site"]});  // older reports: one site, not a list
  }
  if (doc.is_discarded() || !Field(doc, "site").is_array()) {
    return Status::DataLoss("not a ZAP JSON report (no \"site\" list)");
  }
  std::string version = TextOrInteger(Field(doc, "@version"));
  if (version.empty()) version = std::string(tool_version);
  ParseResult result;
  for (const Json& site : doc["site"]) {
    const Json& alerts = Field(site, "alerts");
    if (!alerts.is_array()) {
      ++result.skipped_records;
      continue;
    }
    for (const Json& alert : alerts) AddZapAlert(alert, version, result);
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
