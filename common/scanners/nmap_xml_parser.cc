// nmap XML adapter; see nmap_xml_parser.h for the mapping.
#include "common/scanners/nmap_xml_parser.h"

#include <cstdlib>
#include <optional>
#include <pugixml.hpp>
#include <string>

#include "common/scanners/text_fields.h"

namespace scanfleet {
namespace {

constexpr size_t kMaxTitle = 160;  // a title is an id and the output's first line

std::string Trimmed(std::string_view text) {
  const char* kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return "";
  return std::string(text.substr(begin, text.find_last_not_of(kSpace) - begin + 1));
}

std::string FirstLine(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

// What a vulns-library state means for us; nullopt for "NOT VULNERABLE".
struct Verdict {
  Severity severity;
  const char* confidence;
};

std::optional<Verdict> VerdictOfState(std::string_view state) {
  if (state == "NOT VULNERABLE") return std::nullopt;
  if (state.starts_with("VULNERABLE")) return Verdict{Severity::kHigh, "high"};
  if (state == "LIKELY VULNERABLE") return Verdict{Severity::kMedium, "medium"};
  return Verdict{Severity::kInfo, "low"};  // "UNKNOWN (unable to test)" and anything new
}

Severity SeverityOfCvss(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  return score > 0.0 ? Severity::kLow : Severity::kInfo;
}

// Text of the child <elem key="key">, or nullopt when there is none.
std::optional<std::string> KeyedElem(const pugi::xml_node& table, const char* key) {
  for (pugi::xml_node elem : table.children("elem")) {
    if (std::string_view(elem.attribute("key").value()) == key) return elem.child_value();
  }
  return std::nullopt;
}

pugi::xml_node KeyedTable(const pugi::xml_node& table, const char* key) {
  for (pugi::xml_node child : table.children("table")) {
    if (std::string_view(child.attribute("key").value()) == key) return child;
  }
  return pugi::xml_node();
}

// The unkeyed <elem>s of a child table joined by `separator`.
std::string JoinedElems(const pugi::xml_node& table, const char* separator) {
  std::string joined;
  for (pugi::xml_node elem : table.children("elem")) {
    joined += (joined.empty() ? "" : separator) + Trimmed(elem.child_value());
  }
  return joined;
}

// The highest CVSS score among <table key="scores"><elem key="CVSSv2">7.8</elem>.
std::optional<double> HighestScore(const pugi::xml_node& vuln) {
  std::optional<double> highest;
  for (pugi::xml_node elem : KeyedTable(vuln, "scores").children("elem")) {
    const char* text = elem.child_value();
    char* end = nullptr;
    double score = std::strtod(text, &end);
    if (end == text || score < 0.0 || score > 10.0) continue;
    if (!highest || score > *highest) highest = score;
  }
  return highest;
}

Finding NewFinding(const std::string& rule_id, const std::string& url, const std::string& version) {
  Finding f;
  f.tool = "nmap";
  f.tool_version = version;
  f.rule_id = rule_id;
  f.url = url;
  return f;
}

// One finding per vulns-library table of `script`; returns how many tables
// carried a state (0: the script does not use the vulns library).
int AddVulnsTables(const pugi::xml_node& script, const std::string& id, const std::string& url,
                   const std::string& version, ParseResult& result) {
  int tables = 0;
  for (pugi::xml_node vuln : script.children("table")) {
    std::optional<std::string> state = KeyedElem(vuln, "state");
    if (!state) continue;
    ++tables;
    std::optional<Verdict> verdict = VerdictOfState(*state);
    if (!verdict) continue;
    std::string title = KeyedElem(vuln, "title").value_or(vuln.attribute("key").value());
    std::string ids = JoinedElems(KeyedTable(vuln, "ids"), "  ");
    std::string description = JoinedElems(KeyedTable(vuln, "description"), "\n");
    Finding f = NewFinding("nse:" + id, url, version);
    f.title = Bounded(id + ": " + title, kMaxTitle);
    f.message = Bounded(description.empty() ? title : description);
    std::optional<double> score = HighestScore(vuln);
    f.severity = score ? SeverityOfCvss(*score) : verdict->severity;
    f.confidence = verdict->confidence;
    f.evidence = Bounded("State: " + *state + (ids.empty() ? "" : "; IDs: " + ids));
    result.findings.push_back(std::move(f));
  }
  return tables;
}

// The most severe "State: ..." line of a script's text output; nullopt when
// every such line says NOT VULNERABLE; info when there is none.
std::optional<Verdict> VerdictOfText(const std::string& output) {
  constexpr std::string_view kState = "State: ";
  std::optional<Verdict> best;
  bool any_state = false;
  for (size_t at = output.find(kState); at != std::string::npos; at = output.find(kState, at + 1)) {
    any_state = true;
    size_t end = output.find('\n', at);
    std::string state = Trimmed(std::string_view(output).substr(
        at + kState.size(),
        end == std::string::npos ? std::string::npos : end - at - kState.size()));
    std::optional<Verdict> verdict = VerdictOfState(state);
    if (verdict && (!best || verdict->severity > best->severity)) best = verdict;
  }
  if (!any_state) return Verdict{Severity::kInfo, ""};
  return best;
}

void AddScript(const pugi::xml_node& script, const std::string& url, const std::string& version,
               ParseResult& result) {
  std::string id = script.attribute("id").value();
  std::string output = Trimmed(script.attribute("output").value());
  if (id.empty() || output.starts_with("ERROR: Script execution failed")) {
    ++result.skipped_records;
    return;
  }
  if (AddVulnsTables(script, id, url, version, result) > 0) return;
  std::optional<Verdict> verdict = VerdictOfText(output);
  if (!verdict) return;
  Finding f = NewFinding("nse:" + id, url, version);
  f.title = Bounded(id + (output.empty() ? "" : ": " + FirstLine(output)), kMaxTitle);
  f.message = Bounded(output);
  f.severity = verdict->severity;
  f.confidence = verdict->confidence;
  f.evidence = Bounded(output);
  result.findings.push_back(std::move(f));
}

std::string ServiceEvidence(const pugi::xml_node& service) {
  std::string evidence;
  auto add = [&evidence](const std::string& text) {
    if (!text.empty()) evidence += (evidence.empty() ? "" : " ") + text;
  };
  add(service.attribute("product").value());
  add(service.attribute("version").value());
  if (*service.attribute("extrainfo").value()) {
    add("(" + std::string(service.attribute("extrainfo").value()) + ")");
  }
  for (pugi::xml_node cpe : service.children("cpe")) add(cpe.child_value());
  return Bounded(evidence);
}

// "http", or "ssl/http" when nmap found the service behind TLS.
std::string ServiceName(const pugi::xml_node& service) {
  std::string name = service.attribute("name").value();
  if (name.empty()) name = "unknown";
  return std::string_view(service.attribute("tunnel").value()) == "ssl" ? "ssl/" + name : name;
}

std::string Confidence(const pugi::xml_node& service) {
  if (!service) return "low";
  int conf = service.attribute("conf").as_int(0);
  return conf >= 8 ? "high" : conf >= 5 ? "medium" : "low";
}

Finding OpenPortFinding(const pugi::xml_node& port, const std::string& protocol, int number,
                        const std::string& url, const std::string& version) {
  pugi::xml_node service = port.child("service");
  std::string name = ServiceName(service);
  std::string product = Trimmed(std::string(service.attribute("product").value()) + " " +
                                service.attribute("version").value());
  std::string where = std::to_string(number) + "/" + protocol;
  Finding f = NewFinding("open-port", url, version);
  f.title =
      Bounded("open port " + where + ": " + name + (product.empty() ? "" : " (" + product + ")"),
              kMaxTitle);
  f.evidence = ServiceEvidence(service);
  f.message = "Port " + where + " is open and serves " + name +
              (f.evidence.empty() ? "" : " (" + f.evidence + ")") + ".";
  f.severity = Severity::kInfo;
  f.confidence = Confidence(service);
  return f;
}

// "127.0.0.1" or "[::1]"; empty when the host has no IP address.
std::string HostAddress(const pugi::xml_node& host) {
  for (pugi::xml_node addr : host.children("address")) {
    std::string type = addr.attribute("addrtype").value();
    std::string address = addr.attribute("addr").value();
    if (address.empty()) continue;
    if (type == "ipv4") return address;
    if (type == "ipv6") return "[" + address + "]";
  }
  return "";
}

void AddHost(const pugi::xml_node& host, const std::string& version, ParseResult& result) {
  std::string address = HostAddress(host);
  if (address.empty()) {
    ++result.skipped_records;
    return;
  }
  for (pugi::xml_node port : host.child("ports").children("port")) {
    if (std::string_view(port.child("state").attribute("state").value()) != "open") continue;
    std::string protocol = port.attribute("protocol").value();
    int number = port.attribute("portid").as_int(0);
    if (number <= 0 || number > 65535 || protocol.empty()) {
      ++result.skipped_records;
      continue;
    }
    std::string url =
        (protocol == "udp" ? "udp://" : "tcp://") + address + ":" + std::to_string(number);
    result.findings.push_back(OpenPortFinding(port, protocol, number, url, version));
    for (pugi::xml_node script : port.children("script")) {
      AddScript(script, url, version, result);
    }
  }
  for (pugi::xml_node script : host.child("hostscript").children("script")) {
    AddScript(script, "tcp://" + address, version, result);
  }
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
  if (std::string_view(finished.attribute("exit").value()) != "success") {
    return Status::DataLoss("nmap did not finish: " +
                            Bounded(finished.attribute("errormsg").value()));
  }
  pugi::xml_attribute total = run.child("runstats").child("hosts").attribute("total");
  if (!run.child("host") && total && total.as_int(-1) == 0) {
    return Status::Unavailable("nmap scanned no host (the target name did not resolve?)");
  }
  std::string version = *run.attribute("version").value() ? run.attribute("version").value()
                                                          : std::string(tool_version);
  ParseResult result;
  for (pugi::xml_node host : run.children("host")) AddHost(host, version, result);
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
