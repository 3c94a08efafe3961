// Adapter for nmap's XML report (`-oX -`), service detection on given ports.
//
// Every open port is a finding (rule "open-port", severity info: an exposed
// service is an inventory fact, not a weakness by itself), with the detected
// service, product, version, extra info and CPEs as evidence and confidence
// from nmap's detection confidence (conf >= 8 high, >= 5 medium, else low).
// Every NSE script result becomes a finding "nse:<script id>": severity high
// when its output says "VULNERABLE" (the vulns library's marker), else info.
// Closed and filtered ports are not findings. URL: tcp://host:port.
// A report whose run did not finish ("exit" other than success) or that is
// not an nmaprun document is DataLoss.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "worker/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseNmapServicesXml(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
