#include "common/siem/json_formats.h"

#include <map>

#include "common/eventlog/chain.h"
#include "common/siem/event_attributes.h"
#include "common/siem/event_fields.h"
#include "common/wire/convert.h"

namespace scanfleet::siem {

namespace {

using nlohmann::json;

json EventMeta(const v1::Event& event) {
  return {{"seq", event.seq()},
          {"topic", event.topic()},
          {"scan_id", event.scan_id()},
          {"job_id", event.job_id()},
          {"created_ms", event.created_ms()}};
}

}  // namespace

json EcsJson(const v1::Event& event, std::string_view product_version) {
  json out;
  out["@timestamp"] = Rfc3339Ms(event.created_ms());
  out["ecs"] = {{"version", "8.11.0"}};
  out["observer"] = {{"vendor", kVendor}, {"product", kProduct}, {"version", product_version}};
  json ecs_event = {{"module", "scanfleet"},
                    {"id", std::to_string(event.seq())},
                    {"sequence", event.seq()},
                    {"action", event.topic()},
                    {"created", Rfc3339Ms(event.created_ms())}};
  json scanfleet = EventMeta(event);
  if (event.has_finding()) {
    const v1::Finding& f = event.finding();
    ecs_event["kind"] = "alert";
    ecs_event["category"] = {"vulnerability"};
    ecs_event["type"] = {"info"};
    ecs_event["dataset"] = "scanfleet.finding";
    ecs_event["severity"] = CefSeverity(f.severity());
    out["message"] = f.message();
    json vulnerability = {{"id", f.rule_id()},
                          {"severity", SeverityCaption(f.severity())},
                          {"description", f.message()},
                          {"scanner", {{"vendor", kVendor}}},
                          {"report_id", std::to_string(event.scan_id())}};
    if (f.cwes_size() > 0) {
      json ids = json::array();
      for (int cwe : f.cwes()) ids.push_back("CWE-" + std::to_string(cwe));
      vulnerability["enumeration"] = "CWE";
      vulnerability["category"] = ids;
    }
    out["vulnerability"] = vulnerability;
    out["rule"] = {{"id", f.rule_id()}, {"name", f.title()}, {"ruleset", f.tool()}};
    if (!f.path().empty()) out["file"] = {{"path", f.path()}, {"name", BaseName(f.path())}};
    if (!f.url().empty()) out["url"] = {{"full", f.url()}};
    if (!f.http_method().empty()) out["http"] = {{"request", {{"method", f.http_method()}}}};
    scanfleet["finding"] = CanonicalFindingJson(f);
  } else {
    ecs_event["kind"] = "event";
    ecs_event["category"] = {"process"};
    ecs_event["type"] = {"info"};
    ecs_event["dataset"] = "scanfleet.scan";
    if (event.has_scan()) {
      auto state = event.scan().state();
      scanfleet["state"] = std::string(ScanStateName(state));
      if (state == v1::SCAN_SUCCEEDED) ecs_event["outcome"] = "success";
      if (state == v1::SCAN_FAILED) ecs_event["outcome"] = "failure";
    }
    if (event.has_carried()) {
      const v1::CarriedFindings& carried = event.carried();
      out["message"] = EventName(event);
      scanfleet["carried"] = {{"base_scan_id", carried.base_scan_id()},
                              {"scanner", carried.scanner()},
                              {"count", carried.count()}};
    }
  }
  out["event"] = ecs_event;
  out["scanfleet"] = scanfleet;
  return out;
}

std::optional<json> OcsfVulnerabilityFinding(const v1::Event& event,
                                             std::string_view product_version) {
  if (!event.has_finding()) return std::nullopt;
  const v1::Finding& f = event.finding();
  json vulnerability = {{"title", f.title().empty() ? f.rule_id() : f.title()},
                        {"desc", f.message()},
                        {"severity", SeverityCaption(f.severity())}};
  if (f.cwes_size() > 0) {
    // OCSF 1.1 gives a vulnerability one CWE; the others go to "unmapped".
    vulnerability["cwe"] = {{"uid", std::to_string(f.cwes(0))},
                            {"src_url", "https://cwe.mitre.org/data/definitions/" +
                                            std::to_string(f.cwes(0)) + ".html"}};
  }
  if (!f.path().empty()) {
    json code = {{"file", {{"path", f.path()}, {"name", BaseName(f.path())}, {"type_id", 1}}}};
    if (f.line() > 0) code["start_line"] = f.line();
    if (f.end_line() > 0) code["end_line"] = f.end_line();
    vulnerability["affected_code"] = json::array({code});
  }
  json out = {
      {"class_uid", 2002},
      {"class_name", "Vulnerability Finding"},
      {"category_uid", 2},
      {"category_name", "Findings"},
      {"activity_id", 1},
      {"activity_name", "Create"},
      {"type_uid", 200201},
      {"type_name", "Vulnerability Finding: Create"},
      {"severity_id", OcsfSeverityId(f.severity())},
      {"severity", SeverityCaption(f.severity())},
      {"status_id", 1},
      {"status", "New"},
      {"time", event.created_ms()},
      {"message", f.message()},
      {"metadata",
       {{"version", "1.1.0"},
        {"uid", std::to_string(event.seq())},
        {"correlation_uid", std::to_string(event.scan_id())},
        {"product", {{"name", kProduct}, {"vendor_name", kVendor}, {"version", product_version}}}}},
      {"finding_info",
       {{"uid", f.fingerprint()},
        {"title", f.title().empty() ? f.rule_id() : f.title()},
        {"desc", f.message()},
        {"created_time", event.created_ms()},
        {"analytic", {{"uid", f.rule_id()}, {"name", f.title()}, {"type_id", 1}, {"type", "Rule"}}},
        {"types", {event.topic()}}}},
      {"vulnerabilities", json::array({vulnerability})},
      {"unmapped", {{"scanfleet", EventMeta(event)}}}};
  out["unmapped"]["scanfleet"]["finding"] = CanonicalFindingJson(f);
  if (!f.confidence().empty()) {
    static const std::map<std::string, int> kConfidence = {{"low", 1}, {"medium", 2}, {"high", 3}};
    auto it = kConfidence.find(f.confidence());
    out["confidence_id"] = it == kConfidence.end() ? 99 : it->second;
    out["confidence"] = f.confidence();
  }
  if (!f.url().empty()) {
    out["resources"] = json::array({{{"uid", f.url()}, {"type", "url"}}});
  }
  return out;
}

json LogProofJson(const LoggedEvent& logged) {
  json proof = {{"event", Base64Of(logged.bytes)},
                {"prev", HexOf(logged.prev_chain)},
                {"chain", HexOf(logged.chain)}};
  if (!logged.skipped.empty()) {
    json skipped = json::array();
    for (const SkippedEvent& event : logged.skipped) {
      skipped.push_back(json::array({event.seq, HexOf(event.digest)}));
    }
    proof["skipped"] = std::move(skipped);
  }
  return proof;
}

std::string JsonLine(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace scanfleet::siem
