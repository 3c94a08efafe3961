// nmap XML adapter; see nmap_xml_parser.h.
#include "worker/scanners/nmap_xml_parser.h"

#include <pugixml.hpp>
#include <string>

namespace scanfleet {
namespace {

constexpr size_t kMaxEvidence = 2048;

std::string Bounded(std::string text) {
  if (text.size() > kMaxEvidence) text.resize(kMaxEvidence);
  return text;
}

std::string ServiceEvidence(const pugi::xml_node& service) {
  std::string evidence;
  auto add = [&evidence](const char* text) {
    if (*text) evidence += (evidence.empty() ? "" : " ") + std::string(text);
  };
  add(service.attribute("product").value());
  add(service.attribute("version").value());
  if (*service.attribute("extrainfo").value()) {
    add(("(" + std::string(service.attribute("extrainfo").value()) + ")").c_str());
  }
  for (pugi::xml_node cpe : service.children("cpe")) add(cpe.child_value());
  return Bounded(evidence);
}

std::string Confidence(const pugi::xml_node& service) {
  int conf = service.attribute("conf").as_int(0);
  return conf >= 8 ? "high" : conf >= 5 ? "medium" : "low";
}

Finding ScriptFinding(const pugi::xml_node& script, const std::string& url,
                      std::string_view version) {
  Finding f;
  f.tool = "nmap";
  f.tool_version = std::string(version);
  std::string id = script.attribute("id").value();
  std::string output = script.attribute("output").value();
  f.rule_id = "nse:" + id;
  f.title = "nmap script " + id;
  f.message = Bounded(output);
  f.severity = output.find("VULNERABLE") != std::string::npos ? Severity::kHigh : Severity::kInfo;
  f.url = url;
  f.evidence = Bounded(output);
  return f;
}

}  // namespace

StatusOr<ParseResult> ParseNmapServicesXml(std::string_view output, std::string_view tool_version) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer(output.data(), output.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!parsed) {
    return Status::DataLoss(std::string("nmap report is not XML: ") + parsed.description());
  }
  pugi::xml_node run = doc.child("nmaprun");
  if (!run) return Status::DataLoss("not an nmap report (no <nmaprun>)");
  pugi::xml_node finished = run.child("runstats").child("finished");
  if (!finished) return Status::DataLoss("nmap report is truncated (no <runstats>)");
  if (std::string(finished.attribute("exit").value()) != "success") {
    return Status::DataLoss("nmap did not finish: " +
                            Bounded(finished.attribute("errormsg").value()));
  }
  std::string version = *run.attribute("version").value() ? run.attribute("version").value()
                                                          : std::string(tool_version);
  ParseResult result;
  for (pugi::xml_node host : run.children("host")) {
    std::string address;
    for (pugi::xml_node addr : host.children("address")) {
      std::string type = addr.attribute("addrtype").value();
      if (type == "ipv4" || type == "ipv6") {
        address = addr.attribute("addr").value();
        if (type == "ipv6") address = "[" + address + "]";
        break;
      }
    }
    if (address.empty()) {
      ++result.skipped_records;
      continue;
    }
    for (pugi::xml_node port : host.child("ports").children("port")) {
      std::string state = port.child("state").attribute("state").value();
      if (state != "open") continue;
      std::string protocol = port.attribute("protocol").value();
      int number = port.attribute("portid").as_int(0);
      if (number <= 0 || number > 65535 || protocol.empty()) {
        ++result.skipped_records;
        continue;
      }
      std::string url =
          (protocol == "udp" ? "udp://" : "tcp://") + address + ":" + std::to_string(number);
      pugi::xml_node service = port.child("service");
      std::string name =
          *service.attribute("name").value() ? service.attribute("name").value() : "unknown";
      Finding f;
      f.tool = "nmap";
      f.tool_version = version;
      f.rule_id = "open-port";
      f.title = "open port " + std::to_string(number) + "/" + protocol + ": " + name;
      f.evidence = ServiceEvidence(service);
      f.message = "Port " + std::to_string(number) + "/" + protocol + " is open and serves " +
                  name + (f.evidence.empty() ? "" : " (" + f.evidence + ")") + ".";
      f.severity = Severity::kInfo;
      f.confidence = service ? Confidence(service) : "low";
      f.url = url;
      result.findings.push_back(std::move(f));
      for (pugi::xml_node script : port.children("script")) {
        result.findings.push_back(ScriptFinding(script, url, version));
      }
    }
    for (pugi::xml_node script : host.child("hostscript").children("script")) {
      result.findings.push_back(ScriptFinding(script, "tcp://" + address, version));
    }
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
