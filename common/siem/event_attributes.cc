#include "common/siem/event_attributes.h"

#include "common/siem/event_fields.h"
#include "common/wire/convert.h"

namespace scanfleet::siem {

namespace {

void Add(std::vector<EventAttribute>& out, std::string cef_key, std::string leef_key,
         std::string value) {
  if (value.empty()) return;
  out.push_back({std::move(cef_key), std::move(leef_key), std::move(value)});
}

// A custom string pair: cefLabel carries the meaning of the slot.
void AddLabeled(std::vector<EventAttribute>& out, const std::string& slot, const std::string& label,
                std::string value) {
  if (value.empty()) return;
  out.push_back({slot + "Label", "", label});  // LEEF keys are self-naming
  out.push_back({slot, label, std::move(value)});
}

std::string Number(int64_t value) { return value == 0 ? "" : std::to_string(value); }

std::string CweList(const v1::Finding& finding) {
  std::string out;
  for (int cwe : finding.cwes()) {
    if (!out.empty()) out += ",";
    out += "CWE-" + std::to_string(cwe);
  }
  return out;
}

}  // namespace

std::string EventSignatureId(const v1::Event& event) {
  if (event.has_finding()) return event.finding().tool() + ":" + event.finding().rule_id();
  return event.topic();
}

std::string EventName(const v1::Event& event) {
  if (event.has_finding()) {
    const auto& finding = event.finding();
    return finding.title().empty() ? finding.rule_id() : finding.title();
  }
  if (event.has_scan()) return "scan " + std::string(ScanStateName(event.scan().state()));
  if (event.has_carried()) {
    return std::to_string(event.carried().count()) + " findings carried from scan " +
           std::to_string(event.carried().base_scan_id());
  }
  return event.topic();
}

int EventCefSeverity(const v1::Event& event) {
  if (event.has_finding()) return CefSeverity(event.finding().severity());
  if (event.has_scan() && event.scan().state() == v1::SCAN_FAILED) return 5;
  if (event.has_job()) return 5;  // a dead-lettered job
  return 1;
}

std::vector<EventAttribute> EventAttributes(const v1::Event& event) {
  std::vector<EventAttribute> out;
  Add(out, "rt", "devTime", event.created_ms() > 0 ? std::to_string(event.created_ms()) : "");
  Add(out, "eventId", "eventId", std::to_string(event.seq()));
  Add(out, "cat", "cat", event.topic());
  AddLabeled(out, "cn3", "scanId", Number(static_cast<int64_t>(event.scan_id())));
  if (!event.has_finding()) {
    if (event.has_scan())
      Add(out, "outcome", "outcome", std::string(ScanStateName(event.scan().state())));
    if (event.has_carried()) {
      const v1::CarriedFindings& carried = event.carried();
      AddLabeled(out, "cs2", "tool", carried.scanner());
      AddLabeled(out, "cn1", "carried", std::to_string(carried.count()));
      AddLabeled(out, "cn2", "baseScanId", Number(static_cast<int64_t>(carried.base_scan_id())));
    }
    return out;
  }
  const v1::Finding& f = event.finding();
  Add(out, "externalId", "externalId", f.fingerprint());
  Add(out, "msg", "msg", f.message());
  AddLabeled(out, "cs1", "rule", f.rule_id());
  AddLabeled(out, "cs2", "tool", f.tool());
  AddLabeled(out, "cs3", "severity", std::string(CanonicalSeverityName(f.severity())));
  AddLabeled(out, "cs4", "cwe", CweList(f));
  AddLabeled(out, "cs5", "confidence", f.confidence());
  AddLabeled(out, "cs6", "toolVersion", f.tool_version());
  Add(out, "fname", "fname", BaseName(f.path()));
  Add(out, "filePath", "filePath", f.path());
  AddLabeled(out, "cn1", "line", Number(f.line()));
  AddLabeled(out, "cn2", "column", Number(f.column()));
  AddLabeled(out, "flexNumber1", "endLine", Number(f.end_line()));
  Add(out, "request", "url", f.url());
  Add(out, "requestMethod", "requestMethod", f.http_method());
  AddLabeled(out, "flexString1", "parameter", f.parameter());
  AddLabeled(out, "flexString2", "snippet", f.snippet());
  Add(out, "scanfleetEvidence", "evidence", f.evidence());  // no dictionary key fits
  return out;
}

}  // namespace scanfleet::siem
